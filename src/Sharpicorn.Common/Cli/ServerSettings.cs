namespace Sharpicorn.Cli;

/// <summary>
/// The validated configuration, as typed properties for the rest of the server. The settings
/// themselves (names, flags, validation, defaults and their origins) are declared once in
/// <see cref="Configuration.SettingsRegistry"/>, which fills this in; the defaults here are the
/// same and are checked against it by a test.
/// </summary>
internal sealed class ServerSettings
{
    /// <summary>bind: default ['127.0.0.1:8000'], or 0.0.0.0:$PORT when PORT is set.</summary>
    public List<string> Bind { get; } = [];

    /// <summary>backlog: 2048.</summary>
    public int Backlog { get; set; } = 2048;

    /// <summary>workers: 1, or $WEB_CONCURRENCY.</summary>
    public int Workers { get; set; } = 1;

    /// <summary>worker_class: sync. sync and gthread both run on sharpicorn's thread pool.</summary>
    public string WorkerClass { get; set; } = "sync";

    /// <summary>sharpicorn's own: auto (detected from the app), asgi or wsgi.</summary>
    public string Interface { get; set; } = "auto";

    /// <summary>asgi_loop: auto (uvloop when importable).</summary>
    public string AsgiLoop { get; set; } = "auto";

    /// <summary>asgi_lifespan: auto.</summary>
    public string AsgiLifespan { get; set; } = "auto";

    /// <summary>asgi_disconnect_grace_period: 3 seconds.</summary>
    public int AsgiDisconnectGracePeriod { get; set; } = 3;

    /// <summary>root_path: "".</summary>
    public string RootPath { get; set; } = "";

    /// <summary>sharpicorn's own: 16 MiB, uvicorn's --ws-max-size.</summary>
    public int WebsocketMaxMessageSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>True when the worker serves ASGI whatever the app looks like (--interface asgi or -k asgi).</summary>
    public bool ForcesAsgi => Interface == "asgi" || (WorkerClass == "asgi" && Interface != "wsgi");

    /// <summary>threads: 1.</summary>
    public int Threads { get; set; } = 1;

    /// <summary>worker_connections: 1000.</summary>
    public int WorkerConnections { get; set; } = 1000;

    /// <summary>keepalive: 2 seconds; 0 turns keep-alive off.</summary>
    public int KeepAlive { get; set; } = 2;

    /// <summary>graceful_timeout: 30 seconds.</summary>
    public int GracefulTimeout { get; set; } = 30;

    /// <summary>timeout: 30 seconds without progress before a worker is aborted; 0 is off.</summary>
    public int Timeout { get; set; } = 30;

    /// <summary>sharpicorn's own: 120 seconds to import the app and start serving, apart from timeout, so a slow import is not killed by it (gunicorn #3436).</summary>
    public int BootTimeout { get; set; } = 120;

    /// <summary>sharpicorn's own, after mod_wsgi's request-timeout: 0 (off).</summary>
    public int RequestTimeout { get; set; }

    /// <summary>sharpicorn's own: 10 seconds to send a request head, Apache httpd's anti-slowloris mod_reqtimeout header=10 (Kestrel's RequestHeadersTimeout is 30 s).</summary>
    public int HeaderTimeout { get; set; } = 10;

    /// <summary>max_requests: 0 (no limit).</summary>
    public int MaxRequests { get; set; }

    /// <summary>max_requests_jitter: 0.</summary>
    public int MaxRequestsJitter { get; set; }

    /// <summary>sharpicorn's own: 0 seconds (no limit).</summary>
    public int MaxWorkerLifetime { get; set; }

    public int MaxWorkerLifetimeJitter { get; set; }

    /// <summary>sharpicorn's own: 0 MiB (no limit).</summary>
    public int MaxWorkerMemory { get; set; }

    public int MaxWorkerMemoryJitter { get; set; }

    /// <summary>worker_tmp_dir: None, Python's tempfile default ($TMPDIR, else /tmp). Where each worker's heartbeat file goes.</summary>
    public string? WorkerTmpDir { get; set; }

    /// <summary>preload_app: False. There is no fork, so nothing is shared: it only proves the app loads before any worker starts.</summary>
    public bool Preload { get; set; }

    /// <summary>reload: False.</summary>
    public bool Reload { get; set; }

    /// <summary>reload_engine: "auto" (gunicorn's default: inotify where available, which on Linux it is), "poll" or "inotify".</summary>
    public string ReloadEngine { get; set; } = "auto";

