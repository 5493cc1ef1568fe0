namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "Logging" section.</summary>
internal static class LoggingSettings
{
    private const string ThroughPython = "Applied in each worker's Python: the records of gunicorn.error and gunicorn.access (access records carry gunicorn's atoms as their args) go through Python's logging; the master keeps writing its own lines natively, to --error-logfile. Without it, logging stays native.";
    private const string SyslogNotes = "Native, in every process (the master too): gunicorn's SysLogHandler datagrams, `<PRI>gunicorn.<prefix>.error: [pid] message` plus a NUL, priority from the facility and the record's level.";

    public static readonly Setting[] All =
    [
        new StringSetting
        {
            Name = "accesslog", Section = Section.Logging, Flags = ["--access-logfile"], Meta = "FILE",
            Help = "The access log file to write to; '-' means stdout.",
            Default = null, DefaultOrigin = "gunicorn's default (no access log)",
            Set = (s, v) => s.AccessLog = v, Get = s => s.AccessLog,
        },
        new BoolSetting
        {
            Name = "disable_redirect_access_to_syslog", Section = Section.Logging, Flags = ["--disable-redirect-access-to-syslog"],
            Help = "Keep access log lines out of syslog.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.DisableRedirectAccessToSyslog = v ?? false, Get = s => s.DisableRedirectAccessToSyslog,
        },
        new StringSetting
        {
            Name = "access_log_format", Section = Section.Logging, Flags = ["--access-logformat"], Meta = "STRING",
            Help = "The access log format, in gunicorn's %(atom)s syntax.",
            Default = Logging.AccessLogFormat.Default, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.AccessLogFormat = v ?? Logging.AccessLogFormat.Default, Get = s => s.AccessLogFormat,
            Notes = "Every atom is rendered; `%({NAME}e)s` reads the request's environ after the app returned (keys matched as written, upper- or lower-case), and only formats that use it pay for reading it. Width flags such as %(s)3s are refused.",
        },
        new StringSetting
        {
            Name = "errorlog", Section = Section.Logging, Flags = ["--error-logfile", "--log-file"], Meta = "FILE",
            Help = "The error log file to write to; '-' means stderr.",
            Default = "-", DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.ErrorLog = v ?? "-", Get = s => s.ErrorLog,
        },
        new StringSetting
        {
            Name = "loglevel", Section = Section.Logging, Flags = ["--log-level"], Meta = "LEVEL",
            Help = "debug, info, warning, error or critical.",
            Default = "info", DefaultOrigin = "gunicorn's default",
            Choices = ["debug", "info", "warning", "error", "critical"], IgnoreCase = true,
            Set = (s, v) => s.LogLevel = v ?? "info", Get = s => s.LogLevel,
            Notes = "An unknown level is refused, where gunicorn falls back to info. In a worker, Python's `logging.getLogger(\"gunicorn.error\")` has this level and a handler that writes gunicorn's format to the error log, so `app.logger.handlers = logging.getLogger(\"gunicorn.error\").handlers` works.",
        },
        new BoolSetting
        {
            Name = "capture_output", Section = Section.Logging, Flags = ["--capture-output"],
            Help = "Send the app's stdout and stderr to the error log file.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.CaptureOutput = v ?? false, Get = s => s.CaptureOutput,
            Notes = "As gunicorn: with an --error-logfile file, every process's fds 1 and 2 become that file (again on USR1), so print() and anything written to stderr land there; with --error-logfile - it does nothing. Python's stdout to a file is block-buffered, as under gunicorn.",
        },
        new StringSetting
        {
            Name = "logger_class", Section = Section.Logging, Flags = ["--logger-class"], Meta = "STRING",
            Help = "The Python class gunicorn logs through.",
            Default = "gunicorn.glogging.Logger", DefaultOrigin = "gunicorn's default",
            Validate = v => v == "simple" ? "gunicorn.glogging.Logger" : v,
            Set = (s, v) => s.LoggerClass = v ?? Logging.LoggingPlan.DefaultLoggerClass, Get = s => s.LoggerClass,
            Notes = "Another class is instantiated in each worker as gunicorn does (`cls(cfg)`, with a cfg that has every setting) and gets every error record (`.error()`, `.info()`...) and `access(resp, req, environ, request_time)` per request. It must be a subclass of gunicorn.glogging.Logger, so gunicorn must be importable by the app's Python (Debian's python3-gunicorn is); otherwise the worker says so and fails to boot. The master logs natively.",
        },
        new StringSetting
        {
            Name = "logconfig", Section = Section.Logging, Flags = ["--log-config"], Meta = "FILE",
            Help = "A logging.config.fileConfig file.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.LogConfig = v, Get = s => s.LogConfig,
            Notes = ThroughPython,
        },
        new DictSetting
        {
            Name = "logconfig_dict", Section = Section.Logging,
            Help = "A logging.config.dictConfig dictionary.",
            Default = [], DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.LogConfigDict = v, Get = s => s.LogConfigDict,
            Notes = ThroughPython + " The dict reaches the worker as JSON, so its values must be JSON-serialisable (classes and factories by their dotted names, as `\"()\": \"mymodule.JsonFormatter\"`).",
        },
        new StringSetting
        {
            Name = "logconfig_json", Section = Section.Logging, Flags = ["--log-config-json"], Meta = "FILE",
            Help = "A JSON file for logging.config.dictConfig.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.LogConfigJson = v, Get = s => s.LogConfigJson,
            Notes = ThroughPython,
        },
        new StringSetting
        {
            Name = "syslog_addr", Section = Section.Logging, Flags = ["--log-syslog-to"], Meta = "SYSLOG_ADDR",
            Help = "Where syslog messages go: unix://PATH, udp://HOST:PORT or tcp://HOST:PORT.",
            Default = "udp://localhost:514", DefaultOrigin = "gunicorn's default on Linux",
            Set = (s, v) => s.SyslogAddr = v ?? "udp://localhost:514", Get = s => s.SyslogAddr,
        },
        new BoolSetting
        {
            Name = "syslog", Section = Section.Logging, Flags = ["--log-syslog"],
            Help = "Send the logs to syslog.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.Syslog = v ?? false, Get = s => s.Syslog,
            Notes = SyslogNotes,
        },
        new StringSetting
        {
            Name = "syslog_prefix", Section = Section.Logging, Flags = ["--log-syslog-prefix"], Meta = "SYSLOG_PREFIX",
            Help = "The program name in syslog entries.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.SyslogPrefix = v, Get = s => s.SyslogPrefix,
        },
        new StringSetting
        {
            Name = "syslog_facility", Section = Section.Logging, Flags = ["--log-syslog-facility"], Meta = "SYSLOG_FACILITY",
            Help = "The syslog facility name.",
            Default = "user", DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.SyslogFacility = v ?? "user", Get = s => s.SyslogFacility,
        },
        new BoolSetting
        {
            Name = "enable_stdio_inheritance", Section = Section.Logging, Flags = ["-R", "--enable-stdio-inheritance"],
            Help = "Keep stdout and stderr open in daemon mode.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.EnableStdioInheritance = v ?? false, Get = s => s.EnableStdioInheritance,
            Notes = "As gunicorn's daemonize(): with --daemon, stdin is /dev/null and stdout and stderr are kept unless they are a terminal; without --daemon it changes nothing.",
        },
        new StringSetting
        {
            Name = "statsd_host", Section = Section.Logging, Flags = ["--statsd-host"], Meta = "STATSD_ADDR",
            Help = "The statsd server to send metrics to (HOST:PORT or unix://PATH).",
            Default = null, DefaultOrigin = "gunicorn's default (no metrics)",
            Validate = v => v is null ? null : Metrics.StatsdAddress.Parse(v) is { } ? v : null,
            Printer = v => v is null ? "None" : Metrics.StatsdAddress.Parse(v).PythonRepr,
            Set = (s, v) => s.StatsdHost = v, Get = s => s.StatsdHost,
            Notes = "gunicorn's metrics, names and formats: `gunicorn.requests`, `gunicorn.request.duration` (ms), `gunicorn.request.status.<code>` from each worker, `gunicorn.workers` from the master, `gunicorn.log.critical/error/warning/exception` from every process's error log. UDP (port 8125 by default) or a unix datagram socket (`unix:PATH`, `unix://PATH`). The lines are gunicorn's byte for byte, but a request's three (duration, requests, status) travel in one datagram, newline-separated (statsd's multi-metric packet, which statsd, dogstatsd, Telegraf and statsd_exporter read as three lines), where gunicorn sends three datagrams: a datagram costs about as much CPU as a fifth of a whole request. Sends never block: a datagram that cannot be sent is dropped, and only the first failure is logged. An address that cannot be connected at startup sends nothing, as in gunicorn, but says so once.",
        },
        new StringSetting
        {
            Name = "dogstatsd_tags", Section = Section.Logging, Flags = ["--dogstatsd-tags"], Meta = "DOGSTATSD_TAGS",
            Help = "Comma-separated dogstatsd tags for every metric.",
            Default = "", DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.DogstatsdTags = v ?? "", Get = s => s.DogstatsdTags,
            Notes = "Appended to every line as `|#tags`, as gunicorn does.",
        },
        new StringSetting
        {
            Name = "statsd_prefix", Section = Section.Logging, Flags = ["--statsd-prefix"], Meta = "STATSD_PREFIX",
            Help = "The prefix of every statsd metric name.",
            Default = "", DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.StatsdPrefix = v ?? "", Get = s => s.StatsdPrefix,
            Notes = "gunicorn's rule: trailing dots become one dot (`app` and `app..` both give `app.`), but a one-character prefix is used as it is.",
        },
        new BoolSetting
        {
            Name = "enable_backlog_metric", Section = Section.Logging, Flags = ["--enable-backlog-metric"],
            Help = "Send the listen backlog length as a statsd metric.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.EnableBacklogMetric = v ?? false, Get = s => s.EnableBacklogMetric,
            Notes = "`gunicorn.backlog` (histogram) from the master on each tick: the connections waiting in the TCP listeners' accept queues, as gunicorn reads them (TCP_INFO), summed as gunicorn sums them: a unix socket counts -1, and a negative sum is not sent.",
        },
    ];
}
