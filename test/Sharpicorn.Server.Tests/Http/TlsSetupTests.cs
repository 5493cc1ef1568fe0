using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Sharpicorn.Cli;
using Sharpicorn.Http;

namespace Sharpicorn.Tests.Http;

/// <summary>The pure parts of TLS: cert_reqs, cipher lists, ALPN, and what a bad file is told.</summary>
public sealed class TlsSetupTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharpicorn-tls-unit").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(0, ClientCertificateMode.NoCertificate)]
    [InlineData(1, ClientCertificateMode.AllowCertificate)]
    [InlineData(2, ClientCertificateMode.RequireCertificate)]
    public void ClientMode_PythonCertReqs_KestrelMode(int certReqs, ClientCertificateMode mode) =>
        Assert.Equal(mode, TlsSetup.ClientMode(certReqs));

    [Fact]
    public void ClientMode_Three_RefusedNamingTheSetting() =>
        Assert.StartsWith("cert_reqs: 3 is not 0", Assert.Throws<TlsSetupException>(() => TlsSetup.ClientMode(3)).Message, StringComparison.Ordinal);

    [Fact]
    public void CipherPolicy_Unset_OpenSslDefault() => Assert.Null(TlsSetup.CipherPolicy(null));

    [Fact]
    public void CipherPolicy_OneTls12Suite_ThatSuiteAndTls13Defaults()
    {
        CipherSuitesPolicy policy = TlsSetup.CipherPolicy("ECDHE-RSA-AES256-GCM-SHA384")!;
        var suites = policy.AllowedCipherSuites!.ToList();
        Assert.Contains(TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, suites);
        Assert.DoesNotContain(TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, suites);
        // set_cipher_list leaves TLS 1.3 alone, in Python and here.
        Assert.Contains(TlsCipherSuite.TLS_AES_256_GCM_SHA384, suites);
    }

    [Fact]
    public void CipherPolicy_OpenSslExpression_ResolvedByOpenSsl()
    {
        var suites = TlsSetup.CipherPolicy("ECDHE+AESGCM:!ECDSA")!.AllowedCipherSuites!.ToList();
        Assert.Contains(TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, suites);
        Assert.DoesNotContain(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, suites);
        Assert.DoesNotContain(TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, suites);
    }

    [Fact]
    public void CipherPolicy_SelectsNothing_RefusedNamingTheSetting()
    {
        var e = Assert.Throws<TlsSetupException>(() => TlsSetup.CipherPolicy("NO-SUCH-CIPHER"));
        Assert.Equal("ciphers: 'NO-SUCH-CIPHER' selects no cipher suite (No cipher can be selected.)", e.Message);
    }

    [Fact]
    public void Alpn_Http1Only_Http11()
    {
        Assert.Equal([SslApplicationProtocol.Http11], TlsConnection.Alpn(HttpProtocols.Http1));
        Assert.Equal([SslApplicationProtocol.Http2, SslApplicationProtocol.Http11], TlsConnection.Alpn(HttpProtocols.Http1AndHttp2));
    }

    [Fact]
    public void Load_NoTls_Null() => Assert.Null(TlsSetup.Load(new ServerSettings()));

    [Fact]
    public void Load_MatchingPair_Loaded()
    {
        (string cert, string key) = Write("a", "CN=a");
        using TlsSetup tls = TlsSetup.Load(new ServerSettings { CertFile = cert, KeyFile = key })!;
        Assert.Equal("CN=a", tls.Subject);
        Assert.Equal(ClientCertificateMode.NoCertificate, tls.ClientCertificates);
    }

    [Fact]
    public void Load_KeyInCertfile_Loaded()
    {
        (string cert, string key) = Write("both", "CN=both");
        File.AppendAllText(cert, File.ReadAllText(key));
        using TlsSetup tls = TlsSetup.Load(new ServerSettings { CertFile = cert })!;
        Assert.Equal("CN=both", tls.Subject);
    }

    [Fact]
    public void Load_MissingCertfile_GunicornsWords()
    {
        var e = Assert.Throws<TlsSetupException>(() => TlsSetup.Load(new ServerSettings { CertFile = "/nonexistent/cert.pem" }));
        Assert.Equal("certfile \"/nonexistent/cert.pem\" does not exist", e.Message);
    }

    [Fact]
    public void Load_KeyOfAnotherCertificate_NamesBothFiles()
    {
        (string cert, _) = Write("a", "CN=a");
        (_, string otherKey) = Write("b", "CN=b");
        var e = Assert.Throws<TlsSetupException>(() => TlsSetup.Load(new ServerSettings { CertFile = cert, KeyFile = otherKey }));
        Assert.StartsWith($"keyfile \"{otherKey}\" does not match certfile \"{cert}\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EncryptedKey_RefusedWithHowTo()
    {
        (string cert, _) = Write("a", "CN=a");
        using RSA rsa = RSA.Create(2048);
        string encrypted = Path.Combine(_dir, "enc.key");
        File.WriteAllText(encrypted, rsa.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000)));
        var e = Assert.Throws<TlsSetupException>(() => TlsSetup.Load(new ServerSettings { CertFile = cert, KeyFile = encrypted }));
        Assert.StartsWith($"keyfile \"{encrypted}\" holds an encrypted private key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_KeyfileWithoutCertfile_Refused() =>
        Assert.StartsWith("keyfile is set but certfile is not", Assert.Throws<TlsSetupException>(() => TlsSetup.Load(new ServerSettings { KeyFile = "k.pem" })).Message, StringComparison.Ordinal);

    [Fact]
    public void Load_CaCertsWithoutCertificate_Refused()
    {
        (string cert, string key) = Write("a", "CN=a");
        string ca = Path.Combine(_dir, "ca.pem");
        File.WriteAllText(ca, "not a certificate\n");
        var e = Assert.Throws<TlsSetupException>(() => TlsSetup.Load(new ServerSettings { CertFile = cert, KeyFile = key, CaCerts = ca, CertReqs = 2 }));
        Assert.Equal($"ca_certs \"{ca}\" holds no PEM certificate", e.Message);
    }

    /// <summary>A self-signed certificate and its key as PEM files.</summary>
    private (string Cert, string Key) Write(string name, string subject)
    {
        using RSA rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using X509Certificate2 cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        string certPath = Path.Combine(_dir, name + ".pem"), keyPath = Path.Combine(_dir, name + ".key");
        File.WriteAllText(certPath, cert.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem() + "\n");
        return (certPath, keyPath);
    }
}
