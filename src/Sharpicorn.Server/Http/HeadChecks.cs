using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Sharpicorn.Configuration;

namespace Sharpicorn.Http;

/// <summary>
/// gunicorn's checks on what the raw request head said, shared by the WSGI and ASGI hand-offs:
/// what <see cref="HeadScanner"/> saw before Kestrel normalised it, and gunicorn's method rule.
/// </summary>
internal static class HeadChecks
{
    /// <summary>
    /// Checks one HTTP/1.x request. Restores the target as sent (PEP 3333 and ASGI's raw_path see
    /// those bytes) and gives the HTTP version as sent when Kestrel was handed another.
    /// </summary>
    public static RequestChecks.Rejection? Check(IFeatureCollection features, IHttpRequestFeature request, bool permitMethod, out string? versionAsSent) =>
        Check(features, request, permitMethod, out versionAsSent, out _);

    /// <summary>As above, also giving the connection's scanner (null when none watches it), for what else it kept of the head.</summary>
    public static RequestChecks.Rejection? Check(IFeatureCollection features, IHttpRequestFeature request, bool permitMethod, out string? versionAsSent, out HeadScanner? scanner)
    {
        versionAsSent = null;
        scanner = features.Get<HeadScanner>();
        if (scanner is null)
        {
            return permitMethod ? null : Method(request.Method);
        }
        IHeaderDictionary headers = request.Headers;
        long? length = headers.ContentLength;
        HeadScanner.Body body = length is not null ? HeadScanner.Body.ContentLength
            : headers.TransferEncoding.Count != 0 ? HeadScanner.Body.Chunked
            : headers.Upgrade.Count != 0 ? HeadScanner.Body.Upgrade
            : HeadScanner.Body.None;
        IHttpRequestTrailersFeature? trailers = body == HeadScanner.Body.Chunked ? features.Get<IHttpRequestTrailersFeature>() : null;
        switch (scanner.OnRequest(body, length ?? 0, trailers, out string? raw))
        {
            case HeadScanner.Verdict.BadContentLength:
                // Kestrel took a value such as "+5" as 5; the raw bytes said something else (RFC 9110: 1*DIGIT).
                return new(400, "Bad Request", "Invalid HTTP Header: 'CONTENT-LENGTH'");
            case HeadScanner.Verdict.ContentLengthWithChunked:
                // Kestrel framed it as chunked and dropped the Content-Length; a proxy may have used the length (CL.TE).
                return new(400, "Bad Request", "Invalid HTTP Header: 'CONTENT-LENGTH'");
            case HeadScanner.Verdict.FieldTooLarge:
                // A folded field whose lines, as sent, exceed limit_request_field_size (gunicorn counts them before joining).
                return new(431, "Request Header Fields Too Large", "Error parsing headers: 'limit request headers fields size'");
            case HeadScanner.Verdict.BadTarget:
                // A control byte in the target (RFC 9112 3.2); gunicorn's InvalidRequestLine page.
                return new(400, "Bad Request", $"Invalid Request Line 'Invalid HTTP request line: {PythonText.Repr(raw!)}'");
        }
        if (raw is not null)
        {
            // Kestrel parsed a percent-encoded copy; the app sees the bytes as sent.
            request.RawTarget = raw;
        }
        // Kestrel was handed HTTP/1.0 or 1.1 (--permit-unconventional-http-version); gunicorn's environ has the version as sent.
        versionAsSent = scanner.VersionAsSent;
        return permitMethod ? null : Method(scanner.MethodAsSent ?? request.Method);
    }

    /// <summary>gunicorn's default restriction on the method as sent, unless permit_unconventional_http_method: no lower case nor '#', 3 to 20 characters.</summary>
    private static RequestChecks.Rejection? Method(string method) =>
        RequestChecks.ConventionalMethod(method)
            ? null
            : new(400, "Bad Request", $"Invalid Method 'Invalid HTTP method: {PythonText.Repr(method)}'");
}
