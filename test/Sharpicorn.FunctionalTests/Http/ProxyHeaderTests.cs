using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>secure_scheme_headers from trusted front ends, and header_map for names with "_".</summary>
public sealed class ProxyHeaderTests(BasicServerFixture fx) : IClassFixture<BasicServerFixture>
{
    private static string Scheme(int port, string headers) =>
        JsonDocument.Parse(RawHttp.Get(port, "/environ", headers).Body).RootElement.GetProperty("wsgi.url_scheme").GetString()!;

    [Fact]
    public void ForwardedProto_FromLoopbackByDefault_Https()
    {
        Assert.Equal("https", Scheme(fx.Port, "X-Forwarded-Proto: https\r\n"));
        Assert.Equal("https", Scheme(fx.Port, "X-Forwarded-Ssl: on\r\n"));
        Assert.Equal("http", Scheme(fx.Port, "X-Forwarded-Proto: http\r\n"));
        Assert.Equal("http", Scheme(fx.Port, ""));
    }

    [Fact]
    public void ForwardedProto_Contradictory_Gunicorn400()
    {
        HttpReply r = HttpReply.Parse(RawHttp.Exchange(fx.Port, "GET /environ HTTP/1.1\r\nHost: t\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Ssl: off\r\n\r\n"));
        Assert.Equal(400, r.Status);
        Assert.Contains("Contradictory scheme headers", r.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void ForwardedProto_UntrustedPeer_Ignored()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--forwarded-allow-ips", "10.0.0.0/8", "wsgi_basic:app"]);
        Assert.Equal("http", Scheme(s.Port, "X-Forwarded-Proto: https\r\n"));
    }

    [Fact]
    public void HeaderMap_Refuse_400()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--header-map", "refuse", "wsgi_basic:app"]);
        Assert.Equal(400, HttpReply.Parse(RawHttp.Exchange(s.Port, "GET /environ HTTP/1.1\r\nHost: t\r\nX_Under: 1\r\n\r\n")).Status);
        Assert.Equal(200, RawHttp.Get(s.Port, "/environ").Status);
    }

    [Fact]
    public void HeaderMap_Dangerous_Kept()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--header-map", "dangerous", "wsgi_basic:app"]);
        JsonElement e = JsonDocument.Parse(RawHttp.Get(s.Port, "/environ", "X_Under: 1\r\n").Body).RootElement;
        Assert.Equal("1", e.GetProperty("HTTP_X_UNDER").GetString());
    }
}
