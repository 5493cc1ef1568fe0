using System.Globalization;
using System.Text;

namespace Sharpicorn.Cli;

/// <summary>
/// gunicorn's command line. Every gunicorn flag is known: a supported one is applied, one that
/// sharpicorn does not support yet is refused with the reason, never silently ignored.
/// GUNICORN_CMD_ARGS is read first, so the real command line overrides it, as in gunicorn.
/// </summary>
internal static class CommandLine
{
    public const string Usage = "usage: sharpicorn [OPTIONS] [APP_MODULE]";

    private sealed record Option(string[] Names, string? Meta, string Help, Action<ServerSettings, string> Apply)
    {
        /// <summary>A switch such as --preload: it takes no value.</summary>
        public bool IsSwitch => Meta is null;
    }

    private static readonly Option[] Supported =
    [
        new(["-b", "--bind"], "ADDRESS", "The socket to bind: HOST, HOST:PORT, [IPv6]:PORT, unix:PATH or fd://FD. Repeatable. [['127.0.0.1:8000']]", (s, v) => s.Bind.Add(v)),
        new(["--backlog"], "INT", "The maximum number of pending connections. [2048]", (s, v) => s.Backlog = Int("--backlog", v, 1)),
        new(["-w", "--workers"], "INT", "The number of worker processes. [1]", (s, v) => s.Workers = Int("-w/--workers", v, 1)),
        new(["-k", "--worker-class"], "STRING", "sync or gthread; both run on sharpicorn's Python threads. [sync]", (s, v) => s.WorkerClass = WorkerClass(v)),
        new(["--threads"], "INT", "The number of Python threads handling requests. [1]", (s, v) => s.Threads = Int("--threads", v, 1)),
        new(["--worker-connections"], "INT", "The maximum number of simultaneous clients. [1000]", (s, v) => s.WorkerConnections = Int("--worker-connections", v, 1)),
        new(["--keep-alive"], "INT", "Seconds to wait for requests on a Keep-Alive connection. [2]", (s, v) => s.KeepAlive = Int("--keep-alive", v, 0)),
        new(["--graceful-timeout"], "INT", "Seconds in-flight requests get to finish after SIGTERM. [30]", (s, v) => s.GracefulTimeout = Int("--graceful-timeout", v, 0)),
        new(["--limit-request-line"], "INT", "The maximum size of the HTTP request line in bytes. [4094]", (s, v) => s.LimitRequestLine = Int("--limit-request-line", v, 0)),
        new(["--limit-request-fields"], "INT", "The maximum number of HTTP request headers. [100]", (s, v) => s.LimitRequestFields = Int("--limit-request-fields", v, 0)),
        new(["--limit-request-field_size"], "INT", "The maximum size of one HTTP request header in bytes. [8190]", (s, v) => s.LimitRequestFieldSize = Int("--limit-request-field_size", v, 0)),
        new(["--chdir"], "CHDIR", "Change directory to this before loading the app.", (s, v) => s.Chdir = v),
        new(["--pythonpath"], "STRING", "Comma-separated directories to add to the Python path.", (s, v) => s.PythonPath.AddRange(v.Split(',', StringSplitOptions.RemoveEmptyEntries))),
        new(["-e", "--env"], "ENV", "Set an environment variable (KEY=VALUE). Repeatable.", (s, v) => s.RawEnv.Add(Env(v))),
        new(["--access-logfile"], "FILE", "The access log file to write to; '-' means stdout. [None]", (s, v) => s.AccessLog = v),
        new(["--access-logformat"], "STRING", "The access log format. [gunicorn's default]", (s, v) => s.AccessLogFormat = v),
        new(["--error-logfile", "--log-file"], "FILE", "The error log file to write to; '-' means stderr. [-]", (s, v) => s.ErrorLog = v),
        new(["--log-level"], "LEVEL", "debug, info, warning, error or critical. [info]", (s, v) => s.LogLevel = Level(v)),
        new(["-p", "--pid"], "FILE", "A filename to use for the PID file. [None]", (s, v) => s.PidFile = v),
        new(["--forwarded-allow-ips"], "STRING", "Front-end IPs (or CIDR networks, or '*') trusted to set secure_scheme_headers. [127.0.0.1,::1]", (s, v) => s.ForwardedAllowIps = v),
        new(["--header-map"], "STRING", "Request headers with '_' in the name: drop, refuse or dangerous. [drop]", (s, v) => s.HeaderMap = HeaderMap(v)),
        new(["-c", "--config"], "CONFIG", "The gunicorn config file to read. [./gunicorn.conf.py]", (s, v) => s.Config = v),
        new(["-t", "--timeout"], "INT", "Workers silent (no progress) for more than this many seconds are killed and restarted. [30]", (s, v) => s.Timeout = Int("-t/--timeout", v, 0)),
        new(["--boot-timeout"], "INT", "Seconds a worker may take to import the app and start serving; 0 is no limit. [120]", (s, v) => s.BootTimeout = Int("--boot-timeout", v, 0)),
        new(["--request-timeout"], "INT", "Seconds one request may run before its thread is interrupted and the client gets a 504; 0 is off. [0]", (s, v) => s.RequestTimeout = Int("--request-timeout", v, 0)),
        new(["--max-requests"], "INT", "Requests a worker serves before it is replaced; 0 is no limit. [0]", (s, v) => s.MaxRequests = Int("--max-requests", v, 0)),
        new(["--max-requests-jitter"], "INT", "Random extra requests (0 to this) added to --max-requests per worker. [0]", (s, v) => s.MaxRequestsJitter = Int("--max-requests-jitter", v, 0)),
        new(["--max-worker-lifetime"], "INT", "Seconds a worker lives before it is replaced; 0 is no limit. [0]", (s, v) => s.MaxWorkerLifetime = Int("--max-worker-lifetime", v, 0)),
        new(["--max-worker-lifetime-jitter"], "INT", "Random extra seconds (0 to this) added to --max-worker-lifetime per worker. [0]", (s, v) => s.MaxWorkerLifetimeJitter = Int("--max-worker-lifetime-jitter", v, 0)),
        new(["--max-worker-memory"], "INT", "MiB of RSS above which a worker is replaced; 0 is no limit. [0]", (s, v) => s.MaxWorkerMemory = Int("--max-worker-memory", v, 0)),
        new(["--max-worker-memory-jitter"], "INT", "Random extra MiB (0 to this) added to --max-worker-memory per worker. [0]", (s, v) => s.MaxWorkerMemoryJitter = Int("--max-worker-memory-jitter", v, 0)),
        new(["--worker-tmp-dir"], "DIR", "Accepted for compatibility: sharpicorn's heartbeat is a pipe, so no file is made there (a warning says so). [None]", (s, v) => s.WorkerTmpDir = v),
        new(["-D", "--daemon"], null, "Detach from the terminal: the server runs in its own session with its standard streams on /dev/null. [False]", (s, _) => s.Daemon = true),
        new(["--reuse-port"], null, "Set SO_REUSEPORT on the listening sockets, so another server may bind the same port. Workers still share the arbiter's sockets. [False]", (s, _) => s.ReusePort = true),
        new(["--check-config"], null, "Check the configuration and that the app loads, then exit: 0 if both are fine, 1 if not. [False]", (s, _) => s.CheckConfig = true),
        new(["--print-config"], null, "Print the configuration settings as fully resolved, then exit. [False]", (s, _) => s.PrintConfig = true),
        new(["--preload"], null, "Load the app once (in a throw-away process) before the workers start, so a broken app fails fast. [False]", (s, _) => s.Preload = true),
        new(["--reload"], null, "Replace the workers when a .py file under the app directory changes. [False]", (s, _) => s.Reload = true),
        new(["-m", "--umask"], "INT", "A bit mask for the file mode on files written by sharpicorn and the app (0o22, 18, 0x12). [0]", (s, v) => s.Umask = Umask(v)),
        new(["-u", "--user"], "USER", "Switch worker processes to run as this user (name or uid). [the current user]", (s, v) => s.User = v),
        new(["-g", "--group"], "GROUP", "Switch worker processes to run as this group (name or gid). [the current group]", (s, v) => s.Group = v),
        new(["-n", "--name"], "STRING", "The process name in titles: \"sharpicorn: master [NAME]\". [the app module]", (s, v) => s.ProcName = v),
        new(["--python"], "PATH", "The Python interpreter to embed. [$SHARPICORN_PYTHON, $VIRTUAL_ENV/bin/python, python3]", (s, v) => s.Python = v),
    ];

