// Design notes
// ------------
// RFC 7692's permessage-deflate, the server's half of the negotiation. The client lists offers
// in Sec-WebSocket-Extensions (comma-separated, each "permessage-deflate; param[=value]; ...");
// the server takes the first offer it can honour and answers with its parameters. What it may
// answer, per parameter (RFC 7692 7.1):
//   server_no_context_takeover  offered -> must be echoed (we then reset our deflater per message)
//   client_no_context_takeover  offered -> echoed (the client resets its deflater; we inflate either way)
//   server_max_window_bits=N    may be answered with any M <= N, or unasked; we answer min(N, 12)
//   client_max_window_bits[=N]  may be answered only if offered: min(N or 15, 12); never unasked
// 12 bits (4 KiB windows) is the websockets library's server default, which uvicorn serves with:
// a WebSocket then holds a few KiB of zlib state per direction instead of 32 KiB windows.
// .NET's deflater takes 9..15 bits, so an offer of server_max_window_bits=8 is declined (the
// next offer, or no compression); a client limited to 8 bits is inflated with a 9-bit window,
// which reads anything a smaller window wrote. An offer with an unknown, repeated or malformed
// parameter is declined, as the RFC requires.
using System.Globalization;
using System.Net.WebSockets;
using System.Text;

namespace Sharpicorn.Asgi;

/// <summary>The server side of RFC 7692's negotiation: the options for the socket and the header that says so.</summary>
internal sealed record PerMessageDeflate(WebSocketDeflateOptions Options, string ResponseHeader)
{
    /// <summary>The websockets library's server default (what uvicorn negotiates): 4 KiB windows.</summary>
    public const int PreferredWindowBits = 12;

    private const int MinDotnetWindowBits = 9;

    /// <summary>The first acceptable permessage-deflate offer among <paramref name="headerValues"/>, or null (no compression).</summary>
    public static PerMessageDeflate? Negotiate(IEnumerable<string?> headerValues)
    {
        foreach (string? value in headerValues)
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }
            foreach (string offer in SplitOutsideQuotes(value, ','))
            {
                if (Accept(offer) is { } accepted)
                {
                    return accepted;
                }
            }
        }
        return null;
    }

    private static PerMessageDeflate? Accept(string offer)
    {
        List<string> parts = SplitOutsideQuotes(offer, ';');
        if (parts.Count == 0 || !parts[0].Trim().Equals("permessage-deflate", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        bool serverNoContext = false, clientNoContext = false;
        int? serverBits = null;
        int? clientBits = null;
        bool clientBitsOffered = false;
        for (int i = 1; i < parts.Count; i++)
        {
            string p = parts[i].Trim();
            if (p.Length == 0)
            {
                return null;
            }
            int eq = p.IndexOf('=', StringComparison.Ordinal);
            string name = (eq < 0 ? p : p[..eq]).Trim().ToLowerInvariant();
            string? arg = eq < 0 ? null : Unquote(p[(eq + 1)..].Trim());
            switch (name)
            {
                case "server_no_context_takeover" when arg is null && !serverNoContext:
                    serverNoContext = true;
                    break;
                case "client_no_context_takeover" when arg is null && !clientNoContext:
                    clientNoContext = true;
                    break;
                case "server_max_window_bits" when serverBits is null && WindowBits(arg) is int s:
                    serverBits = s;
                    break;
                case "client_max_window_bits" when !clientBitsOffered && (arg is null || WindowBits(arg) is not null):
                    clientBitsOffered = true;
                    clientBits = arg is null ? null : WindowBits(arg);
                    break;
                default:
                    return null;
            }
        }
        int serverAnswer = Math.Min(serverBits ?? 15, PreferredWindowBits);
        if (serverAnswer < MinDotnetWindowBits)
        {
            return null;
        }
        int? clientAnswer = clientBitsOffered ? Math.Min(clientBits ?? 15, PreferredWindowBits) : null;

        var header = new StringBuilder("permessage-deflate");
        if (serverNoContext)
        {
            header.Append("; server_no_context_takeover");
        }
        if (clientNoContext)
        {
            header.Append("; client_no_context_takeover");
        }
        header.Append(CultureInfo.InvariantCulture, $"; server_max_window_bits={serverAnswer}");
        if (clientAnswer is int c)
        {
            header.Append(CultureInfo.InvariantCulture, $"; client_max_window_bits={c}");
        }
        var options = new WebSocketDeflateOptions
        {
            ServerMaxWindowBits = serverAnswer,
            ServerContextTakeover = !serverNoContext,
            // Unanswered, the client may use 15 bits; answered 8, a 9-bit window still reads it.
            ClientMaxWindowBits = Math.Max(clientAnswer ?? 15, MinDotnetWindowBits),
            ClientContextTakeover = !clientNoContext,
        };
        return new PerMessageDeflate(options, header.ToString());
    }

    /// <summary>RFC 7692's 1*DIGIT between 8 and 15, without leading zeroes.</summary>
    private static int? WindowBits(string? arg) =>
        arg is { Length: 1 or 2 } && arg[0] != '0' && int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out int bits) && bits is >= 8 and <= 15 ? bits : null;

    private static string Unquote(string s) => s.Length >= 2 && s[0] == '"' && s[^1] == '"' ? s[1..^1] : s;

    private static List<string> SplitOutsideQuotes(string s, char separator)
    {
        var parts = new List<string>();
        bool quoted = false;
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '"')
            {
                quoted = !quoted;
            }
            else if (s[i] == separator && !quoted)
            {
                parts.Add(s[start..i]);
                start = i + 1;
            }
        }
        parts.Add(s[start..]);
        return parts;
    }
}
