namespace Sharpicorn.Wsgi;

/// <summary>
/// Sees every request the pool runs, for the transport's accept gate (load sharing, the exact
/// max_requests). Both calls are on the hot path: they must cost an interlocked op or two.
/// </summary>
internal interface IRequestObserver
{
    /// <summary>On the Kestrel thread, before the request is handed to (or queued for) a Python thread.</summary>
    void Dispatched(WsgiRequest request);

    /// <summary>On the Python thread (GIL released) once the request is done.</summary>
    void Completed();
}
