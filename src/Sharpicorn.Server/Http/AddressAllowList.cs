using System.Net;
using System.Net.Sockets;

namespace Sharpicorn.Http;

/// <summary>
/// gunicorn's address lists (forwarded_allow_ips, proxy_allow_ips): comma-separated addresses
/// and CIDR networks, or "*" for any. A peer with no IP address (a unix socket) is always
/// allowed, as gunicorn treats it.
/// </summary>
internal sealed class AddressAllowList
{
    private readonly bool _any;
    private readonly List<IPNetwork> _networks = [];

    public AddressAllowList(string list, string settingName)
    {
        foreach (string part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part == "*")
            {
                _any = true;
            }
            else if (IPNetwork.TryParse(part, out IPNetwork net))
            {
                _networks.Add(net);
            }
            else if (IPAddress.TryParse(part, out IPAddress? ip))
            {
                _networks.Add(new IPNetwork(ip, ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new FormatException($"{settingName}: '{part}' is not an IP address or network");
            }
        }
    }

    /// <summary>True for a peer in the list, and for a peer with no IP address (a unix socket).</summary>
    public bool Allows(IPAddress? peer) => peer is null || Contains(peer);

    /// <summary>True when <paramref name="address"/> is in the list ("*" holds every address).</summary>
    public bool Contains(IPAddress address)
    {
        if (_any)
        {
            return true;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            // A dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d; the list names it as a.b.c.d.
            address = address.MapToIPv4();
        }
        foreach (IPNetwork n in _networks)
        {
            if (n.Contains(address))
            {
                return true;
            }
        }
        return false;
    }
}
