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

    /// <summary>The socket's peer (null for a unix socket), not the client the header names.</summary>
    public IPAddress? SocketPeer { get; } = socketPeer;
}
