namespace Sharpicorn.Wsgi;

/// <summary>How far a response has got; it only moves forward.</summary>
internal enum ResponseProgress : byte
{
    /// <summary>start_response has not been called.</summary>
    NotStarted,

    /// <summary>start_response stored a status and headers; nothing is sent yet (PEP 3333 lets exc_info replace them).</summary>
    Started,

    /// <summary>The head is committed to Kestrel; the body may follow.</summary>
    HeadersSent,
}
