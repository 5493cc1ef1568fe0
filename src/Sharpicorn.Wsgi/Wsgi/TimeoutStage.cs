namespace Sharpicorn.Wsgi;

/// <summary>How far --request-timeout has gone with a request. Written by the worker monitor thread only.</summary>
internal enum TimeoutStage
{
    None,

    /// <summary>The deadline passed: the thread was interrupted and the client gets a 504.</summary>
    Interrupted,

    /// <summary>The thread did not stop after the interrupt; the worker asked to be replaced.</summary>
    RetireRequested,
}
