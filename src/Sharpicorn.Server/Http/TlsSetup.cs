// Design notes
// ------------
// Everything TLS needs is read from the files once per process: by the master, only to fail
// fast (a bad path or a mismatched key stops startup once, with gunicorn's exit code 1, instead
// of a worker respawn loop), and by every worker for real. A worker is a new process, so a HUP
// (which replaces every worker) serves whatever the files hold by then: that is the certificate
// reload. gunicorn builds its SSLContext from the same settings (sock.ssl_context).
//
// cert_reqs keeps Python's meaning: 0 asks for no client certificate; 1 asks, accepts a client
// without one, and verifies one that is sent; 2 requires one and verifies it. Verification
// trusts ca_certs only (Python's create_default_context(cafile=...) loads no system roots when
// a CA file is given, and none at all for CLIENT_AUTH without one, so cert_reqs 2 with no
// ca_certs accepts no client, there and here).
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Sharpicorn.Cli;
using Sharpicorn.Net;

namespace Sharpicorn.Http;

/// <summary>The TLS side of every listener, loaded from gunicorn's SSL settings.</summary>
internal sealed class TlsSetup : IDisposable
{
    /// <summary>The TLS client-authentication purpose (id-kp-clientAuth, RFC 5280 4.2.1.12), as OpenSSL's "sslclient" check.</summary>
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly X509Certificate2 _leaf;
    private readonly X509Certificate2Collection _chain;
    private readonly X509Certificate2Collection _trusted;

    private TlsSetup(X509Certificate2 leaf, X509Certificate2Collection chain, X509Certificate2Collection trusted, ClientCertificateMode clientCertificates, CipherSuitesPolicy? ciphers)
    {
        _leaf = leaf;
        _chain = chain;
        _trusted = trusted;
        ClientCertificates = clientCertificates;
        Ciphers = ciphers;
        Certificate = SslStreamCertificateContext.Create(leaf, chain, offline: true);
    }

    public SslStreamCertificateContext Certificate { get; }

    public ClientCertificateMode ClientCertificates { get; }

    /// <summary>Null for OpenSSL's default list.</summary>
    public CipherSuitesPolicy? Ciphers { get; }

    /// <summary>The server certificate's subject, for the log.</summary>
    public string Subject => _leaf.Subject;

