using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace Sharpicorn.Wsgi;

/// <summary>gunicorn's error response (util.write_error), byte for byte, always with Connection: close.</summary>
internal static class ErrorPage
{
    public static byte[] Body(string reason, string message) => Encoding.Latin1.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"<html>\n  <head>\n    <title>{reason}</title>\n  </head>\n  <body>\n    <h1><p>{reason}</p></h1>\n    {HtmlEscape(message)}\n  </body>\n</html>\n"));

    /// <summary>
    /// Python's html.escape(s, quote=True), which gunicorn uses: only &amp; &lt; &gt; " and ' are
    /// replaced, ' as &amp;#x27;. WebUtility.HtmlEncode differs (&amp;#39;, and it encodes U+00A0..U+00FF).
    /// </summary>
    public static string HtmlEscape(string s) => s
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal)
        .Replace("'", "&#x27;", StringComparison.Ordinal);

    /// <summary>Replaces whatever the response had (nothing may have been sent yet).</summary>
    public static void Write(WsgiRequest req, int status, string reason, string message)
    {
        long sent = WriteToKestrel(req, status, reason, message, out int length);
        req.Progress = ResponseProgress.HeadersSent;
        req.Head = ResponseHead.ErrorPage(status, reason, length);
        req.LoggedStatus = status;
        req.BytesSent = sent;
    }

    /// <summary>
    /// Writes the page into Kestrel's response and nothing else: the deadline's 504 uses it
    /// from a thread that is not the request's, so it must leave the Python thread's fields alone.
    /// Returns the body bytes sent (none for HEAD).
    /// </summary>
    public static long WriteToKestrel(WsgiRequest req, int status, string reason, string message, out int length)
    {
        byte[] body = Body(reason, message);
        length = body.Length;
        IHttpResponseFeature response = req.Response;
        response.Headers.Clear();
        response.StatusCode = status;
        response.ReasonPhrase = reason;
        if (!WsgiRequest.IsHttp2(req.Request.Protocol))
        {
            // HTTP/2 multiplexes other requests on the connection, and has no Connection header.
            response.Headers.Connection = "close";
        }
        response.Headers.ContentType = "text/html";
        response.Headers.ContentLength = body.Length;
        if (string.Equals(req.Method, "HEAD", StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }
        // Starting only queues the headers in Kestrel's pipe; it does not wait on the client.
        req.Body.StartAsync().GetAwaiter().GetResult();
        req.Body.Writer.Write(body);
        return body.Length;
    }
}
