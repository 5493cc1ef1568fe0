using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>Request framing that proxies may read differently is refused, and what follows it is never answered.</summary>
public sealed class StrictParsingTests(BasicServerFixture fx) : IClassFixture<BasicServerFixture>
{
    [Theory]
    [InlineData("GET /pid HTTP/1.1\nHost: t\n\n")]
    [InlineData("GET /pid HTTP/1.1\r\nHost: t\n\r\n")]
    [InlineData("GET /pid HTTP/1.1\nHost: t\r\n\r\n")]
    public void BareLineFeed_Rejected400_NothingServed(string request)
    {
        // A second, well-formed request rides behind the bad one: it must never be answered.
        string reply = RawHttp.Exchange(fx.Port, request + "GET /pid HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", reply, StringComparison.Ordinal);
        Assert.Equal(1, CountStatusLines(reply));
        Assert.Equal(200, RawHttp.Get(fx.Port, "/pid").Status);
    }

    [Fact]
    public void CrLf_Served()
    {
        string reply = RawHttp.Exchange(fx.Port, "GET /pid HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", reply, StringComparison.Ordinal);
    }

    private static int CountStatusLines(string reply) =>
        reply.Split("HTTP/1.1 ", StringSplitOptions.None).Length - 1;
}
