using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sharpicorn.Cli;
using Sharpicorn.Logging;

namespace Sharpicorn.Http;

/// <summary>Kestrel built directly (no WebHost, no DI container) on the sockets sharpicorn bound.</summary>
internal sealed class KestrelFront(KestrelServer server, DrainingListenerFactory transport)
{
    private const string BareLineFeedSwitch = "Microsoft.AspNetCore.Server.Kestrel.DisableHttp1LineFeedTerminators";

    /// <summary>Starts Kestrel on descriptors this process owns (a worker's inherited listeners), accepting only what <paramref name="gate"/> lets through; <paramref name="app"/> is the WSGI or the ASGI hand-off.</summary>
    public static async Task<KestrelFront> StartAsync<TContext>(IEnumerable<ulong> listenFds, ServerSettings settings, IHttpApplication<TContext> app, AcceptGate gate, ForwardedScheme forwarded, TlsSetup? tls, ErrorLog log, ILoggerFactory loggerFactory)
        where TContext : notnull
    {
        // A bare LF ending the request line or a header is a request-smuggling vector behind a
        // proxy that reads it differently (RFC 9112 2.2 allows rejecting it; gunicorn 22+
        // does). Kestrel reads this switch when it builds its parser, so it is set first.
        AppContext.SetSwitch(BareLineFeedSwitch, true);
        var options = new KestrelServerOptions
        {
            AddServerHeader = false,
            AllowSynchronousIO = false,
            // WSGI headers are latin-1 strings; Kestrel's default rejects non-ASCII bytes.
            RequestHeaderEncodingSelector = static _ => Encoding.Latin1,
            ResponseHeaderEncodingSelector = static _ => Encoding.Latin1,
            ApplicationServices = EmptyServiceProvider.Instance,
            // An absolute-form target names its own host (RFC 9112 3.2.2); gunicorn accepts it too.
            AllowHostHeaderOverride = true,
        };
        KestrelLimits.Apply(options.Limits, settings);
        // The PROXY header comes before anything HTTP, so it is read first, on the same clock as a request head.
        Func<ConnectionDelegate, ConnectionDelegate>? proxyProtocol = ProxyProtocolConnection.Create(settings, options.Limits.RequestHeadersTimeout, loggerFactory.CreateLogger("Sharpicorn.Http.ProxyProtocol"));
        HeadRules? rules = settings.CasefoldHttpMethod || settings.PermitUnconventionalHttpVersion || settings.StripHeaderSpaces || settings.PermitObsoleteFolding ? HeadRules.From(settings) : null;
        // ASGI's scope["headers"] lists the fields as received; Kestrel's dictionary has lost that order.
        bool captureFields = app is AsgiHttpApplication;
        Http2Plan plan = Http2Plan.For(settings, tls is not null, asgi: captureFields);
        if (plan.SyncFallback)
        {
            log.Warning(Http2Plan.SyncWarning);
        }
        if (plan.UpgradeIgnored)
        {
            log.Warning(Http2Plan.UpgradeWarning);
        }
        H2cPriorKnowledge? h2c = null;
        if (plan.PriorKnowledge)
        {
            // The endpoint prior-knowledge connections are handed to; it owns no socket.
            var endpoint = new H2cEndPoint();
            h2c = new H2cPriorKnowledge(endpoint, forwarded, http1Too: settings.Http2Cleartext == "both", log);
            options.Listen(endpoint, o => o.Protocols = HttpProtocols.Http2);
        }
        foreach (ulong fd in listenFds)
        {
            options.ListenHandle(fd, o =>
            {
                // With TLS, ALPN offers these (http_protocols); without, HTTP/1.1 (h2c is sniffed first).
                o.Protocols = plan.Protocols;
                // The PROXY header precedes everything, TLS included.
                if (proxyProtocol is not null)
                {
                    o.Use(proxyProtocol);
                }
                if (tls is not null)
                {
                    // Next to the socket (after PROXY): everything added after it (FrontConnection,
                    // HeadScanner, Kestrel's parser) sees the decrypted bytes and the ALPN result.
                    o.Use(TlsConnection.Middleware(tls, o, log));
                }
                if (h2c is not null)
                {
                    o.Use(h2c.Middleware);
                }
                o.Use(next => FrontConnection.Wrap(next, rules, captureFields));
            });
        }
        var transport = new DrainingListenerFactory(new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggerFactory), gate);
        var server = new KestrelServer(Options.Create(options), transport, loggerFactory);
        await server.StartAsync(app, CancellationToken.None).ConfigureAwait(false);
        return new KestrelFront(server, transport);
    }

    /// <summary>
    /// Stops accepting, then waits (up to <paramref name="maxWait"/>) for the open connections to
    /// go: responses now carry Connection: close, and idle ones end at their keep-alive timeout.
    /// </summary>
    public async Task DrainAsync(TimeSpan maxWait, Action stoppedAccepting)
    {
        await transport.StopAcceptingAsync().ConfigureAwait(false);
        stoppedAccepting();
        long deadline = Environment.TickCount64 + (long)maxWait.TotalMilliseconds;
        while (transport.ActiveConnections > 0 && Environment.TickCount64 < deadline)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Stops accepting, then waits for in-flight requests until the token fires.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public static readonly EmptyServiceProvider Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
