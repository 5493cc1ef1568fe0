using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Sharpicorn.Http;

/// <summary>
/// gunicorn's request rules that Kestrel does not enforce itself, checked on Kestrel's thread
/// before the request is queued: the exact limit_request_line and limit_request_field_size,
/// and the framing and field-value rules gunicorn rejects and Kestrel lets through
/// (control characters, a repeated or signed Content-Length or Content-Type,
/// Transfer-Encoding with Content-Length or on HTTP/1.0).
/// </summary>
internal static class RequestChecks
{
    public readonly record struct Rejection(int Status, string Reason, string Message);

    /// <param name="forwarded">forwarder_headers: a name with '_' this request's trusted forwarder may send, which header_map leaves alone; null when the peer is not trusted.</param>
    public static Rejection? Check(IHttpRequestFeature request, int limitRequestLine, int limitRequestFieldSize, bool refuseUnderscores, Func<string, bool>? forwarded = null)
    {
        if (limitRequestLine > 0)
        {
            int line = request.Method.Length + 1 + request.RawTarget.Length + 1 + request.Protocol.Length;
            if (line > limitRequestLine)
            {
                return new(400, "Bad Request", $"Request Line is too large ({line} > {limitRequestLine})");
            }
        }
        bool hasContentLength = false, hasTransferEncoding = false;
        foreach (KeyValuePair<string, StringValues> h in request.Headers)
        {
            string name = h.Key;
            if (refuseUnderscores && name.Contains('_', StringComparison.Ordinal) && forwarded?.Invoke(name) != true)
            {
                // header_map = refuse: gunicorn's InvalidHeaderName.
                return new(400, "Bad Request", $"Invalid HTTP header name: '{name}'");
            }
            foreach (string? v in h.Value)
            {
                string value = v ?? "";
                // gunicorn measures the field line "Name: value".
                if (limitRequestFieldSize > 0 && name.Length + 2 + value.Length > limitRequestFieldSize)
                {
                    return new(431, "Request Header Fields Too Large", "Error parsing headers: 'limit request headers fields size'");
                }
                if (value.AsSpan().IndexOfAnyInRange('\0', '\x08') >= 0 || value.AsSpan().IndexOfAnyInRange('\x0A', '\x1F') >= 0 || value.Contains('\x7F', StringComparison.Ordinal))
                {
                    return Invalid(name);
                }
            }
            if (string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                hasContentLength = true;
                if (h.Value.Count != 1 || h.Value[0] is not { Length: > 0 } cl || cl.AsSpan().IndexOfAnyExceptInRange('0', '9') >= 0)
                {
                    return Invalid(name);
                }
            }
            else if (string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase) && h.Value.Count > 1)
            {
                return Invalid(name);
            }
            else if (string.Equals(name, "Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                hasTransferEncoding = true;
            }
        }
        if (hasTransferEncoding && request.Protocol == "HTTP/1.0")
        {
            // HTTP/1.0 has no chunking (gunicorn's InvalidHeader('TRANSFER-ENCODING')).
            return Invalid("Transfer-Encoding");
        }
        if (hasTransferEncoding && hasContentLength)
        {
            // Both framings at once is the request-smuggling shape (gunicorn's InvalidHeader('CONTENT-LENGTH')).
            // Kestrel usually drops the Content-Length first; HeadScanner catches that case.
            return Invalid("Content-Length");
        }
        return null;
    }

    /// <summary>
    /// http2_max_header_list_size, as RFC 9113 6.5.2 measures a header list: each field's name and
    /// value plus 32, pseudo-header fields included. Kestrel's own check uses a limit it shares
    /// with HTTP/1.1 (KestrelLimits), so this one is exact.
    /// </summary>
    public static Rejection? CheckHeaderList(IHttpRequestFeature request, int maxHeaderListSize)
    {
        if (maxHeaderListSize <= 0)
        {
            return null;
        }
        // :method, :scheme, :path (and :authority, which Kestrel files as Host).
        long size = (7 + request.Method.Length + 32) + (7 + request.Scheme.Length + 32) + (5 + request.RawTarget.Length + 32);
        foreach (KeyValuePair<string, StringValues> h in request.Headers)
        {
            foreach (string? v in h.Value)
            {
                size += h.Key.Length + (v?.Length ?? 0) + 32;
            }
        }
        return size > maxHeaderListSize
            ? new(431, "Request Header Fields Too Large", "Error parsing headers: 'limit request headers fields size'")
            : null;
    }

    /// <summary>gunicorn's METHOD_BADCHAR_RE and length rule: no "a"-"z" nor "#", 3 to 20 characters (Kestrel has checked it is a token).</summary>
    public static bool ConventionalMethod(string method) =>
        method.Length is >= 3 and <= 20 && method.AsSpan().IndexOfAnyInRange('a', 'z') < 0 && !method.Contains('#', StringComparison.Ordinal);

    private static Rejection Invalid(string name) => new(400, "Bad Request", $"Invalid HTTP Header: '{name.ToUpperInvariant()}'");
}