    /// <summary>Reads and checks the files the settings name; null when TLS is off. Throws <see cref="TlsSetupException"/>.</summary>
    public static TlsSetup? Load(ServerSettings settings)
    {
        if (!settings.IsSsl)
        {
            return null;
        }
        string certFile = settings.CertFile ?? throw new TlsSetupException("keyfile is set but certfile is not: TLS needs the certificate too");
        string keyFile = settings.KeyFile ?? certFile;
        string keySetting = settings.KeyFile is null ? "certfile" : "keyfile";
        string certPem = ReadPem("certfile", certFile);
        string keyPem = settings.KeyFile is null ? certPem : ReadPem("keyfile", keyFile);

        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPem(certPem);
        }
        catch (CryptographicException e)
        {
            throw new TlsSetupException($"certfile \"{certFile}\" holds a malformed certificate: {e.Message}", e);
        }
        if (all.Count == 0)
        {
            throw new TlsSetupException($"certfile \"{certFile}\" holds no PEM certificate");
        }
        if (keyPem.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal) || keyPem.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
        {
            throw new TlsSetupException($"{keySetting} \"{keyFile}\" holds an encrypted private key, which sharpicorn cannot decrypt (gunicorn has no password setting either); write it out unencrypted with: openssl pkey -in {keyFile} -out KEY.pem");
        }
        if (!keyPem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new TlsSetupException(settings.KeyFile is null
                ? $"certfile \"{certFile}\" holds no private key and keyfile is not set"
                : $"keyfile \"{keyFile}\" holds no PEM private key");
        }
        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (CryptographicException e)
        {
            // The exception's own text is a bare resource key under Native AOT; this says it all.
            throw new TlsSetupException($"{keySetting} \"{keyFile}\" does not match certfile \"{certFile}\"", e);
        }
        var chain = new X509Certificate2Collection();
        for (int i = 1; i < all.Count; i++)
        {
            chain.Add(all[i]);
        }
        var trusted = new X509Certificate2Collection();
        if (settings.CaCerts is string caFile)
        {
            try
            {
                trusted.ImportFromPem(ReadPem("ca_certs", caFile));
            }
            catch (CryptographicException e)
            {
                throw new TlsSetupException($"ca_certs \"{caFile}\" holds a malformed certificate: {e.Message}", e);
            }
            if (trusted.Count == 0)
            {
                throw new TlsSetupException($"ca_certs \"{caFile}\" holds no PEM certificate");
            }
        }
        return new TlsSetup(leaf, chain, trusted, ClientMode(settings.CertReqs), CipherPolicy(settings.Ciphers));
    }

    /// <summary>gunicorn's cert_reqs (Python's ssl.CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED) as Kestrel's client certificate modes.</summary>
    public static ClientCertificateMode ClientMode(int certReqs) => certReqs switch
    {
        0 => ClientCertificateMode.NoCertificate,
        1 => ClientCertificateMode.AllowCertificate,
        2 => ClientCertificateMode.RequireCertificate,
        _ => throw new TlsSetupException($"cert_reqs: {certReqs} is not 0 (ssl.CERT_NONE), 1 (ssl.CERT_OPTIONAL) or 2 (ssl.CERT_REQUIRED)"),
    };

    /// <summary>An OpenSSL cipher list as the suites the system's OpenSSL selects for it; null (OpenSSL's default) when unset.</summary>
    public static CipherSuitesPolicy? CipherPolicy(string? ciphers)
    {
        if (ciphers is null)
        {
            return null;
        }
        List<(ushort Id, string Name)> suites;
        try
        {
            suites = OpenSslCipherList.Resolve(ciphers);
        }
        catch (FormatException e)
        {
            throw new TlsSetupException($"ciphers: '{ciphers}' selects no cipher suite ({e.Message})", e);
        }
        catch (PlatformNotSupportedException e)
        {
            throw new TlsSetupException($"ciphers: '{ciphers}' cannot be read: {e.Message}", e);
        }
        if (OperatingSystem.IsWindows())
        {
            throw new TlsSetupException($"ciphers: '{ciphers}' cannot be applied: Windows's TLS takes no per-server cipher list");
        }
        return new CipherSuitesPolicy(suites.Select(s => (TlsCipherSuite)s.Id));
    }

    /// <summary>The options for one connection's handshake.</summary>
    public SslServerAuthenticationOptions ServerOptions(List<SslApplicationProtocol>? alpn) => new()
    {
        ServerCertificateContext = Certificate,
        ClientCertificateRequired = ClientCertificates != ClientCertificateMode.NoCertificate,
        RemoteCertificateValidationCallback = ClientCertificates == ClientCertificateMode.NoCertificate ? null : ValidateClient,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        CipherSuitesPolicy = Ciphers,
        ApplicationProtocols = alpn,
    };

    /// <summary>Verifies a client certificate against ca_certs only; a client without one passes when cert_reqs is 1.</summary>
    internal bool ValidateClient(object sender, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return ClientCertificates == ClientCertificateMode.AllowCertificate;
        }
        if (_trusted.Count == 0)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        if (presented is not null)
        {
            // The intermediates the client sent (the first element is its own certificate).
            for (int i = 1; i < presented.ChainElements.Count; i++)
            {
                chain.ChainPolicy.ExtraStore.Add(presented.ChainElements[i].Certificate);
            }
        }
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    public void Dispose()
    {
        _leaf.Dispose();
        foreach (X509Certificate2 c in _chain)
        {
            c.Dispose();
        }
        foreach (X509Certificate2 c in _trusted)
        {
            c.Dispose();
        }
    }

    /// <summary>A PEM file's text; gunicorn's words when it does not exist.</summary>
    private static string ReadPem(string setting, string path)
    {
        if (!File.Exists(path))
        {
            throw new TlsSetupException($"{setting} \"{path}\" does not exist");
        }
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TlsSetupException($"{setting} \"{path}\" cannot be read: {e.Message}", e);
        }
    }
}
