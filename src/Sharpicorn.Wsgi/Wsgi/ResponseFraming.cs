namespace Sharpicorn.Wsgi;

/// <summary>How the body is delimited on the wire (Kestrel writes the framing; the head decides which).</summary>
internal enum ResponseFraming : byte
{
    /// <summary>No body at all: HEAD, 1xx, 204, 304.</summary>
    NoBody,

    /// <summary>Content-Length, from the app.</summary>
    ContentLength,

    /// <summary>Transfer-Encoding: chunked (HTTP/1.1 with no Content-Length).</summary>
    Chunked,

    /// <summary>The body ends when the connection closes (HTTP/1.0 with no Content-Length, or a CONNECT tunnel).</summary>
    CloseDelimited,
}
