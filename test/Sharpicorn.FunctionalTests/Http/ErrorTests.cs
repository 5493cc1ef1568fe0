using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>App failures: gunicorn's 500 page and log line, or an aborted connection, and the server keeps serving.</summary>
public sealed class ErrorTests(BasicServerFixture fx) : IClassFixture<BasicServerFixture>
{
    /// <summary>gunicorn's util.write_error response for a 500, byte for byte (Date aside).</summary>
    private const string Gunicorn500Body = "<html>\n  <head>\n    <title>Internal Server Error</title>\n  </head>\n  <body>\n    <h1><p>Internal Server Error</p></h1>\n    \n  </body>\n</html>\n";

    private void AssertStillServing() => Assert.Equal("zz", RawHttp.Get(fx.Port, "/big?2").Body);

    private HttpReply Get500(string target)
    {
        HttpReply r = RawHttp.Get(fx.Port, target);
        Assert.Equal("HTTP/1.1 500 Internal Server Error", r.StatusLine);
        Assert.Equal(Gunicorn500Body, r.Body);
        Assert.Equal("close", r.Header("Connection"));
        Assert.Equal("text/html", r.Header("Content-Type"));
        return r;
    }

    [Fact]
    public void Raise_BeforeHeaders_Gunicorn500AndTraceback()
    {
        Get500("/raise");
        fx.Server.WaitForLog("[ERROR] Error handling request /raise\nTraceback (most recent call last):");
        fx.Server.WaitForLog("ValueError: boom before headers");
        AssertStillServing();
    }

    [Fact]
    public void Raise_AfterHeaders_ConnectionAborted()
    {
        string raw = RawHttp.Exchange(fx.Port, "GET /raise_after HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw, StringComparison.Ordinal);
        Assert.Contains("partial", raw, StringComparison.Ordinal);
        // The terminating chunk never comes: the client can tell the body is incomplete.
        Assert.DoesNotContain("0\r\n\r\n", raw, StringComparison.Ordinal);
        fx.Server.WaitForLog("RuntimeError: boom after headers");
        AssertStillServing();
    }

    [Fact]
    public void ExcInfo_BeforeHeadersSent_ReplacesResponse()
    {
        HttpReply r = RawHttp.Get(fx.Port, "/exc_info");
        Assert.Equal("HTTP/1.1 503 Service Unavailable", r.StatusLine);
        Assert.Null(r.Header("X-First"));
        Assert.Equal("replaced", r.Body);
    }

    [Fact]
    public void ExcInfo_AfterHeadersSent_ReraisedAndAborted()
    {
        string raw = RawHttp.Exchange(fx.Port, "GET /exc_info_late HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Contains("sent", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("never", raw, StringComparison.Ordinal);
        fx.Server.WaitForLog("KeyError: 'too late'");
    }

    [Fact]
    public void StartResponse_CalledTwice_AssertionError500()
    {
        Get500("/twice");
        fx.Server.WaitForLog("AssertionError: Response headers already set!");
    }

    [Theory]
    [InlineData("/bad_header_value", "Invalid HTTP Header: 'a\\r\\nSet-Cookie: evil=1'")]
    [InlineData("/bad_header_name", "Invalid HTTP header name: 'Bad Name'")]
    [InlineData("/bad_status", "Invalid status: '2000 OK\\r\\nX: y'")]
    public void HeaderInjection_Refused500NeverSent(string target, string logged)
    {
        HttpReply r = Get500(target);
        Assert.DoesNotContain("evil", r.Raw, StringComparison.Ordinal);
        Assert.DoesNotContain("X: y", r.Raw, StringComparison.Ordinal);
        fx.Server.WaitForLog(logged);
        AssertStillServing();
    }

    [Fact]
    public void Body_NotBytes_500()
    {
        Get500("/not_bytes");
        fx.Server.WaitForLog("AssertionError: a str, not bytes is not a byte");
    }

    [Fact]
    public void StartResponse_NeverCalled_500()
    {
        Get500("/no_start_response");
        fx.Server.WaitForLog("without calling start_response()");
    }

    [Fact]
    public void StaleInputAndStartResponse_FromEarlierRequest_Refused()
    {
        // One thread, so both requests run on the same Python thread and slot.
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "wsgi_basic:app"]);
        Assert.Equal(200, RawHttp.Get(s.Port, "/stash").Status);
        HttpReply r = HttpReply.Parse(RawHttp.Exchange(s.Port, "POST /use_stash HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecret"));
        Assert.Equal(200, r.Status);
        var e = System.Text.Json.JsonDocument.Parse(r.Body).RootElement;
        Assert.Equal("OSError: wsgi.input used outside of its request", e.GetProperty("read_error").GetString());
        Assert.Equal("RuntimeError: start_response() called outside of its request", e.GetProperty("start_response_error").GetString());
    }

    [Fact]
    public void WsgiErrors_Write_GoesToErrorLog()
    {
        Assert.Equal(200, RawHttp.Get(fx.Port, "/errors").Status);
        fx.Server.WaitForLog("message to wsgi.errors\n");
    }
}
