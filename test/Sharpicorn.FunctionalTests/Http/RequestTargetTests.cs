using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>
/// Request targets sent as raw bytes (strings here are latin-1: one char per byte on the wire).
/// Non-ASCII bytes are served as PEP 3333 wants them; control bytes are refused, and what
/// follows a refused request is never answered.
/// </summary>
public sealed class RequestTargetTests(BasicServerFixture fx) : IClassFixture<BasicServerFixture>
{
    private JsonElement Environ(string rawTarget)
    {
        HttpReply r = HttpReply.Parse(RawHttp.Exchange(fx.Port, $"GET {rawTarget} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
        Assert.Equal(200, r.Status);
        return JsonDocument.Parse(r.Body).RootElement;
    }

    [Theory]
    // "café" as raw UTF-8 (C3 A9), as curl sends it.
    [InlineData("/environ/caf\u00c3\u00a9", "/environ/caf\u00c3\u00a9", "")]
    // A raw latin-1 byte, and raw bytes beside escapes of the same bytes.
    [InlineData("/environ/\u00e9", "/environ/\u00e9", "")]
    [InlineData("/environ/\u00c3\u00a9%C3%A9?q=\u00c3\u00a9&r=%C3%A9", "/environ/\u00c3\u00a9\u00c3\u00a9", "q=\u00c3\u00a9&r=%C3%A9")]
    // Every byte from 0x80 to 0xFF.
    [InlineData("/environ/\u0080\u00ff\u00a0\u00ad", "/environ/\u0080\u00ff\u00a0\u00ad", "")]
    public void RawNonAsciiTarget_Served_PathInfoIsTheBytesAsLatin1_RawUriAsSent(string target, string pathInfo, string query)
    {
        JsonElement e = Environ(target);
        Assert.Equal(pathInfo, e.GetProperty("PATH_INFO").GetString());
        Assert.Equal(target, e.GetProperty("RAW_URI").GetString());
        Assert.Equal(query, e.GetProperty("QUERY_STRING").GetString());
    }

    [Fact]
    public void RawNonAsciiTarget_Response_IsTheAppsExactly()
    {
        string reply = RawHttp.Exchange(fx.Port, "GET /caf\u00c3\u00a9 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        HttpReply r = HttpReply.Parse(reply);
        Assert.Equal("HTTP/1.1 404 Not Found", r.StatusLine);
        Assert.Equal("{\"error\": \"not found\", \"path\": \"/caf\\u00c3\\u00a9\"}", r.Body);
    }

    [Fact]
    public void RawNonAsciiTargets_KeptAlive_AfterBodies_EachServed_BodiesUntouched()
    {
        // Request lines follow a chunked body and a Content-Length body whose bytes look like a
        // non-ASCII request line: the bodies reach the app as sent, the request lines are served.
        const string lookalike = "GET /\u00c3\u00a9 HTTP/1.1\r\nX: y\r\n";
        string reply = RawHttp.Exchange(fx.Port,
            "GET /environ/\u00e9 HTTP/1.1\r\nHost: t\r\n\r\n"
            + $"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n{lookalike.Length:x}\r\n{lookalike}\r\n0\r\n\r\n"
            + "\r\nGET /environ/\u00e8 HTTP/1.1\r\nHost: t\r\n\r\n"
            + $"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {lookalike.Length}\r\n\r\n{lookalike}"
            + "GET /environ/\u00e7 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        string[] responses = reply.Split("HTTP/1.1 ", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, responses.Length);
        Assert.All(responses, r => Assert.StartsWith("200 OK\r\n", r, StringComparison.Ordinal));
        Assert.EndsWith("\r\n\r\n" + lookalike, responses[1], StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n" + lookalike, responses[3], StringComparison.Ordinal);
        string[] paths = [.. new[] { 0, 2, 4 }.Select(i => JsonDocument.Parse(responses[i][(responses[i].IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]).RootElement.GetProperty("RAW_URI").GetString()!)];
        Assert.Equal(["/environ/\u00e9", "/environ/\u00e8", "/environ/\u00e7"], paths);
    }

    [Theory]
    [InlineData("/a\u0001b", "'GET /a\\x01b HTTP/1.1'")]
    [InlineData("/a\u007fb", "'GET /a\\x7fb HTTP/1.1'")]
    [InlineData("/a\tb", "'GET /a\\tb HTTP/1.1'")]
    [InlineData("/\u00c3\u00a9\u0000", null)]
    public void ControlByteInTarget_Rejected400_NothingServed(string target, string? reprInPage)
    {
        string reply = RawHttp.Exchange(fx.Port, $"GET {target} HTTP/1.1\r\nHost: t\r\n\r\nGET /pid HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", reply, StringComparison.Ordinal);
        Assert.Equal(1, reply.Split("HTTP/1.1 ").Length - 1);
        if (reprInPage is not null)
        {
            // gunicorn's page for InvalidRequestLine (for a NUL, Kestrel's parser answers first, with an empty 400).
            HttpReply r = HttpReply.Parse(reply);
            Assert.Equal("close", r.Header("Connection"));
            string quoted = reprInPage.Replace("'", "&#x27;", StringComparison.Ordinal);
            Assert.Contains($"Invalid Request Line &#x27;Invalid HTTP request line: {quoted}&#x27;", r.Body, StringComparison.Ordinal);
        }
    }
}
