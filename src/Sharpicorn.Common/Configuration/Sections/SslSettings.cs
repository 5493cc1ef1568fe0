namespace Sharpicorn.Configuration.Sections;

/// <summary>
/// gunicorn's "SSL" section. TLS is terminated in each worker by Kestrel's connection pipeline
/// (Sharpicorn.Server/Http/TlsConnection), on every listener, as gunicorn's is_ssl does.
/// </summary>
internal static class SslSettings
{
    public static readonly Setting[] All =
    [
        new StringSetting
        {
            Name = "keyfile", Section = Section.Ssl, Flags = ["--keyfile"], Meta = "FILE",
            Help = "The TLS private key file (PEM).",
            Default = null, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.KeyFile = v, Get = s => s.KeyFile,
            Notes = "An encrypted key is refused at startup with a clear error (gunicorn has no password setting; Python would prompt on the terminal)",
        },
        new StringSetting
        {
            Name = "certfile", Section = Section.Ssl, Flags = ["--certfile"], Meta = "FILE",
            Help = "The TLS certificate file (PEM); further certificates in it are sent as the chain.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.CertFile = v, Get = s => s.CertFile,
            Notes = "The files are read and checked (key matches certificate) by the master before any worker starts, and read again by every new worker, so HUP picks up renewed certificates",
        },
        new StringSetting
        {
            Name = "ssl_version", Section = Section.Ssl, Flags = ["--ssl-version"],
            Help = "The TLS protocol version (deprecated and ignored, as in gunicorn 21+).",
            Default = "2", DefaultOrigin = "gunicorn's default, ssl.PROTOCOL_TLS",
            Status = SettingStatus.AcceptedWithWarning,
            Reason = "is deprecated and ignored, as gunicorn 21+ ignores it: TLS 1.2 and 1.3 are negotiated as the system's OpenSSL allows",
        },
        new IntSetting
        {
            Name = "cert_reqs", Section = Section.Ssl, Flags = ["--cert-reqs"],
            Help = "Whether a client certificate is required: 0 (ssl.CERT_NONE), 1 (ssl.CERT_OPTIONAL) or 2 (ssl.CERT_REQUIRED).",
            Default = 0, DefaultOrigin = "gunicorn's default, ssl.CERT_NONE",
            Set = (s, v) => s.CertReqs = v, Get = s => s.CertReqs,
            Validate = v => v <= 2 ? v : throw new SettingException($"invalid value for cert_reqs: {v} (choose from 0, 1, 2)"),
            Notes = "A client certificate is verified against --ca-certs only, never the system store; it is exposed to the app as SSL_CLIENT_CERT (PEM), SSL_CLIENT_S_DN, SSL_CLIENT_I_DN and SSL_CLIENT_M_SERIAL, as Apache's mod_ssl names them (gunicorn only offers the socket)",
        },
        new StringSetting
        {
            Name = "ca_certs", Section = Section.Ssl, Flags = ["--ca-certs"], Meta = "FILE",
            Help = "The CA certificates file (PEM) that client certificates are verified against.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.CaCerts = v, Get = s => s.CaCerts,
        },
        new BoolSetting
        {
            Name = "suppress_ragged_eofs", Section = Section.Ssl, Flags = ["--suppress-ragged-eofs"],
            Help = "Treat a TLS connection closed without close_notify as a clean end.",
            Default = true, DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.AcceptedWithWarning,
            Reason = "has no effect: Kestrel's TLS layer (.NET SslStream) always reads a close without close_notify as the end of the stream, and an unfinished request is then dropped either way",
        },
        new BoolSetting
        {
            Name = "do_handshake_on_connect", Section = Section.Ssl, Flags = ["--do-handshake-on-connect"],
            Help = "Do the TLS handshake as soon as a connection is accepted.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.DoHandshakeOnConnect = v ?? false, Get = s => s.DoHandshakeOnConnect,
            Notes = "Both values behave alike: the handshake always completes before the request is read, as in gunicorn's workers, which call do_handshake() themselves when this is False",
        },
        new StringSetting
        {
            Name = "ciphers", Section = Section.Ssl, Flags = ["--ciphers"],
            Help = "The TLS cipher suites, as an OpenSSL cipher list.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.Ciphers = v, Get = s => s.Ciphers,
            Notes = "The string is resolved by the system's OpenSSL itself (SSL_CTX_set_cipher_list, as Python's set_ciphers), so it means what it means to gunicorn; like there, it restricts TLS 1.2 and older suites and leaves TLS 1.3's alone. A string that selects no cipher stops startup",
        },
    ];
}