    /// <summary>reload_extra_files: none. Files, or glob patterns (*, ?, [), whose change also triggers a reload.</summary>
    public List<string> ReloadExtraFiles { get; } = [];

    /// <summary>spew: False. Print every line Python executes in the workers (gunicorn's debug.Spew).</summary>
    public bool Spew { get; set; }

    /// <summary>check_config: False.</summary>
    public bool CheckConfig { get; set; }

    /// <summary>print_config: False.</summary>
    public bool PrintConfig { get; set; }

    /// <summary>reuse_port: False.</summary>
    public bool ReusePort { get; set; }

    /// <summary>daemon: False.</summary>
    public bool Daemon { get; set; }

    /// <summary>umask: 0, as gunicorn sets it (the process's own umask is replaced).</summary>
    public int Umask { get; set; }

    /// <summary>user: None, workers keep the arbiter's user.</summary>
    public string? User { get; set; }

    /// <summary>group: None, workers keep the arbiter's group.</summary>
    public string? Group { get; set; }

    /// <summary>initgroups: False. Workers also take --user's supplementary groups.</summary>
    public bool Initgroups { get; set; }

    /// <summary>sendfile: None (gunicorn's default: on unless $SENDFILE says otherwise); False is --no-sendfile.</summary>
    public bool? Sendfile { get; set; }

    /// <summary>Whether wsgi.file_wrapper may use sendfile(2), by gunicorn's rule (config.sendfile): any explicit value means no, else $SENDFILE decides, else yes.</summary>
    public bool UseSendfile => Sendfile is null && SendfileFromEnvironment(Environment.GetEnvironmentVariable("SENDFILE"));

    /// <summary>tmp_upload_dir: None. Kept and shown; gunicorn 26 reads it nowhere either.</summary>
    public string? TmpUploadDir { get; set; }

    /// <summary>paste: None. A PasteDeploy config file (optionally "#section") that names the app instead of APP_MODULE.</summary>
    public string? Paste { get; set; }

    /// <summary>raw_paste_global_conf: none. KEY=VALUE pairs given to PasteDeploy as its global_conf.</summary>
    public List<string> PasteGlobalConf { get; } = [];

    /// <summary>proc_name: None, when the app module names the process instead.</summary>
    public string? ProcName { get; set; }

    /// <summary>config: ./gunicorn.conf.py when it exists.</summary>
    public string? Config { get; set; }

    /// <summary>limit_request_line: 4094 bytes; 0 is unlimited.</summary>
    public int LimitRequestLine { get; set; } = 4094;

    /// <summary>limit_request_fields: 100 headers.</summary>
    public int LimitRequestFields { get; set; } = 100;

    /// <summary>limit_request_field_size: 8190 bytes; 0 is unlimited.</summary>
    public int LimitRequestFieldSize { get; set; } = 8190;

    /// <summary>http_protocols: ["h1"] (gunicorn's default), in order of preference; "h2" adds HTTP/2 (ALPN over TLS, or h2c with http2_cleartext).</summary>
    public List<string> HttpProtocols { get; } = ["h1"];

    /// <summary>http2_cleartext: "off" (gunicorn's default), "prior-knowledge", "upgrade" or "both".</summary>
    public string Http2Cleartext { get; set; } = "off";

    /// <summary>http2_max_concurrent_streams: 100 (gunicorn's default).</summary>
    public int Http2MaxConcurrentStreams { get; set; } = 100;

    /// <summary>http2_initial_window_size: 65535 bytes (gunicorn's default, RFC 9113's initial window).</summary>
    public int Http2InitialWindowSize { get; set; } = 65535;

    /// <summary>http2_max_frame_size: 16384 bytes (gunicorn's default, RFC 9113's minimum).</summary>
    public int Http2MaxFrameSize { get; set; } = 16384;

    /// <summary>http2_max_header_list_size: 65536 bytes (gunicorn's default); 0 is unlimited.</summary>
    public int Http2MaxHeaderListSize { get; set; } = 65536;

    /// <summary>certfile: None. Set (or keyfile set) means every listener speaks TLS, as gunicorn's is_ssl.</summary>
    public string? CertFile { get; set; }

    /// <summary>keyfile: None, the key is then read from certfile.</summary>
    public string? KeyFile { get; set; }

    /// <summary>ca_certs: None.</summary>
    public string? CaCerts { get; set; }

