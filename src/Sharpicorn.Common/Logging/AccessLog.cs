namespace Sharpicorn.Logging;

/// <summary>gunicorn's access log: one line per request, only when --access-logfile is set ("-" is stdout).</summary>
internal sealed class AccessLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly string? _path;
    private readonly AccessLogFormat _format;
    private TextWriter _writer;

    public AccessLog(string path, string format)
    {
        _format = new AccessLogFormat(format);
        _path = path == "-" ? null : path;
        _writer = _path is null ? Console.Out : ErrorLog.Open(_path);
    }

    /// <summary>USR1: reopen the log file (gunicorn's reopen_files).</summary>
    public void Reopen()
    {
        if (_path is not null)
        {
            lock (_lock)
            {
                _writer.Dispose();
                _writer = ErrorLog.Open(_path);
            }
        }
    }

    public void Write(AccessLogEntry entry)
    {
        string line = _format.Render(entry) + "\n";
        lock (_lock)
        {
            _writer.Write(line);
            _writer.Flush();
        }
    }

    public void Dispose()
    {
        if (_path is not null)
        {
            _writer.Dispose();
        }
    }
}
