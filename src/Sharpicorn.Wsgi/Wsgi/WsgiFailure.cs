namespace Sharpicorn.Wsgi;

/// <summary>
/// Why a request's output stopped before the app's response was complete (the shape of YARP's
/// ForwarderError: one value per failure point instead of a flag per symptom). Set only by the
/// request's Python thread. Any value but <see cref="None"/> means nothing more is written.
/// </summary>
internal enum WsgiFailure : byte
{
    /// <summary>No failure: the response is the app's own, so far.</summary>
    None,

    /// <summary>A flush found the client gone (or the response aborted by Kestrel); the rest of the body is dropped.</summary>
    ClientDisconnected,

    /// <summary>The app failed before its headers went out; gunicorn's 500 page was sent instead.</summary>
    AppFailed,

    /// <summary>The app failed because the request body was malformed; the 400 (or 413) page was sent, as gunicorn answers it.</summary>
    BadRequestBody,

    /// <summary>--request-timeout interrupted the app before its headers went out; a 504 page was sent.</summary>
    TimedOut,

    /// <summary>The app failed after its headers went out: Kestrel must end the connection, not the response.</summary>
    AbortedAfterHeaders,
}
