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

    [Theory]
    [InlineData("+5")]
    [InlineData("-0")]
    [InlineData("+0")]
    [InlineData("+05")]
    [InlineData("\v5")]
    [InlineData("5\f")]
    [InlineData("5,5")]
    [InlineData("5 5")]
    [InlineData("0x5")]
    [InlineData("-5")]
    public void ContentLength_NotDigits_Rejected400_NothingServed(string value)
    {
        // If "+5" were read as 5, "hello" would be the body and the GET a second request.
        string reply = RawHttp.Exchange(fx.Port, $"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {value}\r\n\r\nhelloGET /pid HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", reply, StringComparison.Ordinal);
        Assert.Equal(1, CountStatusLines(reply));
    }

    [Fact]
    public void ContentLength_SignedAfterValidKeptAliveRequest_Rejected400()
    {
        string reply = RawHttp.Exchange(fx.Port, "GET /pid HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: +5\r\n\r\nhelloGET /pid HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", reply, StringComparison.Ordinal);
        Assert.Contains("HTTP/1.1 400 Bad Request\r\n", reply, StringComparison.Ordinal);
        Assert.Equal(2, CountStatusLines(reply));
    }

    [Theory]
    [InlineData("5")]
    [InlineData(" 5")]
    [InlineData("5 ")]
    [InlineData("\t5\t")]
    [InlineData("005")]
    public void ContentLength_DigitsWithOptionalWhitespace_Served(string value)
    {
        string reply = RawHttp.Exchange(fx.Port, $"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {value}\r\nConnection: close\r\n\r\nhello");
        HttpReply r = HttpReply.Parse(reply);
        Assert.Equal(200, r.Status);
        Assert.Equal("hello", r.Body);
    }

    [Theory]
    [InlineData("Content-Length: 25\r\n\r\nx\r\nContent-Length: +5\r\n\r\n")]
    [InlineData("Content-Length: 23\r\n\r\nx\r\nContent-Length: +5\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\n\r\n17\r\nx\r\nContent-Length: +5\r\n\r\n0\r\n\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\n\r\n15\r\nx\r\nContent-Length: +5\r\n0\r\n\r\n")]
    public void ContentLength_SignedLineInsideABody_NextRequestServed(string framingAndBody)
    {
        // Body bytes that look like a bad header line are not a head: both requests are answered.
        string reply = RawHttp.Exchange(fx.Port, $"POST /echo HTTP/1.1\r\nHost: t\r\n{framingAndBody}POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", reply, StringComparison.Ordinal);
        Assert.Equal(2, CountStatusLines(reply));
        Assert.EndsWith("\r\n\r\nok", reply, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n")]
    [InlineData("Content-Length: +3\r\nTransfer-Encoding: chunked\r\n")]
    public void ContentLengthWithChunked_Rejected400AsGunicorn_NothingServed(string framing)
    {
        // CL.TE: a proxy that frames by the length would see "0\r\n\r\n" start the next request.
        string reply = RawHttp.Exchange(fx.Port, $"POST /echo HTTP/1.1\r\nHost: t\r\n{framing}\r\n0\r\n\r\nGET /pid HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", reply, StringComparison.Ordinal);
        Assert.Contains("Invalid HTTP Header: &#x27;CONTENT-LENGTH&#x27;", reply, StringComparison.Ordinal);
        Assert.Equal(1, CountStatusLines(reply));
        Assert.Equal(200, RawHttp.Get(fx.Port, "/pid").Status);
    }

    [Fact]
    public void Chunked_AfterAKeptAliveContentLengthRequest_Served()
    {
        // A length line in an earlier head is not this head's.
        string reply = RawHttp.Exchange(fx.Port, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nokPOST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nhi\r\n0\r\n\r\n");
        Assert.Equal(2, CountStatusLines(reply));
        Assert.DoesNotContain("400 Bad Request", reply, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nhi", reply, StringComparison.Ordinal);
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
