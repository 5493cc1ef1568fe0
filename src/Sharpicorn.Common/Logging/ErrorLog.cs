using System.Globalization;

namespace Sharpicorn.Logging;

/// <summary>
/// gunicorn's error log: "[2026-11-21 23:50:00 +0000] [pid] [INFO] message", to stderr or to
/// --error-logfile. Every line is flushed, as gunicorn's logging handlers do.
/// </summary>
internal sealed class ErrorLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly string? _path;
    private readonly string _pid;
    private TextWriter _writer;

    public ErrorLog(string? path, LogLevel level)
    {
        Level = level;
        _pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        _path = path is null or "-" ? null : path;
        _writer = Open(_path);
    }

    /// <summary>Large enough that a line (a traceback included) reaches the file in one append.</summary>
    private const int LineBuffer = 64 * 1024;

    internal static TextWriter Open(string? path) => path is null
        ? Console.Error
        : new StreamWriter(Platform.Posix.OpenAppend(path), new System.Text.UTF8Encoding(false), LineBuffer) { AutoFlush = true };

    /// <summary>USR1: reopen the log file, so log rotation can move the old one away (gunicorn's reopen_files).</summary>
    public void Reopen()
    {
        if (_path is null)
        {
            return;
        }
        lock (_lock)
        {
            _writer.Dispose();
            _writer = Open(_path);
        }
    }

    public LogLevel Level { get; }

    /// <summary>
    /// --statsd-host: gunicorn's Statsd logger counts every warning, error, critical and
    /// exception record as gunicorn.log.*, whatever --log-level lets through.
    /// </summary>
    public Metrics.StatsdClient? Statsd { get; set; }

    public bool IsEnabled(LogLevel level) => level >= Level;

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
        if (level < Level)
        {
            return;
        }
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
        if (_path is not null)
        {
            _writer.Dispose();
        }
    }
}