    /// <summary>gunicorn flags sharpicorn refuses for now, with the reason a user reads.</summary>
    private static readonly (string[] Names, bool TakesValue, string Why)[] Unsupported =
    [
        (["--reload-engine"], true, "only sharpicorn's own file watcher is available; drop --reload-engine"),
        (["--reload-extra-file"], true, "--reload-extra-file is not supported yet"),
        (["--initgroups"], false, "--initgroups is not supported yet"),
        (["--spew"], false, "--spew is not supported"),
        (["--sendfile"], false, "--sendfile is not supported yet"),
        (["--no-sendfile"], false, "--no-sendfile is not supported yet"),
        (["--paste", "--paster"], true, "PasteDeploy apps are not supported"),
        (["--proxy-protocol"], false, "the PROXY protocol is not supported yet"),
        (["--proxy-allow-from"], true, "the PROXY protocol is not supported yet"),
        (["--strip-header-spaces"], false, "--strip-header-spaces is not supported"),
        (["--permit-obsolete-folding"], false, "obsolete header folding is always rejected"),
        (["--permit-unconventional-http-method"], false, "unconventional HTTP methods are not supported"),
        (["--casefold-http-method"], false, "--casefold-http-method is not supported"),
        (["--certfile"], true, "TLS is not supported yet"),
        (["--keyfile"], true, "TLS is not supported yet"),
        (["--ssl-version"], true, "TLS is not supported yet"),
        (["--cert-reqs"], true, "TLS is not supported yet"),
        (["--ca-certs"], true, "TLS is not supported yet"),
        (["--ciphers"], true, "TLS is not supported yet"),
        (["--suppress-ragged-eofs"], false, "TLS is not supported yet"),
        (["--do-handshake-on-connect"], false, "TLS is not supported yet"),
        (["--log-config"], true, "logging configuration files are not supported yet"),
        (["--log-config-json"], true, "logging configuration files are not supported yet"),
        (["--log-syslog"], false, "syslog logging is not supported yet"),
        (["--log-syslog-to"], true, "syslog logging is not supported yet"),
        (["--log-syslog-prefix"], true, "syslog logging is not supported yet"),
        (["--log-syslog-facility"], true, "syslog logging is not supported yet"),
        (["--disable-redirect-access-to-syslog"], false, "syslog logging is not supported yet"),
        (["--logger-class"], true, "custom logger classes are not supported"),
        (["-R", "--enable-stdio-inheritance"], false, "--enable-stdio-inheritance is not supported yet"),
        (["--capture-output"], false, "--capture-output is not supported yet"),
        (["--statsd-host"], true, "statsd metrics are not supported yet"),
        (["--statsd-prefix"], true, "statsd metrics are not supported yet"),
        (["--dogstatsd-tags"], true, "statsd metrics are not supported yet"),
    ];

