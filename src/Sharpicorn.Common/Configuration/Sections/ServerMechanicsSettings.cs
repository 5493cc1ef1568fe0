using Sharpicorn.Cli;

namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "Server Mechanics" section, in gunicorn's order.</summary>
internal static class ServerMechanicsSettings
{
    private const string Uwsgi = "the uwsgi protocol is not implemented; sharpicorn speaks HTTP/1.1 only";
    private const string Paste = "PasteDeploy apps are not supported";
    private const string PasteInstead = "Name the WSGI app as MODULE:VARIABLE (for Pyramid, a module that calls get_app or paste.deploy.loadapp)";

    public static readonly Setting[] All =
    [
        new BoolSetting
        {
            Name = "preload_app", Section = Section.ServerMechanics, Flags = ["--preload"],
            Help = "Load the app once before the workers start, so a broken app fails fast.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.Preload = v ?? false, Get = s => s.Preload,
            Notes = "There is no fork: a throw-away process imports the app, then every worker imports it again. Nothing is shared copy-on-write and HUP always reloads the code.",
        },
        new BoolSetting
        {
            Name = "sendfile", Section = Section.ServerMechanics, Flags = ["--no-sendfile"], SwitchValue = false,
            Help = "Set to False (--no-sendfile) to stop using sendfile() for wsgi.file_wrapper.",
            Default = null, DefaultOrigin = "gunicorn's default (None: sendfile on unless $SENDFILE says otherwise)",
            Status = SettingStatus.AcceptedWithWarning,
            Reason = "has no effect: wsgi.file_wrapper files are always sent straight from their file descriptor",
        },
        new BoolSetting
        {
            Name = "reuse_port", Section = Section.ServerMechanics, Flags = ["--reuse-port"],
            Help = "Set SO_REUSEPORT on the listening sockets, so another server may bind the same port.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.ReusePort = v ?? false, Get = s => s.ReusePort,
            Notes = "Workers still share the arbiter's sockets.",
        },
        new StringSetting
        {
            Name = "chdir", Section = Section.ServerMechanics, Flags = ["--chdir"], Meta = "CHDIR",
            Help = "Change to this directory before loading the app.",
            Default = ".", DefaultOrigin = "gunicorn's default, the directory sharpicorn was started in", DefaultDoc = "the current directory",
            Set = (s, v) => s.Chdir = v, Get = s => s.Chdir,
            Show = s => Path.GetFullPath(s.Chdir ?? Directory.GetCurrentDirectory()),
        },
        new BoolSetting
        {
            Name = "daemon", Section = Section.ServerMechanics, Flags = ["-D", "--daemon"],
            Help = "Detach from the terminal: the server runs in its own session with its standard streams on /dev/null.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.Daemon = v ?? false, Get = s => s.Daemon,
            Notes = "A detached copy of the process is started (setsid, umask 022 as gunicorn sets it) instead of a double fork.",
        },
        new ListSetting
        {
            Name = "raw_env", Section = Section.ServerMechanics, Flags = ["-e", "--env"], Meta = "ENV",
            Help = "Set an environment variable (KEY=VALUE) before Python starts. Repeatable.",
            Default = [], DefaultOrigin = "gunicorn's default",
            ValidateItem = v => v.Contains('=', StringComparison.Ordinal) ? v : throw new SettingException($"'{v}' is not of the form KEY=VALUE"),
            Set = (s, v) =>
            {
                s.RawEnv.Clear();
                s.RawEnv.AddRange(v);
            },
            Get = s => s.RawEnv,
        },
        new StringSetting
        {
            Name = "pidfile", Section = Section.ServerMechanics, Flags = ["-p", "--pid"], Meta = "FILE",
            Help = "A file to write the master's PID to.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.PidFile = v, Get = s => s.PidFile,
        },
        new StringSetting
        {
            Name = "worker_tmp_dir", Section = Section.ServerMechanics, Flags = ["--worker-tmp-dir"], Meta = "DIR",
            Help = "gunicorn's directory for the worker heartbeat file.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.WorkerTmpDir = v, Get = s => s.WorkerTmpDir,
            Notes = "Each worker keeps gunicorn's heartbeat file there (`wgunicorn-XXXXXX`, unlinked at once and held open, so tools find it as `/proc/<pid>/fd/N` → `… (deleted)`), and stamps its mtime with every heartbeat on gunicorn's clock (`time.monotonic()`, CLOCK_MONOTONIC seconds). The arbiter itself reads the heartbeat from a pipe, so a slow disk never stalls it; `/dev/shm` is not needed.",
        },
        new StringSetting
        {
            Name = "user", Section = Section.ServerMechanics, Flags = ["-u", "--user"], Meta = "USER",
            Help = "Switch worker processes to run as this user (name or uid).",
            Default = null, DefaultOrigin = "gunicorn's default, the current user", DefaultDoc = "os.geteuid()",
            Set = (s, v) => s.User = v, Get = s => s.User,
            Show = s => Identity.User(s.User),
            Notes = "A unix: bind socket is not chowned to the user, as gunicorn does.",
        },
        new StringSetting
        {
            Name = "group", Section = Section.ServerMechanics, Flags = ["-g", "--group"], Meta = "GROUP",
            Help = "Switch worker processes to run as this group (name or gid).",
            Default = null, DefaultOrigin = "gunicorn's default, the current group", DefaultDoc = "os.getegid()",
            Set = (s, v) => s.Group = v, Get = s => s.Group,
            Show = s => Identity.Group(s.Group),
            Notes = "A unix: bind socket is not chowned to the group, as gunicorn does.",
        },
        new IntSetting
        {
            Name = "umask", Section = Section.ServerMechanics, Flags = ["-m", "--umask"], Meta = "INT",
            Help = "A bit mask for the file mode of a unix socket sharpicorn binds (0o22, 18, 0x12); the process keeps its own umask.",
            Default = 0, DefaultOrigin = "gunicorn's default", AutoInt = true,
            Set = (s, v) => s.Umask = v, Get = s => s.Umask,
        },
        new BoolSetting
        {
            Name = "initgroups", Section = Section.ServerMechanics, Flags = ["--initgroups"],
            Help = "Give workers the supplementary groups of --user.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused,
            Reason = "supplementary groups are not implemented; workers switch to --user and --group only",
        },
        new StringSetting
        {
            Name = "tmp_upload_dir", Section = Section.ServerMechanics, Meta = "DIR",
            Help = "gunicorn's directory for temporary request data.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Notes = "Accepted and unused: nothing in gunicorn 26 reads it either.",
        },
        new DictSetting
        {
            Name = "secure_scheme_headers", Section = Section.ServerMechanics,
            Help = "Headers (and values) a trusted front end sets to say the request came over HTTPS.",
            Default = [new("X-FORWARDED-PROTOCOL", "ssl"), new("X-FORWARDED-PROTO", "https"), new("X-FORWARDED-SSL", "on")],
            DefaultOrigin = "gunicorn's default",
            Set = (s, v) =>
            {
                s.SecureSchemeHeaders.Clear();
                foreach (KeyValuePair<string, string> kv in v)
                {
                    s.SecureSchemeHeaders[kv.Key] = kv.Value;
                }
            },
            Get = s => [.. s.SecureSchemeHeaders],
        },
        new StringSetting
        {
            Name = "forwarded_allow_ips", Section = Section.ServerMechanics, Flags = ["--forwarded-allow-ips"], Meta = "STRING",
            Help = "Front-end IPs (or CIDR networks, or '*') trusted to set secure_scheme_headers.",
            Default = "127.0.0.1,::1", DefaultOrigin = "gunicorn's default; $FORWARDED_ALLOW_IPS when set, as in gunicorn", CommaList = true,
            Set = (s, v) => s.ForwardedAllowIps = v ?? "127.0.0.1,::1", Get = s => s.ForwardedAllowIps,
            Notes = "Unix-socket peers are always trusted. Behind a PROXY header the socket's peer (the proxy) is judged, as in gunicorn. With forwarded_remote_addr it also decides whose X-Forwarded-For or Forwarded is believed.",
        },
        new StringSetting
        {
            Name = "pythonpath", Section = Section.ServerMechanics, Flags = ["--pythonpath"], Meta = "STRING",
            Help = "Comma-separated directories to put first on the Python path.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Set = (s, v) =>
            {
                s.PythonPath.Clear();
                s.PythonPath.AddRange((v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries));
            },
            Get = s => s.PythonPath.Count == 0 ? null : string.Join(',', s.PythonPath),
        },
        new StringSetting
        {
            Name = "paste", Section = Section.ServerMechanics, Flags = ["--paste", "--paster"], Meta = "STRING",
            Help = "Load a PasteDeploy config file.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused, Reason = Paste, Instead = PasteInstead,
        },
        new StringSetting
        {
            Name = "proxy_protocol", Section = Section.ServerMechanics, Flags = ["--proxy-protocol"], Meta = "MODE", Const = "auto",
            Help = "Read a PROXY protocol header first: off, v1, v2 or auto (the bare flag).",
            Default = "off", DefaultOrigin = "gunicorn's default",
            // gunicorn 26's validate_proxy_protocol spellings, normalised as it does.
            Choices = ["off", "false", "0", "none", "v1", "v2", "auto", "true", "1"], IgnoreCase = true,
            Validate = v => v switch { "true" or "1" => "auto", "false" or "0" or "none" => "off", _ => v },
            Set = (s, v) => s.ProxyProtocol = v ?? "off", Get = s => s.ProxyProtocol,
            Notes = "Every connection on a PROXY port must start with a header (v1 text, v2 binary with TCP4, TCP6, UNKNOWN or LOCAL; TLVs are skipped): one without is answered 400 and closed, never served as plain HTTP as gunicorn does. A v2 header gunicorn cannot parse is answered 400, not 500.",
        },
        new StringSetting
        {
            Name = "proxy_allow_ips", Section = Section.ServerMechanics, Flags = ["--proxy-allow-from"],
            Help = "Front-end IPs (or networks, or '*') allowed to send a PROXY header.",
            Default = "127.0.0.1,::1", DefaultOrigin = "gunicorn's default", CommaList = true,
            Set = (s, v) => s.ProxyAllowIps = v ?? "", Get = s => s.ProxyAllowIps,
            Notes = "Unix-socket peers are always allowed, as in gunicorn. Any other peer's header is answered 403 (gunicorn's \"Request forbidden\").",
        },
        new StringSetting
        {
            Name = "protocol", Section = Section.ServerMechanics, Flags = ["--protocol"], Meta = "STRING",
            Help = "The protocol clients speak: http or uwsgi.",
            Default = "http", DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused, Reason = Uwsgi,
            Instead = "Point nginx at sharpicorn with proxy_pass instead of uwsgi_pass",
        },
        new StringSetting
        {
            Name = "uwsgi_allow_ips", Section = Section.ServerMechanics, Flags = ["--uwsgi-allow-from"],
            Help = "Front-end IPs allowed to send uwsgi protocol requests.",
            Default = "127.0.0.1,::1", DefaultOrigin = "gunicorn's default", CommaList = true,
            Status = SettingStatus.Refused, Reason = Uwsgi,
        },
        new ListSetting
        {
            Name = "raw_paste_global_conf", Section = Section.ServerMechanics, Flags = ["--paste-global"], Meta = "CONF",
            Help = "Set a PasteDeploy global config variable (key=value). Repeatable.",
            Default = [], DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused, Reason = Paste, Instead = PasteInstead,
        },
        new BoolSetting
        {
            Name = "permit_obsolete_folding", Section = Section.ServerMechanics, Flags = ["--permit-obsolete-folding"],
            Help = "Accept headers continued on the next line (obsolete line folding).",
            Default = false, DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused, Reason = "obsolete header folding is always rejected (400), as by gunicorn's default",
        },
        new BoolSetting
        {
            Name = "strip_header_spaces", Section = Section.ServerMechanics, Flags = ["--strip-header-spaces"],
            Help = "Accept spaces between a header name and its colon, and strip them.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused, Reason = "a space before a header's colon is always rejected (400), as by gunicorn's default; stripping it invites request smuggling",
        },
        new BoolSetting
        {
            Name = "permit_unconventional_http_method", Section = Section.ServerMechanics, Flags = ["--permit-unconventional-http-method"],
            Help = "Accept request methods outside the usual conventions (lower case, digits, very long).",
            Default = false, DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused, Reason = "Kestrel's request parser has no switch for unconventional methods",
        },
        new BoolSetting
        {
            Name = "permit_unconventional_http_version", Section = Section.ServerMechanics, Flags = ["--permit-unconventional-http-version"],
            Help = "Accept HTTP versions other than 1.0 and 1.1.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused, Reason = "Kestrel accepts HTTP/1.0 and HTTP/1.1 only",
        },
        new BoolSetting
        {
            Name = "casefold_http_method", Section = Section.ServerMechanics, Flags = ["--casefold-http-method"],
            Help = "Upper-case request methods before the app sees them.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused, Reason = "request methods reach the app as sent; case folding is not implemented",
        },
        new StringSetting
        {
            Name = "forwarder_headers", Section = Section.ServerMechanics, Flags = ["--forwarder-headers"],
            Help = "Headers with '_' in the name (SCRIPT_NAME, PATH_INFO) a trusted front end may set in environ.",
            Default = "SCRIPT_NAME,PATH_INFO", DefaultOrigin = "gunicorn's default", CommaList = true,
            Status = SettingStatus.Refused,
            Reason = "every request header with '_' in its name is dropped (header_map), even from a trusted front end; forwarder headers are not implemented",
            Instead = "Set SCRIPT_NAME in the environment (-e SCRIPT_NAME=/prefix) to mount the app under a prefix",
        },
        new StringSetting
        {
            Name = "header_map", Section = Section.ServerMechanics, Flags = ["--header-map"],
            Help = "Request headers with '_' in the name: drop, refuse or dangerous.",
            Default = "drop", DefaultOrigin = "gunicorn's default", Choices = ["drop", "refuse", "dangerous"],
            Set = (s, v) => s.HeaderMap = v ?? "drop", Get = s => s.HeaderMap,
        },
        new StringSetting
        {
            Name = "root_path", Section = Section.ServerMechanics, Flags = ["--root-path"], Meta = "STRING",
            Help = "The root path of ASGI apps (the scope's root_path).",
            Default = "", DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.RootPath = v ?? "", Get = s => s.RootPath,
            Notes = "ASGI only; for a WSGI app, set SCRIPT_NAME in the environment.",
        },
    ];
}
