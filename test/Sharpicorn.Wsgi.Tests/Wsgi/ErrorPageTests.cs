using Sharpicorn.Wsgi;

namespace Sharpicorn.Tests.Wsgi;

public sealed class ErrorPageTests
{
    [Fact]
    public void Body_MessageWithQuotesAndLatin1_EscapedAsPythonsHtmlEscape()
    {
        // python3 -c "import html; print(html.escape('Invalid header name: \\'a<b>\\" & é\\u00a0'))"
        string body = System.Text.Encoding.Latin1.GetString(ErrorPage.Body("Bad Request", "Invalid header name: 'a<b>\" & é\u00a0"));

        Assert.Contains("    Invalid header name: &#x27;a&lt;b&gt;&quot; &amp; é\u00a0\n", body, StringComparison.Ordinal);
    }
}
