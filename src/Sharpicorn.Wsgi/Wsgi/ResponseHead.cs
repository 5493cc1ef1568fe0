using Microsoft.AspNetCore.WebUtilities;

namespace Sharpicorn.Wsgi;

/// <summary>
/// The status line and framing decisions for one response: a pure function of what the app
/// passed to start_response and of the request, so every rule is tested without Python or
/// Kestrel. A value type: deciding allocates nothing.
/// </summary>
internal readonly record struct ResponseHead
{
    /// <summary>The server name gunicorn's position takes when the app names none.</summary>
    public const string ServerName = "sharpicorn";

    public int StatusCode { get; init; }

    /// <summary>The reason phrase to send, or null to let Kestrel send the standard one.</summary>
    public string? ReasonPhrase { get; init; }

    /// <summary>The Content-Length header to send, or null for none.</summary>
    public long? ContentLength => SendContentLength ? BodyLimit : null;

    /// <summary>Whether <see cref="BodyLimit"/> goes out as the Content-Length header (kept as a flag so the head stays small).</summary>
    public bool SendContentLength { get; init; }

    /// <summary>The most body bytes that will be written: the app's declared length (gunicorn never sends more), or null.</summary>
    public long? BodyLimit { get; init; }

    /// <summary>Whether a body may be written at all (not for HEAD, 1xx, 204 or 304).</summary>
    public bool BodyAllowed { get; init; }

    /// <summary>Send "Connection: close": the app asked for it, or the worker is draining.</summary>
    public bool ConnectionClose { get; init; }

    /// <summary>Add "Server: sharpicorn", because the app named no Server of its own.</summary>
    public bool AddServerHeader { get; init; }

    public ResponseFraming Framing { get; init; }

    /// <summary>The head for the app's start_response, for a request with this method and protocol.</summary>
    /// <param name="app">What start_response stored.</param>
    /// <param name="method">The request method.</param>
    /// <param name="protocol">The request protocol, such as "HTTP/1.1".</param>
    /// <param name="draining">The worker is stopping, so the client must reconnect elsewhere.</param>
    public static ResponseHead Decide(in StartResponseArgs app, string method, string protocol, bool draining)
    {
        int status = app.StatusCode;
        bool head = string.Equals(method, "HEAD", StringComparison.OrdinalIgnoreCase);
        bool bodyAllowed = status >= 200 && status != 204 && status != 304 && !head;
        // A 2xx answer to CONNECT opens a tunnel and must not carry Content-Length (RFC 9110
        // 9.3.6); Kestrel refuses one. The declared length still bounds what is written.
        bool tunnel = status is >= 200 and < 300 && string.Equals(method, "CONNECT", StringComparison.Ordinal);
        long? contentLength = tunnel ? null : app.ContentLength;
        ResponseFraming framing = !bodyAllowed ? ResponseFraming.NoBody
            : contentLength is not null ? ResponseFraming.ContentLength
            : tunnel || string.Equals(protocol, "HTTP/1.0", StringComparison.Ordinal) ? ResponseFraming.CloseDelimited
            : ResponseFraming.Chunked;
        return new ResponseHead
        {
            StatusCode = status,
            ReasonPhrase = app.ReasonPhrase != ReasonPhrases.GetReasonPhrase(status) ? app.ReasonPhrase : null,
            SendContentLength = contentLength is not null,
            BodyLimit = app.ContentLength,
            BodyAllowed = bodyAllowed,
            ConnectionClose = app.ConnectionClose || draining,
            AddServerHeader = !app.HasServerHeader,
            Framing = framing,
        };
    }

    /// <summary>The head of one of gunicorn's error pages: its body is written whole by ErrorPage, nothing more.</summary>
    public static ResponseHead ErrorPage(int status, string reason, long length) => new()
    {
        StatusCode = status,
        ReasonPhrase = reason,
        SendContentLength = true,
        BodyLimit = length,
        BodyAllowed = false,
        ConnectionClose = true,
        Framing = ResponseFraming.ContentLength,
    };
}
