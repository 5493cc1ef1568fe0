using System.Net;

namespace Sharpicorn.Http;

/// <summary>
/// What <see cref="ProxyHeaderParser"/> made of a connection's first bytes. <see cref="Version"/>
/// is 1 or 2 as soon as the signature is recognised (before the whole header is in), 0 while it
/// is not. <see cref="Source"/> is null for UNKNOWN, LOCAL and address families without an IP
/// address: the connection's own addresses stand, as the spec asks.
/// </summary>
internal readonly record struct ProxyHeader(ProxyParseStatus Status, int Version, int Length = 0, string? Protocol = null, IPEndPoint? Source = null, IPEndPoint? Destination = null, string? Error = null)
{
    public static ProxyHeader NeedMore(int version) => new(ProxyParseStatus.NeedMore, version);

    public static ProxyHeader Invalid(int version, string error) => new(ProxyParseStatus.Invalid, version, Error: error);
}