    /// <summary>Reads the config file (when <paramref name="readConfig"/>), then GUNICORN_CMD_ARGS, then the command line. Throws <see cref="UsageException"/>.</summary>
    public static ServerSettings Parse(IReadOnlyList<string> args, Func<string, string?> env, bool readConfig = false)
    {
        var settings = new ServerSettings();
        if (env("WEB_CONCURRENCY") is { Length: > 0 } concurrency)
        {
            settings.Workers = Int("WEB_CONCURRENCY", concurrency, 1);
        }
        if (env("FORWARDED_ALLOW_IPS") is { Length: > 0 } allow)
        {
            settings.ForwardedAllowIps = allow;
        }
        if (readConfig && ConfigFile.Locate(args) is string config)
        {
            // The interpreter may be named on the command line; find it before the file runs.
            var probe = new ServerSettings();
            Apply(probe, args, allowPositional: true);
            foreach ((string flag, string value) in ConfigFile.Load(config, probe.Python, settings))
            {
                Find(flag)!.Apply(settings, value);
            }
        }
        if (env("GUNICORN_CMD_ARGS") is { Length: > 0 } cmdArgs)
        {
            Apply(settings, SplitShell(cmdArgs), allowPositional: false);
        }
        Apply(settings, args, allowPositional: true);
        if (settings.Bind.Count == 0)
        {
            settings.Bind.Add(env("PORT") is { Length: > 0 } port ? "0.0.0.0:" + port : "127.0.0.1:8000");
        }
        return settings;
    }

