using Sharpicorn.Wsgi;

namespace Sharpicorn.Tests.Wsgi;

/// <summary>The response head rules, with no Python and no Kestrel.</summary>
public sealed class ResponseHeadTests
{
    private static StartResponseArgs App(int status, long? length = null, string reason = "OK", bool close = false, bool server = false) =>
        new(status, reason, length, close, server);

    [Theory]
    [InlineData("GET", "HTTP/1.1", 200, 5L, "ContentLength")]
    [InlineData("GET", "HTTP/1.1", 200, null, "Chunked")]
    [InlineData("GET", "HTTP/1.0", 200, null, "CloseDelimited")]
    [InlineData("HEAD", "HTTP/1.1", 200, 5L, "NoBody")]
    [InlineData("head", "HTTP/1.1", 200, null, "NoBody")]
    [InlineData("GET", "HTTP/1.1", 204, null, "NoBody")]
    [InlineData("GET", "HTTP/1.1", 304, 5L, "NoBody")]
    [InlineData("GET", "HTTP/1.1", 101, null, "NoBody")]
    [InlineData("CONNECT", "HTTP/1.1", 200, 5L, "CloseDelimited")]
    [InlineData("CONNECT", "HTTP/1.1", 403, 5L, "ContentLength")]
    public void Decide_MethodStatusLength_Framing(string method, string protocol, int status, long? length, string expected)
    {
        var framing = Enum.Parse<ResponseFraming>(expected);
        ResponseHead head = ResponseHead.Decide(App(status, length), method, protocol, draining: false);
        Assert.Equal(framing, head.Framing);
        Assert.Equal(framing != ResponseFraming.NoBody, head.BodyAllowed);
    }

    [Fact]
    public void Decide_HeadWithLength_HeaderKeptBodyDropped()
    {
        ResponseHead head = ResponseHead.Decide(App(200, 10), "HEAD", "HTTP/1.1", draining: false);
        Assert.Equal((10L, 10L, false), (head.ContentLength, head.BodyLimit, head.BodyAllowed));
    }

    [Fact]
    public void Decide_ConnectTunnel_NoContentLengthHeaderButLengthStillBounds()
    {
        ResponseHead head = ResponseHead.Decide(App(200, 4), "CONNECT", "HTTP/1.1", draining: false);
        Assert.Null(head.ContentLength);
        Assert.Equal(4, head.BodyLimit);
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    public void Decide_AppCloseOrDraining_ConnectionClose(bool appClose, bool draining, bool close) =>
        Assert.Equal(close, ResponseHead.Decide(App(200, close: appClose), "GET", "HTTP/1.1", draining).ConnectionClose);

    [Theory]
    [InlineData(200, "OK", null)]
    [InlineData(404, "Not Found", null)]
    [InlineData(200, "Fine", "Fine")]
    [InlineData(404, "", "")]
    public void Decide_Reason_OnlyANonStandardOneIsSent(int status, string reason, string? sent) =>
        Assert.Equal(sent, ResponseHead.Decide(App(status, reason: reason), "GET", "HTTP/1.1", draining: false).ReasonPhrase);

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void Decide_AppServerHeader_OursOnlyWithout(bool appHasServer, bool ours) =>
        Assert.Equal(ours, ResponseHead.Decide(App(200, server: appHasServer), "GET", "HTTP/1.1", draining: false).AddServerHeader);

    [Fact]
    public void ErrorPage_AlwaysCloses_BodyWrittenByThePageItself()
    {
        ResponseHead head = ResponseHead.ErrorPage(500, "Internal Server Error", 141);
        Assert.Equal((500, true, false, 141L), (head.StatusCode, head.ConnectionClose, head.BodyAllowed, head.ContentLength));
    }
}
