// Design notes
// ------------
// forwarded_remote_addr (sharpicorn's own; off by default): behind a trusted front end
// (forwarded_allow_ips, the list gunicorn already uses for the scheme headers; unix-socket
// peers are trusted), REMOTE_ADDR becomes the client the front end names, as waitress
// (trusted_proxy_headers) and uvicorn (--proxy-headers) do.
//
// The setting names ONE header, X-Forwarded-For or Forwarded (RFC 7239), never both: a front
// end manages one of them (appends to it, or replaces it), and a client can send the other
// verbatim through it. Reading both would let the client pick its own address.
//
// Which hop is the client: every proxy appends the address it received the connection from,
// so the list reads oldest to newest and only its right end was written by our own proxies.
// It is walked from the right, skipping addresses in forwarded_allow_ips (our own proxies);
// the first address that is not is the client (uvicorn's rule). If every hop is trusted the
// leftmost is taken, as uvicorn does ("*" trusts everything, so it always means the leftmost,
// which the client wrote). A hop that is not an IP address ("unknown", an obfuscated
// "_name", a missing for=, garbage) ends the walk with no answer: nothing to the left of it can
// be trusted, and the peer's own address stays. A Forwarded header that is not RFC 7239
// syntax is ignored as a whole, not answered 400: it may come from a client through a proxy
// that does not check it.
//
// REMOTE_PORT is the hop's port when it gives one (Forwarded's "[v6]:port" and "a.b.c.d:port",
// or the same forms some proxies put in X-Forwarded-For), else 0 (uvicorn's choice).
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Primitives;
using Sharpicorn.Cli;

namespace Sharpicorn.Http;

/// <summary>REMOTE_ADDR and REMOTE_PORT from X-Forwarded-For or Forwarded (RFC 7239) for a trusted peer.</summary>
internal sealed class ForwardedClient(AddressAllowList trusted, bool rfc7239)
{
    /// <summary>The rewrite forwarded_remote_addr asks for, or null when it is off.</summary>
    public static ForwardedClient? Create(ServerSettings settings) => settings.ForwardedRemoteAddr switch
    {
        "x-forwarded-for" => new ForwardedClient(new AddressAllowList(settings.ForwardedAllowIps, "forwarded_allow_ips"), rfc7239: false),
        "forwarded" => new ForwardedClient(new AddressAllowList(settings.ForwardedAllowIps, "forwarded_allow_ips"), rfc7239: true),
        _ => null,
    };

    public string HeaderName => rfc7239 ? "Forwarded" : "X-Forwarded-For";

    /// <summary>The client the header names, or null to keep the peer's address (untrusted peer, no header, no usable hop).</summary>
    public IPEndPoint? Client(StringValues header, IPAddress? peer)
    {
        if (header.Count == 0 || !trusted.Allows(peer))
        {
            return null;
        }
        List<IPEndPoint?>? hops = rfc7239 ? ParseForwarded(header) : ParseXForwardedFor(header);
        return hops is null ? null : Pick(hops, trusted);
    }

    /// <summary>The rightmost hop not in <paramref name="trusted"/>; the leftmost when all are; null at a hop that is not an address.</summary>
    public static IPEndPoint? Pick(IReadOnlyList<IPEndPoint?> hops, AddressAllowList trusted)
    {
        for (int i = hops.Count - 1; i >= 0; i--)
        {
            if (hops[i] is not { } hop)
            {
                return null;
            }
            if (!trusted.Contains(hop.Address))
            {
                return hop;
            }
        }
        return hops.Count > 0 ? hops[0] : null;
    }

    /// <summary>X-Forwarded-For's hops, oldest first (repeated header lines join in order); null entries are not addresses.</summary>
    public static List<IPEndPoint?> ParseXForwardedFor(StringValues values)
    {
        var hops = new List<IPEndPoint?>();
        foreach (string? value in values)
        {
            foreach (string part in (value ?? "").Split(','))
            {
                hops.Add(ParseNode(part.Trim(' ', '\t'), bracketsRequired: false));
            }
        }
        return hops;
    }

    /// <summary>Forwarded's for= hops, oldest first; null when the header is not RFC 7239 syntax.</summary>
    public static List<IPEndPoint?>? ParseForwarded(StringValues values)
    {
        var hops = new List<IPEndPoint?>();
        foreach (string? value in values)
        {
            if (!ParseForwardedLine(value ?? "", hops))
            {
                return null;
            }
        }
        return hops;
    }

