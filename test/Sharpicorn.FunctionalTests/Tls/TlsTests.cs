using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Tls;

/// <summary>TLS terminated by sharpicorn: real processes, certificates made by openssl in the test.</summary>
public sealed partial class TlsTests(TestPki pki) : IClassFixture<TestPki>
{
    private const int SIGHUP = 1;

    private ServerProcess Start(params string[] extra) => ServerProcess.Start(
        ["--python", Repo.DebianPython, "--certfile", pki.Path("server.pem"), "--keyfile", pki.Path("server.key"), .. extra, "wsgi_basic:app"]);

    private static JsonElement Environ(string reply) => JsonDocument.Parse(HttpReply.Parse(reply).Body).RootElement;

    private const string GetEnviron = "GET /environ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

    [Fact]
    public async Task Https_Get_UrlSchemeHttpsAndListeningLineSaysHttps()
    {
        using ServerProcess s = Start();
        JsonElement env = Environ(await TlsClient.ExchangeAsync(s.Port, pki, GetEnviron));
        Assert.Equal("https", env.GetProperty("wsgi.url_scheme").GetString());
        Assert.False(env.TryGetProperty("SSL_CLIENT_CERT", out _));
        Assert.Contains($"Listening at: https://127.0.0.1:{s.Port}", s.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Https_TwoRequestsOnOneConnection_BothServed()
    {
        using ServerProcess s = Start();
        string reply = await TlsClient.ExchangeAsync(s.Port, pki,
            "GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\nGET /pid HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal(2, StatusLine().Matches(reply).Count(m => m.Value == "HTTP/1.1 200 OK"));
    }

    [Fact]
    public async Task Https_ForwardedProtoHttpFromTrustedPeer_OverridesAsInGunicorn()
    {
        using ServerProcess s = Start();
        string reply = await TlsClient.ExchangeAsync(s.Port, pki, "GET /environ HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: http\r\nConnection: close\r\n\r\n");
        Assert.Equal("http", Environ(reply).GetProperty("wsgi.url_scheme").GetString());
    }

    [Theory]
    [InlineData("+5")]
    [InlineData("-5")]
    public async Task Https_ContentLengthNotDigits_Rejected400_SmuggledRequestNotServed(string value)
    {
        // The raw-head check (HeadScanner) sits above TLS: it sees the decrypted bytes.
        using ServerProcess s = Start();
        string reply = await TlsClient.ExchangeAsync(s.Port, pki,
            $"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {value}\r\n\r\nhelloGET /pid HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", reply, StringComparison.Ordinal);
        Assert.Single(StatusLine().Matches(reply));
    }

    [Fact]
    public async Task Https_ClientHalfClosesAfterRequest_StillGetsWholeResponse()
    {
        // FrontConnection (the FIN is not a disconnect) sits above TLS and still sees the socket.
        using ServerProcess s = Start();
        (SslStream ssl, X509Certificate2 server, System.Net.Sockets.Socket socket) = await TlsClient.ConnectAsync(s.Port, pki);
        using (server)
        await using (ssl)
        {
            await ssl.WriteAsync("GET /pid HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"u8.ToArray());
            await ssl.ShutdownAsync();
            socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            string reply = await TlsClient.ReadToCloseAsync(ssl);
            Assert.StartsWith("HTTP/1.1 200 OK\r\n", reply, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void PlainHttp_ToTlsPort_NoResponseAndAppNotCalled()
    {
        using ServerProcess s = Start("--log-level", "debug", "--access-logfile", "-");
        string reply = RawHttp.Exchange(s.Port, "GET /pid HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        Assert.Equal("", reply);
        s.WaitForLog("Invalid request from ip=127.0.0.1: http request");
        Assert.DoesNotContain("GET /pid", s.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mtls_CertReqs2_ClientFromCa_ServedWithCertificateInEnviron()
    {
        using ServerProcess s = Start("--cert-reqs", "2", "--ca-certs", pki.Path("ca.pem"));
        using X509Certificate2 client = pki.ClientCertificate("client");
        JsonElement env = Environ(await TlsClient.ExchangeAsync(s.Port, pki, GetEnviron, client));
        Assert.Equal(client.ExportCertificatePem() + "\n", env.GetProperty("SSL_CLIENT_CERT").GetString());
        Assert.Contains("CN=client one", env.GetProperty("SSL_CLIENT_S_DN").GetString(), StringComparison.Ordinal);
        Assert.Equal("CN=sharpicorn test CA", env.GetProperty("SSL_CLIENT_I_DN").GetString());
        Assert.Equal("SUCCESS", env.GetProperty("SSL_CLIENT_VERIFY").GetString());
    }

    [Fact]
    public async Task Mtls_CertReqs2_NoClientCertificate_NotServed()
    {
        using ServerProcess s = Start("--cert-reqs", "2", "--ca-certs", pki.Path("ca.pem"), "--access-logfile", "-");
        await AssertRefused(s.Port, null);
        Assert.DoesNotContain("GET /environ", s.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mtls_CertReqs2_ClientFromAnotherCa_NotServed()
    {
        using ServerProcess s = Start("--cert-reqs", "2", "--ca-certs", pki.Path("ca.pem"), "--access-logfile", "-");
        using X509Certificate2 stranger = pki.ClientCertificate("stranger");
        await AssertRefused(s.Port, stranger);
        Assert.DoesNotContain("GET /environ", s.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mtls_CertReqs1_NoClientCertificate_ServedWithoutOne()
    {
        using ServerProcess s = Start("--cert-reqs", "1", "--ca-certs", pki.Path("ca.pem"));
        JsonElement env = Environ(await TlsClient.ExchangeAsync(s.Port, pki, GetEnviron));
        Assert.Equal("https", env.GetProperty("wsgi.url_scheme").GetString());
        Assert.False(env.TryGetProperty("SSL_CLIENT_CERT", out _));
    }

    [Fact]
    public void Ciphers_ClientOffersOnlyExcludedSuite_HandshakeFails()
    {
        using ServerProcess s = Start("--ciphers", "ECDHE-RSA-AES256-GCM-SHA384");
        string connect = $"127.0.0.1:{s.Port}";
        (int allowed, string allowedOut) = TestPki.Run(pki.Dir, "s_client", "-connect", connect, "-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384", "-CAfile", "ca.pem");
        Assert.True(allowed == 0, allowedOut);
        Assert.Contains("ECDHE-RSA-AES256-GCM-SHA384", allowedOut, StringComparison.Ordinal);
        (int excluded, string excludedOut) = TestPki.Run(pki.Dir, "s_client", "-connect", connect, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-CAfile", "ca.pem");
        Assert.True(excluded != 0, excludedOut);
        Assert.Contains("handshake failure", excludedOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hup_CertificateFilesSwapped_NewConnectionSeesNewCertificate()
    {
        string dir = Directory.CreateTempSubdirectory("sharpicorn-tls-hup").FullName;
        try
        {
            string cert = Path.Combine(dir, "cert.pem"), key = Path.Combine(dir, "key.pem");
            File.Copy(pki.Path("server.pem"), cert);
            File.Copy(pki.Path("server.key"), key);
            using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--certfile", cert, "--keyfile", key, "wsgi_basic:app"]);
            Assert.Equal("CN=localhost", await ServerSubject(s.Port));

            File.Copy(pki.Path("renewed.pem"), cert, overwrite: true);
            File.Copy(pki.Path("renewed.key"), key, overwrite: true);
            s.Signal(SIGHUP);
            // The replacement has booted and the old worker has gone: only the new one accepts.
            s.WaitForLogCount("Booting worker with pid", 2);
            s.WaitForLogCount("Worker exiting", 1);

            Assert.Equal("O=Renewed, CN=localhost", await ServerSubject(s.Port));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Hup_MismatchedKeySwappedIn_OldWorkerKeepsServingOldCertificate()
    {
        string dir = Directory.CreateTempSubdirectory("sharpicorn-tls-hup").FullName;
        try
        {
            string cert = Path.Combine(dir, "cert.pem"), key = Path.Combine(dir, "key.pem");
            File.Copy(pki.Path("server.pem"), cert);
            File.Copy(pki.Path("server.key"), key);
            using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--certfile", cert, "--keyfile", key, "wsgi_basic:app"]);
            Assert.Equal("CN=localhost", await ServerSubject(s.Port));

            File.Copy(pki.Path("client.key"), key, overwrite: true);
            s.Signal(SIGHUP);
            s.WaitForLog($"Reloading the configuration failed, keeping the old workers: keyfile \"{key}\" does not match certfile \"{cert}\"");

            Assert.Equal("CN=localhost", await ServerSubject(s.Port));
            Assert.Equal(1, s.CountLog("Booting worker with pid"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Startup_MissingCertfile_Exit1WithGunicornsWords()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--certfile", "/nonexistent/cert.pem", "wsgi_basic:app"], waitReady: false);
        Assert.Equal(1, s.WaitForExit());
        Assert.Contains("Error: certfile \"/nonexistent/cert.pem\" does not exist", s.ErrorLog, StringComparison.Ordinal);
        Assert.DoesNotContain("Booting worker", s.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public void Startup_KeyOfAnotherCertificate_Exit1NamingTheFiles()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--certfile", pki.Path("server.pem"), "--keyfile", pki.Path("client.key"), "wsgi_basic:app"], waitReady: false);
        Assert.Equal(1, s.WaitForExit());
        Assert.Contains($"Error: keyfile \"{pki.Path("client.key")}\" does not match certfile \"{pki.Path("server.pem")}\"", s.ErrorLog, StringComparison.Ordinal);
        Assert.DoesNotContain("Booting worker", s.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public void Startup_SslVersion_WarnedAsDeprecated()
    {
        using ServerProcess s = Start("--ssl-version", "TLSv1_2");
        Assert.Contains("[WARNING] --ssl-version TLSv1_2 is deprecated and ignored", s.ErrorLog, StringComparison.Ordinal);
    }

    private async Task<string> ServerSubject(int port)
    {
        (SslStream ssl, X509Certificate2 server, _) = await TlsClient.ConnectAsync(port, pki);
        using (server)
        await using (ssl)
        {
            return server.Subject;
        }
    }

    /// <summary>The handshake fails, or (TLS 1.3 checks the client's certificate after the client's side is done) the connection ends without a response.</summary>
    private async Task AssertRefused(int port, X509Certificate2? client)
    {
        string reply;
        try
        {
            reply = await TlsClient.ExchangeAsync(port, pki, GetEnviron, client);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            return;
        }
        Assert.Equal("", reply);
    }

    [GeneratedRegex(@"HTTP/1\.1 \d{3} [A-Za-z ]+(?=\r\n)")]
    private static partial Regex StatusLine();
}
