using Microsoft.AspNetCore.Http.Features;
using Sharpicorn.Cli;

namespace Sharpicorn.Http;

/// <summary>
/// forwarder_headers, as gunicorn applies it (message.py _apply_header_policy, wsgi.py create):
/// from a peer in forwarded_allow_ips, a header whose name has '_' and is listed (upper case, or
/// "*" for any) is exempt from header_map; a kept <c>SCRIPT_NAME</c> header replaces $SCRIPT_NAME.
/// </summary>
internal sealed class ForwarderHeaders(ServerSettings settings)
{
    private readonly HashSet<string> _names = new(settings.ForwarderHeaders, StringComparer.Ordinal);
    private readonly bool _any = settings.ForwarderHeaders.Contains("*");
    private readonly bool _dangerous = settings.HeaderMap == "dangerous";

    /// <summary>Whether a trusted forwarder may send <paramref name="name"/> despite its '_'.</summary>
    public bool Allows(string name) => _any || _names.Contains(name.ToUpperInvariant());

    /// <summary>The SCRIPT_NAME header's value when it reaches environ (trusted and listed, or header_map dangerous), else null.</summary>
    public string? ScriptName(IHttpRequestFeature request, bool trusted) =>
        (_dangerous || (trusted && Allows("SCRIPT_NAME"))) && request.Headers.TryGetValue("SCRIPT_NAME", out var v) && v.Count > 0
            ? v.Count == 1 ? v[0] : string.Join(',', v.ToArray())
            : null;
}
