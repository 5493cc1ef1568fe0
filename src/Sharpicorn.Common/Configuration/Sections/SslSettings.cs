namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "SSL" section: all refused until sharpicorn terminates TLS itself.</summary>
internal static class SslSettings
{
    private const string Tls = "TLS is not supported yet";
    private const string TlsInstead = "Terminate TLS in a proxy (nginx, a load balancer) in front of sharpicorn";

    public static readonly Setting[] All =
    [
        new StringSetting
        {
            Name = "keyfile", Section = Section.Ssl, Flags = ["--keyfile"], Meta = "FILE",
            Help = "The TLS private key file.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused, Planned = true, Reason = Tls, Instead = TlsInstead,
        },
        new StringSetting
        {
            Name = "certfile", Section = Section.Ssl, Flags = ["--certfile"], Meta = "FILE",
            Help = "The TLS certificate file.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused, Planned = true, Reason = Tls, Instead = TlsInstead,
        },
        new IntSetting
        {
            Name = "ssl_version", Section = Section.Ssl, Flags = ["--ssl-version"],
            Help = "The TLS protocol version (deprecated in gunicorn).",
            Default = 2, DefaultOrigin = "gunicorn's default, ssl.PROTOCOL_TLS",
            Status = SettingStatus.Refused, Planned = true, Reason = Tls, Instead = TlsInstead,
        },
        new IntSetting
        {
            Name = "cert_reqs", Section = Section.Ssl, Flags = ["--cert-reqs"],
            Help = "Whether a client certificate is required (ssl.CERT_NONE, _OPTIONAL or _REQUIRED).",
            Default = 0, DefaultOrigin = "gunicorn's default, ssl.CERT_NONE",
            Status = SettingStatus.Refused, Planned = true, Reason = Tls, Instead = TlsInstead,
        },
        new StringSetting
        {
            Name = "ca_certs", Section = Section.Ssl, Flags = ["--ca-certs"], Meta = "FILE",
            Help = "The CA certificates file.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused, Planned = true, Reason = Tls, Instead = TlsInstead,
        },
        new BoolSetting
        {
            Name = "suppress_ragged_eofs", Section = Section.Ssl, Flags = ["--suppress-ragged-eofs"],
            Help = "Treat a TLS connection closed without close_notify as a clean end.",
            Default = true, DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused, Planned = true, Reason = Tls, Instead = TlsInstead,
        },
        new BoolSetting
        {
            Name = "do_handshake_on_connect", Section = Section.Ssl, Flags = ["--do-handshake-on-connect"],
            Help = "Do the TLS handshake as soon as a connection is accepted.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused, Planned = true, Reason = Tls, Instead = TlsInstead,
        },
        new StringSetting
        {
            Name = "ciphers", Section = Section.Ssl, Flags = ["--ciphers"],
            Help = "The TLS cipher suites, as an OpenSSL cipher list.",
            Default = null, DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused, Planned = true, Reason = Tls, Instead = TlsInstead,
        },
    ];
}
