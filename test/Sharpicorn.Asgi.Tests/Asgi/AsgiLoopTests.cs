using System.Text;
using Sharpicorn.Asgi;

namespace Sharpicorn.Tests.Asgi;

public sealed class AsgiLoopTests
{
    [Fact]
    public void AcceptKey_Rfc6455Example_MatchesTheRfc()
    {
        // RFC 6455 section 1.3's worked example.
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", AsgiLoop.AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    [Fact]
    public void ErrorPage_Message_IsGunicornsPageEscaped()
    {
        string page = Encoding.Latin1.GetString(AsgiErrorPage.Body("Internal Server Error", "<a & 'b'>"));
        Assert.Equal("<html>\n  <head>\n    <title>Internal Server Error</title>\n  </head>\n  <body>\n    <h1><p>Internal Server Error</p></h1>\n    &lt;a &amp; &#x27;b&#x27;&gt;\n  </body>\n</html>\n", page);
    }

    [Fact]
    public void Support_Source_DefinesTheNativeHooks()
    {
        foreach (string name in new[] { "_drain", "_start", "_body", "_read", "_finish", "_ws", "_misc", "def serve(" })
        {
            Assert.Contains(name, AsgiSupport.Source, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DetectSource_DefinesIsAsgi_WithoutImportingAnything()
    {
        Assert.Contains("def is_asgi(", AsgiSupport.DetectSource, StringComparison.Ordinal);
        Assert.DoesNotContain("import ", AsgiSupport.DetectSource, StringComparison.Ordinal);
    }
}
