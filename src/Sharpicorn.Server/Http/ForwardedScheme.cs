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
    private readonly AddressAllowList _trusted;
    private readonly Dictionary<string, string> _headers;

    public ForwardedScheme(ServerSettings settings)
    {
        _headers = settings.SecureSchemeHeaders;
        _trusted = new AddressAllowList(settings.ForwardedAllowIps, "forwarded_allow_ips");
    }

    /// <summary>"https" or "http" (null when the headers contradict each other); <paramref name="connectionScheme"/> (the listener's own) when no trusted header says otherwise, as gunicorn lets a header override even its TLS.</summary>
    public string? Scheme(IHttpRequestFeature request, IPAddress? peer, string connectionScheme = "http")
    {
        if (_headers.Count == 0 || !_trusted.Allows(peer))
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

    /// <summary>Whether <paramref name="peer"/> is in forwarded_allow_ips (null, a unix-socket peer, always is).</summary>
    public bool Trusted(IPAddress? peer) => _trusted.Allows(peer);
}
