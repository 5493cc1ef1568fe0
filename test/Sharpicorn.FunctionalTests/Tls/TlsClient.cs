using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Tls;

/// <summary>Raw bytes over TLS: what RawHttp does on a plain socket, plus the server certificate seen.</summary>
public static class TlsClient
{
    /// <summary>Connects, completes the handshake (trusting only <paramref name="pki"/>'s CA) and returns the stream and the server's certificate.</summary>
    public static async Task<(SslStream Stream, X509Certificate2 Server, Socket Socket)> ConnectAsync(int port, TestPki pki, X509Certificate2? clientCertificate = null)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        X509Certificate2? seen = null;
        var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        using var timeout = new CancellationTokenSource(ServerProcess.Patience);
        await ssl.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    seen = cert is null ? null : new X509Certificate2(cert);
                    return pki.Trusts(cert);
                },
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            },
            timeout.Token);
        return (ssl, seen!, tcp.Client);
    }

    /// <summary>Sends <paramref name="request"/> and returns everything until the server closes (the last request should say Connection: close).</summary>
    public static async Task<string> ExchangeAsync(int port, TestPki pki, string request, X509Certificate2? clientCertificate = null)
    {
        (SslStream ssl, X509Certificate2 server, _) = await ConnectAsync(port, pki, clientCertificate);
        using (server)
        await using (ssl)
        {
            await ssl.WriteAsync(Encoding.Latin1.GetBytes(request));
            return await ReadToCloseAsync(ssl);
        }
    }

    public static async Task<string> ReadToCloseAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(ServerProcess.Patience);
        var received = new MemoryStream();
        var buffer = new byte[16384];
        int n;
        while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
        {
            received.Write(buffer, 0, n);
        }
        return Encoding.Latin1.GetString(received.ToArray());
    }
}
