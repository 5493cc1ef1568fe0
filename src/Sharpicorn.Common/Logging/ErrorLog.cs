using System.Globalization;

namespace Sharpicorn.Logging;

/// <summary>
/// gunicorn's error log: "[2026-11-21 23:50:00 +0000] [pid] [INFO] message", to stderr or to
/// --error-logfile, and to syslog with --log-syslog. Every line is flushed, as gunicorn's
/// logging handlers do. A Python logging configuration replaces both with a <see cref="IErrorLogSink"/>
/// once the worker's interpreter is up (<see cref="Route"/>).
/// </summary>
internal sealed class ErrorLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly string? _path;
    private readonly string _pid;
    private TextWriter _writer;
    private IErrorLogSink? _sink;

    public ErrorLog(string? path, LogLevel level)
    {
        Level = level;
        _pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        _path = path is null or "-" ? null : path;
        _writer = Open(_path);
    }

    /// <summary>
    /// The process's error log as the settings describe it: the file (or stderr), --log-syslog,
    /// and --capture-output's redirection of fds 1 and 2. Throws <see cref="FormatException"/> or
    /// <see cref="IOException"/> with gunicorn's startup error.
    /// </summary>
    public static ErrorLog Create(Cli.ServerSettings settings)
    {
        var log = new ErrorLog(settings.ErrorLog, Enum.Parse<LogLevel>(settings.LogLevel, ignoreCase: true))
        {
            // gunicorn: only when errorlog is a file; with "-" the output already goes to stderr.
            CaptureOutput = settings.CaptureOutput && settings.ErrorLog != "-",
        };
        try
        {
            log.Syslog = LoggingPlan.Syslog(settings, "error");
        }
        catch
        {
            log.Dispose();
            throw;
        }
        return log;
    }

    /// <summary>--log-syslog: every line written also goes to syslog.</summary>
    public SyslogSink? Syslog { get; set; }

    /// <summary>
    /// --capture-output: fds 1 and 2 are the error log file, now and after every reopen, so the
    /// app's print() and C-level writes to stderr land in it (gunicorn dup2()s the same way).
    /// </summary>
    public bool CaptureOutput
    {
        get;
        set
        {
            field = value;
            if (value)
            {
                lock (_lock)
                {
                    Capture();
                }
            }
        }
    }

    /// <summary>
    /// Sends every record to <paramref name="sink"/> from now on, instead of the file and syslog
    /// (wsgi.errors text still goes to the file, as written).
    /// </summary>
    public void Route(IErrorLogSink sink) => _sink = sink;

    /// <summary>Large enough that a line (a traceback included) reaches the file in one append.</summary>
    private const int LineBuffer = 64 * 1024;

    internal static TextWriter Open(string? path) => path is null
        ? Console.Error
        : new StreamWriter(Platform.Posix.OpenAppend(path), new System.Text.UTF8Encoding(false), LineBuffer) { AutoFlush = true };

    /// <summary>USR1: reopen the log file, so log rotation can move the old one away (gunicorn's reopen_files).</summary>
    public void Reopen()
    {
        _sink?.Reopen();
        if (_path is null)
        {
            return;
        }
        lock (_lock)
        {
            _writer.Dispose();
            _writer = Open(_path);
            if (CaptureOutput)
            {
                Capture();
            }
        }
    }

    private void Capture()
    {
        if (_writer is StreamWriter { BaseStream: FileStream file })
        {
            Console.Out.Flush();
            Console.Error.Flush();
            int fd = (int)file.SafeFileHandle.DangerousGetHandle();
            Platform.Posix.Redirect(fd, 1);
            Platform.Posix.Redirect(fd, 2);
        }
    }

    public LogLevel Level { get; }

    /// <summary>
    /// --statsd-host: gunicorn's Statsd logger counts every warning, error, critical and
    /// exception record as gunicorn.log.*, whatever --log-level lets through.
    /// </summary>
    public Metrics.StatsdClient? Statsd { get; set; }

    public bool IsEnabled(LogLevel level) => _sink is { } sink ? sink.IsEnabled(level) : level >= Level;

    public void Debug(string message) => Write(LogLevel.Debug, message);

    public void Info(string message) => Write(LogLevel.Info, message);

    public void Warning(string message) => Write(LogLevel.Warning, message);

    public void Error(string message) => Write(LogLevel.Error, message);

    public void Critical(string message) => Write(LogLevel.Critical, message);

    /// <summary>gunicorn's log.exception(): an ERROR line (the message carries the traceback), counted as gunicorn.log.exception.</summary>
    public void Exception(string message)
    {
        Statsd?.CountException();
        Uncounted(LogLevel.Error, message);
    }

    public void Write(LogLevel level, string message)
    {
        Statsd?.CountLog(level);
        Uncounted(level, message);
    }

    /// <summary>A line that statsd does not count (the statsd client's own warning, as gunicorn's).</summary>
    public void Uncounted(LogLevel level, string message)
    {
        if (_sink is { } sink)
        {
            if (sink.IsEnabled(level))
            {
                sink.Write(level, message);
            }
            return;
        }
        if (level < Level)
        {
            return;
        }
        Syslog?.Send(level, message);
        string line = $"{Timestamp(DateTimeOffset.Now)} [{_pid}] [{Name(level)}] {message}\n";
        lock (_lock)
        {
            _writer.Write(line);
            _writer.Flush();
        }
    }

    /// <summary>Text from wsgi.errors goes out as the app wrote it, with no prefix (gunicorn does the same).</summary>
    public void Raw(string text)
    {
        lock (_lock)
        {
            _writer.Write(text);
            _writer.Flush();
        }
    }

    /// <summary>gunicorn's datefmt "[%Y-%m-%d %H:%M:%S %z]".</summary>
    public static string Timestamp(DateTimeOffset now)
    {
        TimeSpan off = now.Offset;
        char sign = off < TimeSpan.Zero ? '-' : '+';
        off = off.Duration();
        return string.Create(CultureInfo.InvariantCulture, $"[{now:yyyy-MM-dd HH:mm:ss} {sign}{off.Hours:00}{off.Minutes:00}]");
    }

    private static string Name(LogLevel level) => level switch
    {
        LogLevel.Debug => "DEBUG",
        LogLevel.Info => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        _ => "CRITICAL",
    };

    public void Dispose()
    {
        Syslog?.Dispose();
        if (_path is not null)
        {
            _writer.Dispose();
        }
    }
}
