namespace Sharpicorn.Logging;

/// <summary>gunicorn's access log: one line per request, only when --access-logfile is set ("-" is stdout).</summary>
internal sealed class AccessLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TextWriter _writer;
    private readonly bool _ownsWriter;
    private readonly AccessLogFormat _format;

    public AccessLog(string path, string format)
    {
        _format = new AccessLogFormat(format);
        if (path == "-")
        {
            _writer = Console.Out;
        }
        else
        {
            _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete));
            _ownsWriter = true;
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
        if (_ownsWriter)
        {
            _writer.Dispose();
        }
    }
}
