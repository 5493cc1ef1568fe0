using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Sharpicorn.Cli;

/// <summary>
/// gunicorn.conf.py, executed the only faithful way: by Python. The arbiter never embeds Python,
/// so the target interpreter runs the file in a subprocess and prints its settings as JSON.
/// Precedence is gunicorn's: config file, then GUNICORN_CMD_ARGS, then the command line.
/// A gunicorn setting or server hook sharpicorn does not support is refused by name.
/// </summary>
internal static class ConfigFile
{
    /// <summary>gunicorn's default config path, relative to the directory sharpicorn starts in.</summary>
    public const string DefaultPath = "gunicorn.conf.py";

    private const string Script = """
        import json, runpy, sys
        g = runpy.run_path(sys.argv[1])
        out = {}
        for k, v in g.items():
            if k.startswith("_"):
                continue
            if isinstance(v, (str, int, float, bool, list, tuple, dict)) or v is None:
                out[k] = v
            elif callable(v) and not isinstance(v, type):
                out[k] = {"__callable__": True}
        print(json.dumps(out, default=str))
        """;

    /// <summary>gunicorn setting name to the flag that sets it.</summary>
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["bind"] = "--bind",
        ["backlog"] = "--backlog",
        ["workers"] = "--workers",
        ["worker_class"] = "--worker-class",
        ["threads"] = "--threads",
        ["worker_connections"] = "--worker-connections",
        ["keepalive"] = "--keep-alive",
        ["timeout"] = "--timeout",
        ["graceful_timeout"] = "--graceful-timeout",
        ["limit_request_line"] = "--limit-request-line",
        ["limit_request_fields"] = "--limit-request-fields",
        ["limit_request_field_size"] = "--limit-request-field_size",
        ["chdir"] = "--chdir",
        ["pythonpath"] = "--pythonpath",
        ["raw_env"] = "--env",
        ["accesslog"] = "--access-logfile",
        ["access_log_format"] = "--access-logformat",
        ["errorlog"] = "--error-logfile",
        ["loglevel"] = "--log-level",
        ["pidfile"] = "--pid",
        ["max_requests"] = "--max-requests",
        ["max_requests_jitter"] = "--max-requests-jitter",
        ["forwarded_allow_ips"] = "--forwarded-allow-ips",
        ["preload_app"] = "--preload",
        ["umask"] = "--umask",
        ["daemon"] = "--daemon",
        ["reuse_port"] = "--reuse-port",
        ["user"] = "--user",
        ["group"] = "--group",
        ["proc_name"] = "--name",
        ["reload"] = "--reload",
        ["header_map"] = "--header-map",
        ["worker_tmp_dir"] = "--worker-tmp-dir",
    };

    /// <summary>gunicorn settings and hooks a config file may set that sharpicorn does not support yet.</summary>
    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal)
    {
        "reload_engine", "reload_extra_files", "spew",
        "initgroups", "tmp_upload_dir", "sendfile", "proxy_protocol",
        "proxy_allow_ips", "strip_header_spaces", "permit_obsolete_folding", "permit_unconventional_http_method",
        "casefold_http_method", "certfile", "keyfile", "ssl_version", "cert_reqs", "ca_certs", "suppress_ragged_eofs",
        "do_handshake_on_connect", "ciphers", "logconfig", "logconfig_dict", "logconfig_json", "syslog", "syslog_addr",
        "syslog_prefix", "syslog_facility", "disable_redirect_access_to_syslog", "logger_class", "enable_stdio_inheritance",
        "capture_output", "statsd_host", "statsd_prefix", "dogstatsd_tags", "paste", "raw_paste_global_conf",
        "on_starting", "on_reload", "when_ready", "pre_fork", "post_fork", "post_worker_init", "worker_int", "worker_abort",
        "pre_exec", "pre_request", "post_request", "child_exit", "worker_exit", "nworkers_changed", "on_exit", "ssl_context",
    };

    /// <summary>The config path: -c/--config, else ./gunicorn.conf.py when it exists, else none.</summary>
    public static string? Locate(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if ((a == "-c" || a == "--config") && i + 1 < args.Count)
            {
                return args[i + 1];
            }
            if (a.StartsWith("--config=", StringComparison.Ordinal))
            {
                return a[9..];
            }
        }
        return File.Exists(DefaultPath) ? DefaultPath : null;
    }

    /// <summary>Runs the file and returns flag/value pairs to apply, in the file's order. Throws <see cref="UsageException"/>.</summary>
    public static List<(string Flag, string Value)> Load(string path, string? python, ServerSettings into)
    {
        string file = path.StartsWith("python:", StringComparison.Ordinal) ? throw new UsageException($"-c {path}: python: module configs are not supported yet; pass a file path")
            : path.StartsWith("file:", StringComparison.Ordinal) ? path[5..] : path;
        if (!File.Exists(file))
        {
            throw new UsageException($"-c/--config: '{file}' doesn't exist");
        }
        string interpreter = Platform.PythonLocator.Resolve(python) ?? throw new UsageException($"-c/--config: no Python interpreter to run '{file}' with (pass --python)");
        var psi = new ProcessStartInfo(interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Script);
        psi.ArgumentList.Add(Path.GetFullPath(file));
        string stdout, stderr;
        int code;
        try
        {
            using Process p = Process.Start(psi)!;
            Task<string> err = p.StandardError.ReadToEndAsync();
            stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            stderr = err.Result;
            code = p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UsageException($"-c/--config: cannot run {interpreter}: {e.Message}");
        }
        if (code != 0)
        {
            throw new UsageException($"-c/--config: '{file}' failed to run:\n{stderr.TrimEnd()}");
        }
        var result = new List<(string, string)>();
        using JsonDocument doc = JsonDocument.Parse(stdout);
        foreach (JsonProperty p in doc.RootElement.EnumerateObject())
        {
            if (Unsupported.Contains(p.Name))
            {
                bool hook = p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("__callable__", out _);
                throw new UsageException($"{file}: {(hook ? "server hook" : "setting")} '{p.Name}' is not supported by sharpicorn yet. Remove it to start sharpicorn.");
            }
            if (p.Name == "wsgi_app" && p.Value.ValueKind == JsonValueKind.String)
            {
                into.AppModule ??= p.Value.GetString();
                continue;
            }
            if (p.Name == "secure_scheme_headers" && p.Value.ValueKind == JsonValueKind.Object)
            {
                into.SecureSchemeHeaders.Clear();
                foreach (JsonProperty h in p.Value.EnumerateObject())
                {
                    into.SecureSchemeHeaders[h.Name] = h.Value.GetString() ?? "";
                }
                continue;
            }
            if (!Flags.TryGetValue(p.Name, out string? flag))
            {
                // Not a gunicorn setting (an import, a helper): gunicorn ignores those too.
                continue;
            }
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.Array when flag is "--bind" or "--env":
                    result.AddRange(p.Value.EnumerateArray().Select(v => (flag, Scalar(v))));
                    break;
                case JsonValueKind.Array:
                    result.Add((flag, string.Join(',', p.Value.EnumerateArray().Select(Scalar))));
                    break;
                case JsonValueKind.Null:
                    break;
                case JsonValueKind.False:
                    break;
                default:
                    result.Add((flag, Scalar(p.Value)));
                    break;
            }
        }
        return result;
    }

    private static string Scalar(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString() ?? "",
        JsonValueKind.Number => v.TryGetInt64(out long l) ? l.ToString(CultureInfo.InvariantCulture) : ((long)v.GetDouble()).ToString(CultureInfo.InvariantCulture),
        _ => v.GetRawText(),
    };
}
