using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

public sealed class ResponseTests(BasicServerFixture fx) : IClassFixture<BasicServerFixture>
{
    [Fact]
    public void Stream_FirstChunk_ArrivesBeforeGeneratorFinishes()
    {
        using var c = new RawHttp(fx.Port);
        c.Send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
        // The generator is blocked until /release is called, so this chunk was flushed on its own.
        string first = c.ReadUntil("first\n");
        Assert.Contains("Transfer-Encoding: chunked", first, StringComparison.Ordinal);
        Assert.Equal(200, RawHttp.Get(fx.Port, "/release").Status);
        string rest = c.ReadUntil("0\r\n\r\n");
        Assert.Contains("second\n", rest, StringComparison.Ordinal);
    }

    [Fact]
    public void Close_ClientDisconnectsMidResponse_CloseIsCalled()
    {
        using (var c = new RawHttp(fx.Port))
        {
            c.Send("GET /forever HTTP/1.1\r\nHost: t\r\n\r\n");
            c.ReadUntil("start");
        }
        HttpReply r = RawHttp.Get(fx.Port, "/closed");
        Assert.True(JsonDocument.Parse(r.Body).RootElement.GetProperty("closed").GetBoolean());
    }

    [Fact]
    public void Close_NormalCompletion_IsCalled()
    {
        HttpReply r = RawHttp.Get(fx.Port, "/closing");
        Assert.Equal("ab", r.Body);
        Assert.True(JsonDocument.Parse(RawHttp.Get(fx.Port, "/closed").Body).RootElement.GetProperty("closed").GetBoolean());
    }

    [Fact]
    public void Write_Callable_SendsBeforeReturnedBody()
    {
        HttpReply r = RawHttp.Get(fx.Port, "/write");
        Assert.Equal("written then returned", r.Body);
    }

    [Fact]
    public void FileWrapper_RegularFile_ServedWhole()
    {
        HttpReply r = RawHttp.Get(fx.Port, "/file?wsgi_basic.py");
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.Apps, "wsgi_basic.py"), System.Text.Encoding.Latin1), r.Body);
    }

    [Fact]
    public void FileWrapper_SeekedFile_ServedFromOffset()
    {
        HttpReply r = RawHttp.Get(fx.Port, "/file_offset");
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.Apps, "wsgi_basic.py"), System.Text.Encoding.Latin1)[10..], r.Body);
    }

    [Fact]
    public void FileWrapper_FileLikeWithoutFileno_Iterated()
    {
        Assert.Equal("from a BytesIO", RawHttp.Get(fx.Port, "/filelike").Body);
    }

    [Fact]
    public void Head_WithContentLength_HeadersOnly()
    {
        string raw = RawHttp.Exchange(fx.Port, "HEAD /big?100 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 100\r\n", raw, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", raw, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("204")]
    [InlineData("304")]
    public void NoBodyStatus_AppSendsBody_NothingSent(string code)
    {
        string raw = RawHttp.Exchange(fx.Port, $"GET /status/{code} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        Assert.StartsWith($"HTTP/1.1 {code} Custom Reason\r\n", raw, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("body that must not be sent", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("Transfer-Encoding", raw, StringComparison.Ordinal);
    }

    [Fact]
    public void ReasonPhrase_Custom_SentAsGiven()
    {
        string raw = RawHttp.Exchange(fx.Port, "GET /status/299 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 299 Custom Reason\r\n", raw, StringComparison.Ordinal);
    }

    [Fact]
    public void NoContentLength_Http11_Chunked()
    {
        HttpReply r = RawHttp.Get(fx.Port, "/chunked");
        Assert.Equal("chunked", r.Header("Transfer-Encoding"));
        Assert.Equal("onetwothree", r.Body);
    }

    [Fact]
    public void NoContentLength_Http10_ClosedNotChunked()
    {
        string raw = RawHttp.Exchange(fx.Port, "GET /chunked HTTP/1.0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("Transfer-Encoding", raw, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nonetwothree", raw, StringComparison.Ordinal);
    }

    [Fact]
    public void ContentLength_AppWritesMore_Truncated()
    {
        HttpReply r = RawHttp.Get(fx.Port, "/cl_short");
        Assert.Equal("5", r.Header("Content-Length"));
        Assert.Equal("01234", r.Body);
    }

    [Fact]
    public void Headers_Latin1Value_SentAsLatin1Byte()
    {
        string raw = RawHttp.Exchange(fx.Port, "GET /latin1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        Assert.Contains("X-Latin: caf\u00e9\r\n", raw, StringComparison.Ordinal);
    }

    [Fact]
    public void Headers_Repeated_EachSentOnItsOwnLine()
    {
        HttpReply r = RawHttp.Get(fx.Port, "/multi_header");
        Assert.Equal(["a=1", "b=2"], r.HeaderValues("Set-Cookie"));
    }

    [Fact]
    public void KeepAlive_TwoRequests_OneConnection()
    {
        using var c = new RawHttp(fx.Port);
        c.Send("GET /big?10 HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal("zzzzzzzzzz", c.ReadResponse().Body);
        c.Send("GET /big?3 HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal("zzz", c.ReadResponse().Body);
    }

    [Fact]
    public void Pipelined_TwoRequests_BothAnsweredInOrder()
    {
        using var c = new RawHttp(fx.Port);
        c.Send("GET /big?1 HTTP/1.1\r\nHost: t\r\n\r\nGET /big?2 HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal("z", c.ReadResponse().Body);
        Assert.Equal("zz", c.ReadResponse().Body);
    }

    [Fact]
    public void LargeBody_EightMegabytes_Complete()
    {
        HttpReply r = RawHttp.Get(fx.Port, "/big?8388608");
        Assert.Equal(8388608, r.Body.Length);
    }

    [Fact]
    public void ServerHeader_Present()
    {
        Assert.Equal("sharpicorn", RawHttp.Get(fx.Port, "/big?1").Header("Server"));
    }
}
