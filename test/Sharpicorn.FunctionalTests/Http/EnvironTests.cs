using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

public sealed class EnvironTests(BasicServerFixture fx) : IClassFixture<BasicServerFixture>
{
    private JsonElement Environ(string target, string extraHeaders = "")
    {
        HttpReply r = RawHttp.Get(fx.Port, target, extraHeaders);
        Assert.Equal(200, r.Status);
        return JsonDocument.Parse(r.Body).RootElement;
    }

    [Fact]
    public void Environ_PlainGet_HasEveryRequiredKey()
    {
        JsonElement e = Environ("/environ?a=b&c=%20");
        Assert.Equal("GET", e.GetProperty("REQUEST_METHOD").GetString());
        Assert.Equal("", e.GetProperty("SCRIPT_NAME").GetString());
        Assert.Equal("/environ", e.GetProperty("PATH_INFO").GetString());
        Assert.Equal("a=b&c=%20", e.GetProperty("QUERY_STRING").GetString());
        Assert.Equal("/environ?a=b&c=%20", e.GetProperty("RAW_URI").GetString());
        Assert.Equal("HTTP/1.1", e.GetProperty("SERVER_PROTOCOL").GetString());
        Assert.Equal("127.0.0.1", e.GetProperty("SERVER_NAME").GetString());
        Assert.Equal(fx.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), e.GetProperty("SERVER_PORT").GetString());
        Assert.Equal("127.0.0.1", e.GetProperty("REMOTE_ADDR").GetString());
        Assert.Matches("^[0-9]+$", e.GetProperty("REMOTE_PORT").GetString());
        Assert.Equal("test", e.GetProperty("HTTP_HOST").GetString());
        Assert.Equal("http", e.GetProperty("wsgi.url_scheme").GetString());
        Assert.Equal([1, 0], e.GetProperty("wsgi.version").EnumerateArray().Select(x => x.GetInt32()));
        Assert.True(e.GetProperty("wsgi.multithread").GetBoolean());
        Assert.False(e.GetProperty("wsgi.multiprocess").GetBoolean());
        Assert.False(e.GetProperty("wsgi.run_once").GetBoolean());
        Assert.True(e.GetProperty("wsgi.input_terminated").GetBoolean());
        Assert.StartsWith("sharpicorn/", e.GetProperty("SERVER_SOFTWARE").GetString(), StringComparison.Ordinal);
        Assert.Equal("InputStream", e.GetProperty("wsgi.input.type").GetString());
    }

    [Theory]
    [InlineData("/environ/caf%C3%A9", "/environ/caf\u00c3\u00a9")]
    [InlineData("/environ/a%2Fb", "/environ/a/b")]
    [InlineData("/environ/a%20b%", "/environ/a b%")]
    [InlineData("/environ/%zz", "/environ/%zz")]
    [InlineData("/environ/x?q=%2F#frag", "/environ/x")]
    public void PathInfo_PercentEncoded_DecodedToLatin1Bytes(string target, string expected)
    {
        JsonElement e = Environ(target);
        Assert.Equal(expected, e.GetProperty("PATH_INFO").GetString());
    }

    [Fact]
    public void PathInfo_AbsoluteFormTarget_UsesPathOnly()
    {
        JsonElement e = Environ("http://example.com/environ/abs?x=1");
        Assert.Equal("/environ/abs", e.GetProperty("PATH_INFO").GetString());
        Assert.Equal("x=1", e.GetProperty("QUERY_STRING").GetString());
    }

    [Fact]
    public void Headers_Repeated_JoinedWithComma()
    {
        JsonElement e = Environ("/environ", "X-Multi: a\r\nX-Multi: b\r\n");
        Assert.Equal("a,b", e.GetProperty("HTTP_X_MULTI").GetString());
    }

    [Fact]
    public void Headers_NameWithUnderscore_Dropped()
    {
        JsonElement e = Environ("/environ", "X_Under: 1\r\nX-Dash: 2\r\n");
        Assert.False(e.TryGetProperty("HTTP_X_UNDER", out _));
        Assert.Equal("2", e.GetProperty("HTTP_X_DASH").GetString());
    }

    [Fact]
    public void Headers_ContentTypeAndLength_HaveCgiNames()
    {
        string raw = RawHttp.Exchange(fx.Port, "POST /environ HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
        JsonElement e = JsonDocument.Parse(HttpReply.Parse(raw).Body).RootElement;
        Assert.Equal("text/plain", e.GetProperty("CONTENT_TYPE").GetString());
        Assert.Equal("3", e.GetProperty("CONTENT_LENGTH").GetString());
        Assert.False(e.TryGetProperty("HTTP_CONTENT_TYPE", out _));
        Assert.False(e.TryGetProperty("HTTP_CONTENT_LENGTH", out _));
    }

    [Fact]
    public void Headers_Latin1Value_ArrivesAsLatin1()
    {
        JsonElement e = Environ("/environ", "X-Latin: caf\u00e9\r\n");
        Assert.Equal("caf\u00e9", e.GetProperty("HTTP_X_LATIN").GetString());
    }

    [Fact]
    public void Protocol_Http10_ReportedAsSuch()
    {
        string raw = RawHttp.Exchange(fx.Port, "GET /environ HTTP/1.0\r\n\r\n");
        JsonElement e = JsonDocument.Parse(HttpReply.Parse(raw).Body).RootElement;
        Assert.Equal("HTTP/1.0", e.GetProperty("SERVER_PROTOCOL").GetString());
    }

    [Fact]
    public void Signals_PythonInstalledNoHandlers()
    {
        JsonElement e = JsonDocument.Parse(RawHttp.Get(fx.Port, "/signals").Body).RootElement;
        // None: "not installed from Python". A normal python3 reports default_int_handler for SIGINT.
        Assert.Equal("None", e.GetProperty("SIGINT").GetString());
        Assert.Equal("None", e.GetProperty("SIGTERM").GetString());
    }

    [Fact]
    public void Threads_RunOnSharpicornsPythonThreads_Not8MiBStarved()
    {
        HttpReply r = RawHttp.Get(fx.Port, "/recurse?8000");
        Assert.Equal(200, r.Status);
        Assert.Contains("\"depth\": 8000", r.Body, StringComparison.Ordinal);
    }
}

public sealed class ScriptNameTests : IDisposable
{
    private readonly ServerProcess _server = ServerProcess.Start(["--python", Repo.DebianPython, "wsgi_basic:app"], new Dictionary<string, string> { ["SCRIPT_NAME"] = "/prefix" });

    [Fact]
    public void ScriptName_FromEnvironment_StrippedFromPathInfo()
    {
        HttpReply r = RawHttp.Get(_server.Port, "/prefix/environ/x");
        JsonElement e = JsonDocument.Parse(r.Body).RootElement;
        Assert.Equal("/prefix", e.GetProperty("SCRIPT_NAME").GetString());
        Assert.Equal("/environ/x", e.GetProperty("PATH_INFO").GetString());
        Assert.False(e.GetProperty("wsgi.multithread").GetBoolean());
    }

    public void Dispose() => _server.Dispose();
}
