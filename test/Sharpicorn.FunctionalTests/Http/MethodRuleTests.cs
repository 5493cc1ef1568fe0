using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>gunicorn's default rule on request methods (no --permit-unconventional-http-method).</summary>
public sealed class MethodRuleTests(BasicServerFixture fx) : IClassFixture<BasicServerFixture>
{
    [Theory]
    [InlineData("get")]
    [InlineData("-bl")]
    [InlineData("G#T")]
    public void UnconventionalMethod_Default_GunicornsInvalidMethodPage(string method)
    {
        HttpReply r = HttpReply.Parse(RawHttp.Exchange(fx.Port, $"{method} /pid HTTP/1.1\r\nHost: t\r\n\r\n"));
        Assert.Equal(400, r.Status);
        Assert.Contains($"Invalid Method &#x27;Invalid HTTP method: &#x27;{method}&#x27;&#x27;", r.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void ConventionalCustomMethod_Default_Served()
    {
        Assert.Equal(200, HttpReply.Parse(RawHttp.Exchange(fx.Port, "M-SEARCH /pid HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")).Status);
    }
}