    /// <summary>cert_reqs: 0 (ssl.CERT_NONE); 1 optional, 2 required.</summary>
    public int CertReqs { get; set; }

    /// <summary>ciphers: None, OpenSSL's default list.</summary>
    public string? Ciphers { get; set; }

    /// <summary>do_handshake_on_connect: False. Both values behave alike here.</summary>
    public bool DoHandshakeOnConnect { get; set; }

    /// <summary>gunicorn's cfg.is_ssl: certfile or keyfile is set.</summary>
    public bool IsSsl => CertFile is not null || KeyFile is not null;

    /// <summary>forwarded_allow_ips: "127.0.0.1,::1" (gunicorn 22's default), or $FORWARDED_ALLOW_IPS.</summary>
    public string ForwardedAllowIps { get; set; } = "127.0.0.1,::1";

    /// <summary>forwarded_remote_addr: "off" (sharpicorn's own), "x-forwarded-for" or "forwarded": the header a trusted front end names the client in.</summary>
    public string ForwardedRemoteAddr { get; set; } = "off";

    /// <summary>proxy_protocol: "off" (gunicorn's default), "v1", "v2" or "auto".</summary>
    public string ProxyProtocol { get; set; } = "off";

    /// <summary>proxy_allow_ips: "127.0.0.1,::1" (gunicorn's default).</summary>
    public string ProxyAllowIps { get; set; } = "127.0.0.1,::1";

    /// <summary>secure_scheme_headers: gunicorn's default trio. Settable from a config file only, as in gunicorn.</summary>
    public Dictionary<string, string> SecureSchemeHeaders { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["X-FORWARDED-PROTOCOL"] = "ssl",
        ["X-FORWARDED-PROTO"] = "https",
        ["X-FORWARDED-SSL"] = "on",
    };

    /// <summary>forwarder_headers: "SCRIPT_NAME,PATH_INFO" (gunicorn's default). Headers with '_' in the name a trusted front end may set, whose values replace the environ keys of that name.</summary>
    public List<string> ForwarderHeaders { get; } = ["SCRIPT_NAME", "PATH_INFO"];

    /// <summary>permit_obsolete_folding: False. Header lines continued on the next line are joined instead of refused.</summary>
    public bool PermitObsoleteFolding { get; set; }

    /// <summary>strip_header_spaces: False. Spaces between a header's name and its colon are removed instead of refused.</summary>
    public bool StripHeaderSpaces { get; set; }

    /// <summary>permit_unconventional_http_method: False. Methods with lower case or '#', or outside 3 to 20 characters, are served.</summary>
    public bool PermitUnconventionalHttpMethod { get; set; }

    /// <summary>permit_unconventional_http_version: False. HTTP/x.y outside 1.0 and 1.1 is served.</summary>
    public bool PermitUnconventionalHttpVersion { get; set; }

    /// <summary>casefold_http_method: False. Methods are upper-cased.</summary>
    public bool CasefoldHttpMethod { get; set; }

    /// <summary>header_map: drop (gunicorn 22's default), refuse or dangerous.</summary>
    public string HeaderMap { get; set; } = "drop";

    /// <summary>chdir: the directory sharpicorn was started in.</summary>
    public string? Chdir { get; set; }

    /// <summary>pythonpath: none. Comma-separated directories put first on sys.path.</summary>
    public List<string> PythonPath { get; } = [];

    /// <summary>raw_env: none. KEY=VALUE pairs set before Python starts.</summary>
    public List<string> RawEnv { get; } = [];

    /// <summary>accesslog: none, so no access log; "-" is stdout.</summary>
    public string? AccessLog { get; set; }

    /// <summary>access_log_format: gunicorn's default format.</summary>
    public string AccessLogFormat { get; set; } = Logging.AccessLogFormat.Default;

    /// <summary>sharpicorn's own access_log_json: False. One JSON object per request instead of access_log_format.</summary>
    public bool AccessLogJson { get; set; }

    /// <summary>sharpicorn's own health_path: None, off. Answered by the HTTP front, never the app.</summary>
    public string? HealthPath { get; set; }

    /// <summary>syslog: False. Error (and access) lines also go to syslog, in gunicorn's format.</summary>
    public bool Syslog { get; set; }

    /// <summary>syslog_addr: gunicorn's Linux default, udp://localhost:514. Validated by <see cref="Logging.SyslogAddress.Parse"/>.</summary>
    public string SyslogAddr { get; set; } = "udp://localhost:514";

