namespace Sharpicorn.Logging;

/// <summary>gunicorn's access log: one line per request, only when --access-logfile is set ("-" is stdout).</summary>
internal sealed class AccessLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly string? _path;
    private readonly AccessLogFormat _format;
    private readonly bool _json;
    private TextWriter _writer;

    public AccessLog(string path, string format, bool json = false)
    {
        _format = new AccessLogFormat(format);
        _json = json;
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

    /// <summary>The format's "{NAME}e" keys, which the worker must read from environ before the request ends.</summary>
    public IReadOnlyList<string> EnvironKeys => _format.EnvironKeys;

    public void Write(AccessLogEntry entry)
    {
        string line = (_json ? AccessLogJson.Render(entry, _format) : _format.Render(entry)) + "\n";
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
