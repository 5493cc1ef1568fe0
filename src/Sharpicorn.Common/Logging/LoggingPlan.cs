using Sharpicorn.Cli;

namespace Sharpicorn.Logging;

/// <summary>
/// Which logging a process sets up, from the settings: native (gunicorn's formats written by
/// .NET, plus native syslog) unless a Python logging configuration asks for Python's logging.
/// </summary>
internal static class LoggingPlan
{
    /// <summary>gunicorn's default logger_class.</summary>
    public const string DefaultLoggerClass = "gunicorn.glogging.Logger";

    /// <summary>Whether a worker routes its records through Python's logging.</summary>
    public static bool UsesPython(ServerSettings s) =>
        s.LogConfig is not null || s.LogConfigDict.Count > 0 || s.LogConfigJson is not null || s.LoggerClass != DefaultLoggerClass;

    /// <summary>gunicorn's access_log_enabled: an access log file, a logging configuration, or syslog that takes access lines.</summary>
    public static bool AccessEnabled(ServerSettings s) =>
        s.AccessLog is not null || s.LogConfig is not null || s.LogConfigDict.Count > 0 || s.LogConfigJson is not null
        || (s.Syslog && !s.DisableRedirectAccessToSyslog);

    /// <summary>gunicorn's proc_name, falling back to default_proc_name (the app module), which names syslog's program.</summary>
    public static string ProcName(ServerSettings s) => s.ProcName ?? s.AppModule ?? "gunicorn";

    /// <summary>The syslog handler of the log <paramref name="name"/> ("error" or "access"), when --log-syslog asks for one.</summary>
    public static SyslogSink? Syslog(ServerSettings s, string name) =>
        !s.Syslog || (name == "access" && s.DisableRedirectAccessToSyslog)
            ? null
            : SyslogSink.Create(s.SyslogAddr, s.SyslogFacility, s.SyslogPrefix, ProcName(s), name);
}
