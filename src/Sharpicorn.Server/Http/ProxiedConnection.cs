using System.Net;

namespace Sharpicorn.Http;

/// <summary>
/// A connection feature the PROXY middleware sets once the header is read: what the header said,
/// and the peer the socket itself saw (the front end), which decides trust in forwarded headers
/// as gunicorn decides it. Requests find it through their feature collection.
/// </summary>
internal sealed class ProxiedConnection(ProxyHeader header, IPAddress? socketPeer)
{
    public ProxyHeader Header { get; } = header;

    /// <summary>
    /// gunicorn's proxy_environ keys: PROXY_PROTOCOL always; PROXY_ADDR and PROXY_PORT (the
    /// address the client reached) when the header gives one. REMOTE_ADDR and REMOTE_PORT come
    /// from the connection's RemoteEndPoint, which the middleware set.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environ { get; } = header.Destination is { } d
        ? [new("PROXY_PROTOCOL", header.Protocol ?? ""), new("PROXY_ADDR", d.Address.ToString()), new("PROXY_PORT", d.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))]
        : [new("PROXY_PROTOCOL", header.Protocol ?? "")];

    /// <summary>The socket's peer (null for a unix socket), not the client the header names.</summary>
    public IPAddress? SocketPeer { get; } = socketPeer;
}
