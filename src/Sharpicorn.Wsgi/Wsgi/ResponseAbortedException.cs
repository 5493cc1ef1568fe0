namespace Sharpicorn.Wsgi;

/// <summary>
/// Handed to Kestrel when the app failed after its headers were sent. The app's own traceback is
/// already in the error log, so the Kestrel logger drops this one instead of logging it twice.
/// </summary>
internal sealed class ResponseAbortedException : Exception
{
    public ResponseAbortedException()
        : base("the WSGI application failed after the response started")
    {
    }

    public ResponseAbortedException(string message)
        : base(message)
    {
    }

    public ResponseAbortedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
