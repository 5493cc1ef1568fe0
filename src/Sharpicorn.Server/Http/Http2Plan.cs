using Microsoft.AspNetCore.Server.Kestrel.Core;
using Sharpicorn.Cli;

namespace Sharpicorn.Http;

/// <summary>What gunicorn's http_protocols and http2_cleartext mean for one worker's listeners (a pure function of the settings).</summary>
internal sealed record Http2Plan(HttpProtocols Protocols, bool PriorKnowledge, bool UpgradeIgnored, bool SyncFallback)
{
    /// <summary>gunicorn's sync worker's warning, word for word (workers/sync.py).</summary>
    public const string SyncWarning = "HTTP/2 is not supported by the sync worker. Use gthread, gevent, or asgi workers for HTTP/2 support. Falling back to HTTP/1.1 only.";

    /// <summary>sharpicorn's own: Kestrel has no h2c upgrade.</summary>
    public const string UpgradeWarning = "http2_cleartext: 'Upgrade: h2c' is not supported; such requests are answered over HTTP/1.1 (prior knowledge works)";

    /// <param name="settings">The validated settings.</param>
    /// <param name="tls">Whether the listeners terminate TLS (then h2 is negotiated by ALPN and http2_cleartext is ignored, as in gunicorn).</param>
    /// <param name="asgi">An ASGI worker: gunicorn 26's asgi class, which serves HTTP/2 whatever -k said (an ASGI app under the default sync class is detected, not a sync worker).</param>
    public static Http2Plan For(ServerSettings settings, bool tls, bool asgi = false)
    {
        bool h1 = settings.HttpProtocols.Contains("h1");
        bool h2 = settings.HttpProtocols.Contains("h2");
        if (h2 && !asgi && AcceptGate.IsSync(settings))
        {
            // gunicorn's sync worker serves HTTP/1.1 only, whatever http_protocols says.
            return new(HttpProtocols.Http1, false, false, true);
        }
        if (tls)
        {
            // ALPN offers what is listed; h3 alone (gunicorn accepts it, nothing serves it) leaves h1.
            HttpProtocols offered = (h1 ? HttpProtocols.Http1 : HttpProtocols.None) | (h2 ? HttpProtocols.Http2 : HttpProtocols.None);
            return new(offered == HttpProtocols.None ? HttpProtocols.Http1 : offered, false, false, false);
        }
        // Cleartext: Kestrel would pick HTTP/1.1 for Http1AndHttp2 without ALPN (and warn), so
        // the listener stays Http1 and h2c prior knowledge is sniffed in front of it.
        string mode = settings.Http2Cleartext;
        return new(
            HttpProtocols.Http1,
            PriorKnowledge: h2 && mode is "prior-knowledge" or "both",
            UpgradeIgnored: h2 && mode is "upgrade" or "both",
            SyncFallback: false);
    }
}
