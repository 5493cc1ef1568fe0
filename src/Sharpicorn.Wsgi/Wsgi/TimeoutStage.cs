namespace Sharpicorn.Wsgi;

/// <summary>How far --request-timeout has gone with a request. Written by the worker monitor thread only.</summary>
internal enum TimeoutStage
{
    None,

    /// <summary>The deadline passed: the 504 went out if the app had not started its response, the stack was logged and the thread interrupted.</summary>
    Interrupted,
}
