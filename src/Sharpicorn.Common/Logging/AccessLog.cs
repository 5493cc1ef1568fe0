namespace Sharpicorn.Logging;

/// <summary>
/// gunicorn's access log: one line per request, when --access-logfile is set ("-" is stdout),
/// and to syslog with --log-syslog (unless --disable-redirect-access-to-syslog). A Python
/// logging configuration replaces both with a <see cref="IAccessLogSink"/> (<see cref="Route"/>).
/// </summary>
internal sealed class AccessLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly string? _path;
    private readonly AccessLogFormat _format;
    private readonly bool _json;
    private TextWriter? _writer;
    private IAccessLogSink? _sink;

    /// <param name="path">The file, "-" for stdout, or null for no line of its own (syslog or a sink only).</param>
    public AccessLog(string? path, string format, bool json = false)
    {
        _format = new AccessLogFormat(format);
        _json = json;
        _path = path == "-" ? null : path;
        _writer = path is null ? null : _path is null ? Console.Out : ErrorLog.Open(_path);
    }

    /// <summary>
    /// The worker's access log, or null when gunicorn would write no access record: no
    /// --access-logfile, no logging configuration, no syslog that takes access lines.
    /// With a Python logging configuration the file is left to Python (gunicorn's FileHandler).
    /// </summary>
    public static AccessLog? Create(Cli.ServerSettings settings)
    {
        if (!LoggingPlan.AccessEnabled(settings) && !LoggingPlan.UsesPython(settings))
        {
            return null;
        }
        bool python = LoggingPlan.UsesPython(settings);
        return new AccessLog(python ? null : settings.AccessLog, settings.AccessLogFormat, settings.AccessLogJson)
        {
            Syslog = python ? null : LoggingPlan.Syslog(settings, "access"),
        };
    }

    /// <summary>--log-syslog: every line also goes to syslog.</summary>
    public SyslogSink? Syslog { get; set; }

    /// <summary>The parsed access_log_format.</summary>
    public AccessLogFormat Format => _format;

    /// <summary>Sends every record to <paramref name="sink"/> from now on, instead of the file and syslog.</summary>
    public void Route(IAccessLogSink sink) => _sink = sink;

    /// <summary>USR1: reopen the log file (gunicorn's reopen_files).</summary>
    public void Reopen()
    {
        if (_path is not null && _writer is not null)
        {
            lock (_lock)
            {
                _writer.Dispose();
                _writer = ErrorLog.Open(_path);
            }
        }
        _sink?.Reopen();
    }

    /// <summary>The format's "{NAME}e" keys, which the worker must read from environ before the request ends.</summary>
    public IReadOnlyList<string> EnvironKeys => _format.EnvironKeys;

    public void Write(AccessLogEntry entry)
    {
        if (_sink is { } sink)
        {
            sink.Write(entry);
            return;
        }
        string line = _json ? AccessLogJson.Render(entry, _format) : _format.Render(entry);
        if (_writer is not null)
        {
            lock (_lock)
            {
                _writer.Write(line + "\n");
                _writer.Flush();
            }
        }
        Syslog?.Send(LogLevel.Info, line);
    }

    public void Dispose()
    {
        Syslog?.Dispose();
        if (_path is not null)
        {
            _writer?.Dispose();
        }
    }
}