    private static void Apply(ServerSettings settings, IReadOnlyList<string> args, bool allowPositional)
    {
        var unrecognized = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help")
            {
                settings.ShowHelp = true;
                continue;
            }
            if (arg is "-v" or "--version")
            {
                settings.ShowVersion = true;
                continue;
            }
            if (arg == "--")
            {
                for (i++; i < args.Count; i++)
                {
                    SetApp(settings, args[i], allowPositional);
                }
                break;
            }
            if (!arg.StartsWith('-') || arg == "-")
            {
                SetApp(settings, arg, allowPositional);
                continue;
            }
            (string name, string? inline) = SplitInline(arg);
            if (Find(name) is Option option)
            {
                if (option.IsSwitch)
                {
                    option.Apply(settings, inline ?? "true");
                    continue;
                }
                string value = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"argument {string.Join('/', option.Names)}: expected one argument"));
                option.Apply(settings, value);
                continue;
            }
            if (Array.Find(Unsupported, u => u.Names.Contains(name)) is { Names: not null } refused)
            {
                throw new UsageException($"{string.Join('/', refused.Names)}: {refused.Why}. Remove it to start sharpicorn.");
            }
            unrecognized.Add(arg);
        }
        if (unrecognized.Count > 0)
        {
            throw new UsageException("unrecognized arguments: " + string.Join(' ', unrecognized));
        }
    }

    private static void SetApp(ServerSettings settings, string value, bool allowPositional)
    {
        if (!allowPositional || settings.AppModule is not null)
        {
            throw new UsageException("unrecognized arguments: " + value);
        }
        settings.AppModule = value;
    }

    /// <summary>"--bind=x" and "-bx" carry their value inline.</summary>
    private static (string Name, string? Inline) SplitInline(string arg)
    {
        if (arg.StartsWith("--", StringComparison.Ordinal))
        {
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            return eq < 0 ? (arg, null) : (arg[..eq], arg[(eq + 1)..]);
        }
        if (arg.Length > 2 && Find(arg[..2]) is { IsSwitch: false })
        {
            return (arg[..2], arg[2..]);
        }
        return (arg, null);
    }

    private static Option? Find(string name) => Array.Find(Supported, o => o.Names.Contains(name));

    private static int Int(string name, string value, int min)
    {
        if (!int.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n))
        {
            throw new UsageException($"argument {name}: invalid int value: '{value}'");
        }
        if (n < min)
        {
            throw new UsageException($"argument {name}: must be at least {min}, not {n}");
        }
        return n;
    }

    private static string WorkerClass(string value) => value switch
    {
        "sync" or "gunicorn.workers.sync.SyncWorker" or "egg:gunicorn#sync" => "sync",
        "gthread" or "gunicorn.workers.gthread.ThreadWorker" or "egg:gunicorn#gthread" => "gthread",
        _ => throw new UsageException($"argument -k/--worker-class: '{value}' is not supported; sharpicorn runs sync and gthread apps on its own Python threads (use --threads for concurrency)"),
    };

    /// <summary>gunicorn reads umask with Python's int(x, 0): decimal, 0o octal, 0x hex (and a bare leading 0 as octal, as people write it).</summary>
    private static int Umask(string value)
    {
        string v = value.Trim().ToLowerInvariant();
        try
        {
            return v.StartsWith("0o", StringComparison.Ordinal) ? Convert.ToInt32(v[2..], 8)
                : v.StartsWith("0x", StringComparison.Ordinal) ? Convert.ToInt32(v[2..], 16)
                : v.Length > 1 && v[0] == '0' ? Convert.ToInt32(v[1..], 8)
                : int.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new UsageException($"argument -m/--umask: invalid auto_int value: '{value}'");
        }
    }

    private static string HeaderMap(string value) => value is "drop" or "refuse" or "dangerous"
        ? value
        : throw new UsageException($"argument --header-map: invalid choice: '{value}' (choose from drop, refuse, dangerous)");

    private static string Level(string value) => value.ToLowerInvariant() switch
    {
        "debug" or "info" or "warning" or "error" or "critical" => value.ToLowerInvariant(),
        _ => throw new UsageException($"argument --log-level: invalid choice: '{value}' (choose from debug, info, warning, error, critical)"),
    };

    private static string Env(string value) => value.Contains('=', StringComparison.Ordinal)
        ? value
        : throw new UsageException($"argument -e/--env: '{value}' is not of the form KEY=VALUE");

    /// <summary>shlex-like split for GUNICORN_CMD_ARGS: whitespace, single and double quotes.</summary>
    internal static List<string> SplitShell(string text)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        foreach (char c in text)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    result.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }
        if (inWord)
        {
            result.Add(current.ToString());
        }
        return result;
    }

    public static string Help()
    {
        var sb = new StringBuilder();
        sb.Append(Usage).Append("\n\nA WSGI HTTP server: gunicorn's command line on Kestrel and embedded CPython.\n\n");
        sb.Append("positional arguments:\n  APP_MODULE            A WSGI application, as MODULE:VARIABLE or MODULE:FACTORY(ARGS).\n\noptions:\n");
        sb.Append("  -h, --help            show this help message and exit\n  -v, --version         show program's version number and exit\n");
        foreach (Option o in Supported)
        {
            string names = string.Join(", ", o.Names.Select(n => o.IsSwitch ? n : n + " " + o.Meta));
            sb.Append("  ").Append(names.PadRight(22)).Append(names.Length >= 22 ? "\n" + new string(' ', 24) : "").Append(o.Help).Append('\n');
        }
        sb.Append("\nOther gunicorn flags are recognised and refused with the reason until sharpicorn supports them.\n");
        return sb.ToString();
    }
}
