using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Sharpicorn.Http;

/// <summary>What a finished handshake tells the HTTP layer: the client certificate (for environ) and the ALPN protocol (for Kestrel's HTTP/2 selection).</summary>
internal sealed class TlsClientFeature(SslStream ssl) : ITlsConnectionFeature, ITlsApplicationProtocolFeature
{
    public X509Certificate2? ClientCertificate { get; set; } = ssl.RemoteCertificate as X509Certificate2;

    public ReadOnlyMemory<byte> ApplicationProtocol { get; } = ssl.NegotiatedApplicationProtocol.Protocol;

    public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult(ClientCertificate);
}
