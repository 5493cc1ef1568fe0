using Sharpicorn.Cli;

namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "Server Mechanics" section, in gunicorn's order.</summary>
internal static class ServerMechanicsSettings
{
    private const string Uwsgi = "the uwsgi protocol is a binary request format of its own, and every request sharpicorn serves is parsed by Kestrel, which reads HTTP only; a second request parser beside it is ruled out (ARCHITECTURE.md)";

    public static readonly Setting[] All =
    [
        new BoolSetting
        {
            Name = "preload_app", Section = Section.ServerMechanics, Flags = ["--preload"],
            Help = "Load the app in the master before the workers start: its import-time side effects run there, and a broken app fails fast.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.Preload = v ?? false, Get = s => s.Preload,
            Notes = "The master imports the app in its own embedded Python, as gunicorn does; there is no fork, so every worker imports it again. Nothing is shared copy-on-write and HUP always reloads the code.",
        },
        new BoolSetting
        {
            Name = "sendfile", Section = Section.ServerMechanics, Flags = ["--no-sendfile"], SwitchValue = false,
            Help = "Set to False (--no-sendfile) to stop using sendfile() for wsgi.file_wrapper.",
            Default = null, DefaultOrigin = "gunicorn's default (None: sendfile on unless $SENDFILE says otherwise)",
            Set = (s, v) => s.Sendfile = v, Get = s => s.Sendfile,
            Notes = "gunicorn's rule (config.sendfile): any explicit value turns it off, else $SENDFILE decides (`y`, `1`, `yes`, `true` on; anything else off), and unset is on. On, a wrapped regular file is sent from its descriptor without calling its read(); off, the wrapper is iterated through filelike.read(blksize), as gunicorn's workers do then.",
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
            Set = (s, v) => s.Initgroups = v ?? false, Get = s => s.Initgroups,
            Notes = "initgroups(3) with --user's name and --group's gid, before setgid and setuid. gunicorn then skips setgid; sharpicorn still sets the group, so the worker's gid is --group either way. It needs both --user and --group: gunicorn's group defaults to the master's, which for a root master is 0, and then it does nothing either.",
        },
        new StringSetting
        {
            Name = "tmp_upload_dir", Section = Section.ServerMechanics, Meta = "DIR",
            Help = "gunicorn's directory for temporary request data.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.TmpUploadDir = v, Get = s => s.TmpUploadDir,
            Notes = "Kept and shown by --print-config, and unused: nothing in gunicorn 26 reads it either (request bodies are streamed to the app, never spooled to disk).",
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
            Help = "Load a PasteDeploy config file (PATH, or PATH#section) instead of APP_MODULE.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.Paste = v, Get = s => s.Paste,
            Notes = "As gunicorn: the path is made absolute from the start directory, a missing file stops startup (`Error: '/abs/app.ini' not found`), and each worker calls `paste.deploy.loadapp('config:PATH', relative_to=cwd, global_conf=--paste-global)` with the target Python, which must have PasteDeploy (Debian's python3-pastedeploy). The process title names the file. A `[loggers]` section is not applied as --log-config.",
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
            Set = (s, v) =>
            {
                s.PasteGlobalConf.Clear();
                s.PasteGlobalConf.AddRange(v);
            },
            Get = s => s.PasteGlobalConf,
            Notes = "Split at the first `=` not escaped as `\\=`, as gunicorn's paste_global_conf; an item without one fails every worker's boot with gunicorn's RuntimeError.",
        },
        new BoolSetting
        {
            Name = "permit_obsolete_folding", Section = Section.ServerMechanics, Flags = ["--permit-obsolete-folding"],
            Help = "Accept headers continued on the next line (obsolete line folding).",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.PermitObsoleteFolding = v ?? false, Get = s => s.PermitObsoleteFolding,
            Notes = "A continuation line is joined to its header with one space, both parts stripped of spaces and tabs, as gunicorn joins them; the front hands Kestrel the joined head (Kestrel itself refuses folding). limit_request_field_size counts the lines as sent.",
        },
        new BoolSetting
        {
            Name = "strip_header_spaces", Section = Section.ServerMechanics, Flags = ["--strip-header-spaces"],
            Help = "Accept spaces between a header name and its colon, and strip them.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.StripHeaderSpaces = v ?? false, Get = s => s.StripHeaderSpaces,
            Notes = "Spaces and tabs before the colon are removed from the head Kestrel is handed (Kestrel itself refuses them); a `Content-Length : +5` is still judged on its raw value. As gunicorn warns, this invites request smuggling behind a proxy that reads such a header differently.",
        },
        new BoolSetting
        {
            Name = "permit_unconventional_http_method", Section = Section.ServerMechanics, Flags = ["--permit-unconventional-http-method"],
            Help = "Accept request methods outside the usual conventions (lower case, digits, very long).",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.PermitUnconventionalHttpMethod = v ?? false, Get = s => s.PermitUnconventionalHttpMethod,
            Notes = "Without it, a method with a lower-case letter or `#`, or shorter than 3 or longer than 20 characters, is answered gunicorn's 400 (`Invalid HTTP method`); any RFC 9110 token is served with it. Kestrel parses any token method.",
        },
        new BoolSetting
        {
            Name = "permit_unconventional_http_version", Section = Section.ServerMechanics, Flags = ["--permit-unconventional-http-version"],
            Help = "Accept HTTP versions other than 1.0 and 1.1.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.PermitUnconventionalHttpVersion = v ?? false, Get = s => s.PermitUnconventionalHttpVersion,
            Notes = "Any single-digit HTTP/x.y is served: Kestrel is handed the line as HTTP/1.0 (below 1.0) or HTTP/1.1 (above), and the app sees the version as sent in SERVER_PROTOCOL, as gunicorn's environ has it. The response's status line says HTTP/1.1 where gunicorn's echoes the request's version. Without it, versions other than 1.0 and 1.1 get Kestrel's 505 (gunicorn: 400).",
        },
        new BoolSetting
        {
            Name = "casefold_http_method", Section = Section.ServerMechanics, Flags = ["--casefold-http-method"],
            Help = "Upper-case request methods before the app sees them.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.CasefoldHttpMethod = v ?? false, Get = s => s.CasefoldHttpMethod,
            Notes = "The method is upper-cased in the head Kestrel is handed, after gunicorn's checks on the method as sent, so without --permit-unconventional-http-method a lower-case method is still refused, as in gunicorn.",
        },
        new StringSetting
        {
            Name = "forwarder_headers", Section = Section.ServerMechanics, Flags = ["--forwarder-headers"],
            Help = "Headers with '_' in the name (SCRIPT_NAME, PATH_INFO) a trusted front end may set in environ.",
            Default = "SCRIPT_NAME,PATH_INFO", DefaultOrigin = "gunicorn's default", CommaList = true,
            Set = (s, v) =>
            {
                s.ForwarderHeaders.Clear();
                s.ForwarderHeaders.AddRange(v is null ? [] : v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            },
            Get = s => string.Join(',', s.ForwarderHeaders),
            Notes = "As gunicorn: from a peer in forwarded_allow_ips, a header with '_' in its name that is listed (or any, with `*`) passes header_map and reaches environ as HTTP_NAME; a `SCRIPT_NAME` header also becomes SCRIPT_NAME and is cut from PATH_INFO (a path outside it is answered gunicorn's 500). From any other peer they are header_map's to drop or refuse.",
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
