using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Tls;

/// <summary>HTTP/2 negotiated by ALPN on a TLS listener (--http-protocols), with real curl and h2load.</summary>
public sealed class AlpnTests(TestPki pki) : IClassFixture<TestPki>
{
    private ServerProcess Start(string protocols) => ServerProcess.Start(
        ["--python", Repo.DebianPython, "--threads", "4", "--certfile", pki.Path("server.pem"), "--keyfile", pki.Path("server.key"),
         "--http-protocols", protocols, "h2_app:app"]);

    [Fact]
    public void Alpn_H2AndH1Offered_CurlNegotiatesH2_AppSeesHttp2OverHttps()
    {
        using ServerProcess s = Start("h2,h1");
        (int exit, string stdout, string stderr) = Run("curl", "-sS", "--max-time", "30", "--cacert", pki.Path("ca.pem"), "--http2",
            "-w", " %{http_version}", $"https://localhost:{s.Port}/proto");
        Assert.True(exit == 0, stderr);
        Assert.Equal("HTTP/2.0 https 2", stdout);
    }

    [Fact]
    public void Alpn_OnlyH1Offered_CurlAskingForH2GetsHttp11()
    {
        using ServerProcess s = Start("h1");
        (int exit, string stdout, string stderr) = Run("curl", "-sS", "--max-time", "30", "--cacert", pki.Path("ca.pem"), "--http2",
            "-w", " %{http_version}", $"https://localhost:{s.Port}/proto");
        Assert.True(exit == 0, stderr);
        Assert.Equal("HTTP/1.1 https 1.1", stdout);
    }

    [Fact]
    public void Alpn_H2load100ConcurrentStreamsOverTls_All200()
    {
        using ServerProcess s = Start("h2,h1");
        (int exit, string stdout, string stderr) = Run("h2load", "-n", "1000", "-c", "10", "-m", "10", $"https://localhost:{s.Port}/proto");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("Application protocol: h2", stdout, StringComparison.Ordinal);
        Assert.Contains("status codes: 1000 2xx, 0 3xx, 0 4xx, 0 5xx", stdout, StringComparison.Ordinal);
    }

    private static (int Exit, string Stdout, string Stderr) Run(string exe, params string[] args) => ClientTool.Run(exe, args);
}
