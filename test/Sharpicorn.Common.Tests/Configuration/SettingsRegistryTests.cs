using Sharpicorn.Cli;
using Sharpicorn.Configuration;

namespace Sharpicorn.Tests.Configuration;

public sealed class SettingsRegistryTests
{
    /// <summary>KNOWN_SETTINGS of gunicorn/config.py at 26.1.0 (65ac1a3a), in gunicorn's order.</summary>
    private static readonly string[] Gunicorn26 =
    [
        "config", "wsgi_app", "bind", "backlog", "workers", "worker_class", "threads", "worker_connections", "max_requests",
        "max_requests_jitter", "timeout", "graceful_timeout", "keepalive", "limit_request_line", "limit_request_fields",
        "limit_request_field_size", "reload", "reload_engine", "reload_extra_files", "spew", "check_config", "print_config",
        "preload_app", "sendfile", "reuse_port", "chdir", "daemon", "raw_env", "pidfile", "worker_tmp_dir", "user", "group",
        "umask", "initgroups", "tmp_upload_dir", "secure_scheme_headers", "forwarded_allow_ips", "accesslog",
        "disable_redirect_access_to_syslog", "access_log_format", "errorlog", "loglevel", "capture_output", "logger_class",
        "logconfig", "logconfig_dict", "logconfig_json", "syslog_addr", "syslog", "syslog_prefix", "syslog_facility",
        "enable_stdio_inheritance", "statsd_host", "dogstatsd_tags", "statsd_prefix", "enable_backlog_metric", "proc_name",
        "default_proc_name", "pythonpath", "paste", "on_starting", "on_reload", "when_ready", "pre_fork", "post_fork",
        "post_worker_init", "worker_int", "worker_abort", "pre_exec", "pre_request", "post_request", "child_exit", "worker_exit",
        "nworkers_changed", "on_exit", "ssl_context", "proxy_protocol", "proxy_allow_ips", "protocol", "uwsgi_allow_ips",
        "keyfile", "certfile", "ssl_version", "cert_reqs", "ca_certs", "suppress_ragged_eofs", "do_handshake_on_connect",
        "ciphers", "http_protocols", "http2_cleartext", "http2_max_concurrent_streams", "http2_initial_window_size",
        "http2_max_frame_size", "http2_max_header_list_size", "raw_paste_global_conf", "permit_obsolete_folding",
        "strip_header_spaces", "permit_unconventional_http_method", "permit_unconventional_http_version", "casefold_http_method",
        "forwarder_headers", "header_map", "asgi_loop", "asgi_lifespan", "asgi_disconnect_grace_period", "http_parser",
        "root_path", "dirty_apps", "dirty_workers", "dirty_timeout", "dirty_threads", "dirty_graceful_timeout",
        "on_dirty_starting", "dirty_post_fork", "dirty_worker_init", "dirty_worker_exit", "control_socket",
        "control_socket_mode", "control_socket_disable",
    ];

    [Fact]
    public void Registry_GunicornSettings_AreExactlyGunicorn26s()
    {
        Assert.Equal(SettingsRegistry.GunicornCount, Gunicorn26.Length);
        Assert.Equal(Gunicorn26.Order(StringComparer.Ordinal), SettingsRegistry.Gunicorn.Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Registry_NamesAndFlags_DeclaredOnce()
    {
        Assert.Equal(SettingsRegistry.All.Count, SettingsRegistry.All.Select(s => s.Name).Distinct().Count());
        var flags = SettingsRegistry.All.SelectMany(s => s.Flags).ToList();
        Assert.Equal(flags.Count, flags.Distinct().Count());
    }

    [Fact]
    public void Registry_EveryUnsupportedSetting_HasAReason()
    {
        Assert.All(SettingsRegistry.All.Where(s => s.Status != SettingStatus.Supported), s => Assert.False(string.IsNullOrWhiteSpace(s.Reason), s.Name));
        Assert.All(SettingsRegistry.All, s => Assert.False(string.IsNullOrWhiteSpace(s.Help), s.Name));
        Assert.All(SettingsRegistry.All, s => Assert.False(string.IsNullOrWhiteSpace(s.DefaultOrigin), s.Name));
    }

    [Fact]
    public void Registry_ServerSettingsDefaults_MatchTheDeclaredDefaults()
    {
        var fresh = new ServerSettings();
        string[] filledInLater = ["bind", "chdir", "user", "group", "default_proc_name"];
        Assert.All(SettingsRegistry.All.Where(s => !filledInLater.Contains(s.Name)), s => Assert.True(s.IsDefault(fresh), s.Name));
    }

    [Fact]
    public void Describe_EverySetting_SortedAndPaddedAsGunicorn()
    {
        ServerSettings s = CommandLine.Parse(["-w", "3", "app:app"], _ => null);
        string[] lines = s.Describe().TrimEnd('\n').Split('\n');
        Assert.Equal(SettingsRegistry.All.Count, lines.Length);
        string[] names = [.. lines.Select(l => l[..l.IndexOf(' ', StringComparison.Ordinal)])];
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Subset(names.ToHashSet(), Gunicorn26.ToHashSet());
        int width = "permit_unconventional_http_version".Length;
        Assert.Contains("workers".PadRight(width) + " = 3", lines);
        Assert.Contains("bind".PadRight(width) + " = ['127.0.0.1:8000']", lines);
        Assert.Contains("secure_scheme_headers".PadRight(width) + " = {'X-FORWARDED-PROTOCOL': 'ssl', 'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-SSL': 'on'}", lines);
        Assert.Contains("on_starting".PadRight(width) + " = <OnStarting.on_starting()>", lines);
        Assert.Contains("forwarded_allow_ips".PadRight(width) + " = ['127.0.0.1', '::1']", lines);
        Assert.Contains("sendfile".PadRight(width) + " = None", lines);
        Assert.Contains("wsgi_app".PadRight(width) + " = app:app", lines);
    }
}