    /// <summary>forwarded-element *( OWS "," OWS forwarded-element ); each element's pairs split by ";".</summary>
    private static bool ParseForwardedLine(string s, List<IPEndPoint?> hops)
    {
        int i = 0;
        while (true)
        {
            SkipSpace(s, ref i);
            string? forValue = null;
            bool any = false;
            // One element: [pair] *( ";" [pair] ).
            while (i < s.Length && s[i] != ',')
            {
                if (s[i] == ';')
                {
                    i++;
                    SkipSpace(s, ref i);
                    continue;
                }
                int nameStart = i;
                while (i < s.Length && IsTokenChar(s[i]))
                {
                    i++;
                }
                if (i == nameStart || i >= s.Length || s[i] != '=')
                {
                    return false;
                }
                string name = s[nameStart..i];
                i++;
                if (!TryValue(s, ref i, out string? v))
                {
                    return false;
                }
                if (string.Equals(name, "for", StringComparison.OrdinalIgnoreCase))
                {
                    if (forValue is not null)
                    {
                        // RFC 7239 4: a parameter MUST NOT occur more than once per element.
                        return false;
                    }
                    forValue = v;
                }
                any = true;
                SkipSpace(s, ref i);
                if (i < s.Length && s[i] is not (';' or ','))
                {
                    return false;
                }
            }
            if (any)
            {
                hops.Add(forValue is null ? null : ParseNode(forValue, bracketsRequired: true));
            }
            if (i >= s.Length)
            {
                return true;
            }
            i++; // the comma
        }
    }

    /// <summary>A token or a quoted-string (backslash escapes undone).</summary>
    private static bool TryValue(string s, ref int i, out string? value)
    {
        value = null;
        if (i < s.Length && s[i] == '"')
        {
            var sb = new StringBuilder();
            for (i++; i < s.Length; i++)
            {
                char c = s[i];
                if (c == '"')
                {
                    i++;
                    value = sb.ToString();
                    return true;
                }
                if (c == '\\')
                {
                    if (++i >= s.Length)
                    {
                        return false;
                    }
                    c = s[i];
                }
                sb.Append(c);
            }
            return false; // unterminated
        }
        int start = i;
        // Leniently wider than a token: "for=192.0.2.1:80" unquoted is a common mistake, and ':' cannot confuse the split.
        while (i < s.Length && s[i] is not (';' or ',' or ' ' or '\t' or '"'))
        {
            i++;
        }
        value = s[start..i];
        return i > start;
    }

    /// <summary>
    /// A node: IPv4 [":" port], "[" IPv6 "]" [":" port], or (X-Forwarded-For only) a bare IPv6 address.
    /// null for anything else: "unknown", an obfuscated "_name", an empty entry, garbage.
    /// </summary>
    public static IPEndPoint? ParseNode(string node, bool bracketsRequired)
    {
        string host = node, port = "";
        if (node.StartsWith('['))
        {
            int close = node.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return null;
            }
            host = node[1..close];
            string rest = node[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    return null;
                }
                port = rest[1..];
            }
            if (!host.Contains(':', StringComparison.Ordinal))
            {
                return null; // brackets are for IPv6 only
            }
        }
        else
        {
            int colon = node.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0 && colon == node.LastIndexOf(':'))
            {
                host = node[..colon];
                port = node[(colon + 1)..];
            }
            else if (colon >= 0 && bracketsRequired)
            {
                return null; // RFC 7239 6.1: an IPv6 node is always bracketed
            }
        }
        if (!TryStrictAddress(host, out IPAddress? address))
        {
            return null;
        }
        int portNumber = 0;
        if (port.Length > 0 && !port.StartsWith('_'))
        {
            // An obfuscated port ("_abc") says there is one without saying which: 0, as with none.
            if (port.Length > 5 || port.AsSpan().IndexOfAnyExceptInRange('0', '9') >= 0
                || !int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out portNumber) || portNumber > 65535)
            {
                return null;
            }
        }
        return new IPEndPoint(address, portNumber);
    }

    /// <summary>A dotted quad (no leading zeros: .NET would read them as octal) or IPv6 text; nothing else IPAddress.Parse would take ("1", "0x7f.1", a %scope).</summary>
    private static bool TryStrictAddress(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (text.Length == 0 || text.AsSpan().IndexOfAnyExcept("0123456789abcdefABCDEF:.") >= 0)
        {
            return false;
        }
        if (!text.Contains(':', StringComparison.Ordinal))
        {
            string[] octets = text.Split('.');
            if (octets.Length != 4 || octets.Any(o => o.Length is 0 or > 3 || (o.Length > 1 && o[0] == '0') || o.AsSpan().IndexOfAnyExceptInRange('0', '9') >= 0))
            {
                return false;
            }
        }
        return IPAddress.TryParse(text, out address) && address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6;
    }

    private static void SkipSpace(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t')
        {
            i++;
        }
    }

    /// <summary>RFC 9110's tchar.</summary>
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
