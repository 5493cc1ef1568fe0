namespace Sharpicorn.Logging;

/// <summary>Where access records go instead of the native line (see <see cref="IErrorLogSink"/>).</summary>
internal interface IAccessLogSink
{
    void Write(AccessLogEntry entry);

    /// <summary>USR1 (gunicorn's reopen_files).</summary>
    void Reopen();
}
