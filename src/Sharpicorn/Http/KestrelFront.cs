using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sharpicorn.Cli;

namespace Sharpicorn.Http;

/// <summary>Kestrel built directly (no WebHost, no DI container) on the sockets sharpicorn bound.</summary>
internal sealed class KestrelFront(KestrelServer server)
{
    public static async Task<KestrelFront> StartAsync(IEnumerable<Listener> listeners, ServerSettings settings, WsgiHttpApplication app, ILoggerFactory loggerFactory)
    {
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
        foreach (Listener listener in listeners)
        {
            options.ListenHandle(listener.DuplicateForKestrel(), o => o.Protocols = HttpProtocols.Http1);
        }
        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggerFactory);
        var server = new KestrelServer(Options.Create(options), transport, loggerFactory);
        await server.StartAsync(app, CancellationToken.None).ConfigureAwait(false);
        return new KestrelFront(server);
    }

    /// <summary>Stops accepting, then waits for in-flight requests until the token fires.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public static readonly EmptyServiceProvider Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