    /// <summary>syslog_prefix: None, so proc_name (or the app module) names the program.</summary>
    public string? SyslogPrefix { get; set; }

    /// <summary>syslog_facility: "user".</summary>
    public string SyslogFacility { get; set; } = "user";

    /// <summary>disable_redirect_access_to_syslog: False, so access lines go to syslog too.</summary>
    public bool DisableRedirectAccessToSyslog { get; set; }

    /// <summary>logconfig: None. A logging.config.fileConfig file, applied in each worker's Python.</summary>
    public string? LogConfig { get; set; }

    /// <summary>logconfig_dict: {}. Top-level keys; nested values as their JSON text (see DictSetting).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> LogConfigDict { get; set; } = [];

    /// <summary>logconfig_json: None. A JSON file for logging.config.dictConfig.</summary>
    public string? LogConfigJson { get; set; }

    /// <summary>logger_class: gunicorn.glogging.Logger (which sharpicorn writes natively unless a logging config asks for Python).</summary>
    public string LoggerClass { get; set; } = Logging.LoggingPlan.DefaultLoggerClass;

    /// <summary>capture_output: False. With an --error-logfile file, fds 1 and 2 are that file.</summary>
    public bool CaptureOutput { get; set; }

    /// <summary>enable_stdio_inheritance: False. With --daemon, keep stdout and stderr unless they are a terminal.</summary>
    public bool EnableStdioInheritance { get; set; }

    /// <summary>statsd_host: None, no metrics. Validated by <see cref="Metrics.StatsdAddress.Parse"/>.</summary>
    public string? StatsdHost { get; set; }

    /// <summary>statsd_prefix: "".</summary>
    public string StatsdPrefix { get; set; } = "";

    /// <summary>dogstatsd_tags: "", no tags.</summary>
    public string DogstatsdTags { get; set; } = "";

    /// <summary>enable_backlog_metric: False.</summary>
    public bool EnableBacklogMetric { get; set; }

    /// <summary>control_socket: gunicorn's default, $XDG_RUNTIME_DIR/gunicorn.ctl else ~/.gunicorn/gunicorn.ctl.</summary>
    public string ControlSocket { get; set; } = Configuration.Sections.ControlSettings.DefaultPath();

    /// <summary>control_socket_mode: gunicorn's default, 0o600.</summary>
    public int ControlSocketMode { get; set; } = 384;

    /// <summary>control_socket_disable: False.</summary>
    public bool ControlSocketDisable { get; set; }

    /// <summary>sharpicorn's own metrics_bind: None, no Prometheus endpoint.</summary>
    public string? MetricsBind { get; set; }

    /// <summary>errorlog: "-", stderr.</summary>
    public string ErrorLog { get; set; } = "-";

    /// <summary>loglevel: info.</summary>
    public string LogLevel { get; set; } = "info";

    /// <summary>pidfile: none.</summary>
    public string? PidFile { get; set; }

    /// <summary>sharpicorn's own: the interpreter to embed (else SHARPICORN_PYTHON, $VIRTUAL_ENV, python3 on PATH).</summary>
    public string? Python { get; set; }

    /// <summary>The positional APP_MODULE, "module:variable" or "module:factory(...)".</summary>
    public string? AppModule { get; set; }

    /// <summary>gunicorn's --print-config: every setting as "name = value", sorted by name.</summary>
    public string Describe() => Configuration.SettingsRegistry.Describe(this);

    /// <summary>Values of settings that have no property here (refused, warned or unused ones), by gunicorn name.</summary>
    public Dictionary<string, object?> Values { get; } = new(StringComparer.Ordinal);

    /// <summary>Where each explicitly set setting was last set: null for the command line or GUNICORN_CMD_ARGS, else the config file.</summary>
    public Dictionary<string, string?> SetBy { get; } = new(StringComparer.Ordinal);

    /// <summary>Startup warnings for accepted settings that have no effect, in gunicorn's words; the arbiter logs them.</summary>
    public List<string> Warnings { get; } = [];

    public bool ShowHelp { get; set; }

    public bool ShowVersion { get; set; }

    /// <summary>gunicorn's reading of $SENDFILE when sendfile is None: unset is on, else only y, 1, yes or true (any case).</summary>
    internal static bool SendfileFromEnvironment(string? value) =>
        value is null || value.ToLowerInvariant() is "y" or "1" or "yes" or "true";
}
