using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Sharpicorn.Cli;

namespace Sharpicorn.Http;

/// <summary>
/// gunicorn's secure_scheme_headers: a trusted front end (forwarded_allow_ips; unix-socket
/// peers are always trusted) may say the original request was https. Headers that contradict
/// each other are the client's error, answered 400 as gunicorn's InvalidSchemeHeaders.
/// </summary>
internal sealed class ForwardedScheme
{
    private readonly bool _any;
    private readonly List<IPNetwork> _networks = [];
    private readonly Dictionary<string, string> _headers;

    public ForwardedScheme(ServerSettings settings)
    {
        _headers = settings.SecureSchemeHeaders;
        foreach (string part in settings.ForwardedAllowIps.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
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
                _networks.Add(new IPNetwork(ip, ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new FormatException($"forwarded_allow_ips: '{part}' is not an IP address or network");
            }
        }
    }

    /// <summary>"https" or "http" (null when the headers contradict each other); <paramref name="connectionScheme"/> (the listener's own) when no trusted header says otherwise, as gunicorn lets a header override even its TLS.</summary>
    public string? Scheme(IHttpRequestFeature request, IPAddress? peer, string connectionScheme = "http")
    {
        if (_headers.Count == 0 || !Trusted(peer))
        {
            return connectionScheme;
        }
        string? scheme = null;
        foreach ((string name, string secureValue) in _headers)
        {
            if (!request.Headers.TryGetValue(name, out StringValues value))
            {
                continue;
            }
            string s = string.Equals(value.ToString(), secureValue, StringComparison.Ordinal) ? "https" : "http";
            if (scheme is not null && scheme != s)
            {
                return null;
            }
            scheme = s;
        }
        return scheme ?? connectionScheme;
    }

    private bool Trusted(IPAddress? peer)
    {
        if (_any || peer is null)
        {
            return true;
        }
        if (peer.IsIPv4MappedToIPv6)
        {
            peer = peer.MapToIPv4();
        }
        foreach (IPNetwork n in _networks)
        {
            if (n.Contains(peer))
            {
                return true;
            }
        }
        return false;
    }
}
