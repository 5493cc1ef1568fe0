namespace Sharpicorn.Logging;

/// <summary>
/// Where error-log records go instead of the native file and syslog: a logging configuration
/// (--log-config, logconfig_dict, --log-config-json, --logger-class) routes them through
/// Python's gunicorn.error logger. Calls come from any thread; the sink takes what locks it needs.
/// </summary>
internal interface IErrorLogSink
{
    /// <summary>Whether a record of <paramref name="level"/> would be written (the configured logger's level).</summary>
    bool IsEnabled(LogLevel level);

    void Write(LogLevel level, string message);

    /// <summary>USR1: reopen whatever files the sink writes (gunicorn's reopen_files).</summary>
    void Reopen();
}
