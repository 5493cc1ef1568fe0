using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>gunicorn's request limits and hostile clients, on raw bytes.</summary>
public sealed class LimitsTests(BasicServerFixture fx) : IClassFixture<BasicServerFixture>
{
    private static string GunicornError(int status, string reason, string message)
    {
        string body = $"<html>\n  <head>\n    <title>{reason}</title>\n  </head>\n  <body>\n    <h1><p>{reason}</p></h1>\n    {PythonHtmlEscape(message)}\n  </body>\n</html>\n";
        return $"HTTP/1.1 {status} {reason}\r\nContent-Length: {body.Length}\r\nConnection: close\r\nContent-Type: text/html\r\n";
    }

    // Python's html.escape, as gunicorn's util.write_error uses it.
    private static string PythonHtmlEscape(string s) =>
        s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&#x27;");

    private void AssertStillServing() => Assert.Equal("zz", RawHttp.Get(fx.Port, "/big?2").Body);

    [Fact]
    public void RequestLine_OverDefaultLimit_Gunicorn400()
    {
        string target = "/" + new string('a', 4094);
        HttpReply r = HttpReply.Parse(RawHttp.Exchange(fx.Port, $"GET {target} HTTP/1.1\r\nHost: t\r\n\r\n"));
        Assert.Equal(400, r.Status);
        Assert.Contains("Request Line is too large (4108 &gt; 4094)", r.Body, StringComparison.Ordinal);
        Assert.StartsWith(GunicornError(400, "Bad Request", "Request Line is too large (4108 > 4094)"), r.Raw.Replace(DateLine(r.Raw), "", StringComparison.Ordinal), StringComparison.Ordinal);
        AssertStillServing();
    }

    [Fact]
    public void RequestLine_AtLimit_Served()
    {
        // "GET " + target + " HTTP/1.1" is exactly 4094 bytes.
        string target = "/environ?" + new string('p', 4094 - 4 - 9 - 9);
        Assert.Equal(4094, 4 + target.Length + 9);
        Assert.Equal(200, RawHttp.Get(fx.Port, target).Status);
    }

    [Fact]
    public void HeaderField_OverDefaultSize_431()
    {
        HttpReply r = HttpReply.Parse(RawHttp.Exchange(fx.Port, $"GET / HTTP/1.1\r\nHost: t\r\nX-Big: {new string('b', 8190)}\r\n\r\n"));
        Assert.Equal("HTTP/1.1 431 Request Header Fields Too Large", r.StatusLine);
        AssertStillServing();
    }

    [Fact]
    public void HeaderFields_OverDefaultCount_431()
    {
        string headers = string.Concat(Enumerable.Range(0, 101).Select(i => $"X-H{i}: v\r\n"));
        HttpReply r = HttpReply.Parse(RawHttp.Exchange(fx.Port, $"GET / HTTP/1.1\r\nHost: t\r\n{headers}\r\n"));
        Assert.Equal(431, r.Status);
        AssertStillServing();
    }

    [Theory]
    [InlineData("GARBAGE\r\n\r\n")]
    [InlineData("\x00\x01\x02\xff\xfe\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: t\r\nX-Bel: a\u0007b\r\n\r\n")]
    [InlineData("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: a\r\nContent-Type: b\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")]
    public void Garbage_Rejected400_ServerSurvives(string request)
    {
        string raw = RawHttp.Exchange(fx.Port, request);
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", raw, StringComparison.Ordinal);
        AssertStillServing();
    }

    [Fact]
    public void Client_DisconnectsMidHeaders_ServerSurvives()
    {
        using (var c = new RawHttp(fx.Port))
        {
            c.Send("GET /big?2 HTTP/1.1\r\nHost: t\r\nX-Partial: ");
        }
        AssertStillServing();
    }

    [Fact]
    public void Client_DisconnectsMidBody_ServerSurvives()
    {
        using (var c = new RawHttp(fx.Port))
        {
            c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\nonly a few bytes");
        }
        AssertStillServing();
    }

    [Fact]
    public void Chunked_Malformed_RejectedAsInputError()
    {
        string raw = RawHttp.Exchange(fx.Port, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 4", raw, StringComparison.Ordinal);
        AssertStillServing();
    }

    private static string DateLine(string raw)
    {
        int i = raw.IndexOf("Date: ", StringComparison.Ordinal);
        return i < 0 ? "\0" : raw[i..(raw.IndexOf("\r\n", i, StringComparison.Ordinal) + 2)];
    }
}

public sealed class ConfiguredLimitsTests : IDisposable
{
    private readonly ServerProcess _server = ServerProcess.Start(["--python", Repo.DebianPython, "--limit-request-line", "100", "--limit-request-fields", "3", "--limit-request-field_size", "50", "wsgi_basic:app"]);

    [Fact]
    public void Limits_FromFlags_Enforced()
    {
        Assert.Equal(400, HttpReply.Parse(RawHttp.Exchange(_server.Port, $"GET /{new string('a', 90)} HTTP/1.1\r\nHost: t\r\n\r\n")).Status);
        Assert.Equal(431, HttpReply.Parse(RawHttp.Exchange(_server.Port, $"GET / HTTP/1.1\r\nHost: t\r\nX-A: {new string('a', 50)}\r\n\r\n")).Status);
        Assert.Equal(431, HttpReply.Parse(RawHttp.Exchange(_server.Port, "GET / HTTP/1.1\r\nHost: t\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n")).Status);
        Assert.Equal(200, RawHttp.Get(_server.Port, "/big?1").Status);
    }

    public void Dispose() => _server.Dispose();
}

public sealed class UnlimitedLimitsTests
{
    [Theory]
    [InlineData("--limit-request-field_size")]
    [InlineData("--limit-request-fields")]
    [InlineData("--limit-request-line")]
    [InlineData("--http2-max-header-list-size")]
    public void Limit_Zero_UnlimitedAndServing(string flag)
    {
        // gunicorn's 0 means unlimited; Kestrel's option validation used to stop every worker at
        // boot. A field over the default 8190 bytes is refused unless its own limit is the one lifted.
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, flag, "0", "wsgi_basic:app"]);
        Assert.Equal(200, RawHttp.Get(s.Port, "/environ").Status);
        HttpReply r = HttpReply.Parse(RawHttp.Exchange(s.Port, $"GET /environ HTTP/1.1\r\nHost: t\r\nX-Big: {new string('b', 20000)}\r\nConnection: close\r\n\r\n"));
        Assert.Equal(flag is "--limit-request-field_size" ? 200 : 431, r.Status);
    }
}
