using System.Globalization;
using System.Text;

namespace Sharpicorn.Asgi;

/// <summary>gunicorn's error page (util.write_error), as the WSGI layer writes it, for ASGI responses the server must answer itself.</summary>
internal static class AsgiErrorPage
{
    public static byte[] Body(string reason, string message) => Encoding.Latin1.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"<html>\n  <head>\n    <title>{reason}</title>\n  </head>\n  <body>\n    <h1><p>{reason}</p></h1>\n    {HtmlEscape(message)}\n  </body>\n</html>\n"));

    /// <summary>Python's html.escape(s, quote=True), as gunicorn uses it.</summary>
    private static string HtmlEscape(string s) => s
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal)
        .Replace("'", "&#x27;", StringComparison.Ordinal);
}
