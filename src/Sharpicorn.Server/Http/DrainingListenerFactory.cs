using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Sharpicorn.Http;

/// <summary>
/// Kestrel's socket transport with what sharing a kernel queue needs: accept only when the
/// <see cref="AcceptGate"/> says this worker can serve one more connection (otherwise the
/// connection stays queued for another worker), and stop accepting without touching live
/// connections (the listening descriptor is this process's copy, so the kernel queue stays
/// open for the other workers).
/// </summary>
internal sealed class DrainingListenerFactory(IConnectionListenerFactory inner, AcceptGate gate) : IConnectionListenerFactory
{
    private readonly List<GatedListener> _listeners = [];

    public int ActiveConnections => gate.OpenConnections;

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is H2cEndPoint h2c)
        {
            // No socket: its connections were accepted (and counted by the gate) on a real listener.
            return h2c.Listener;
        }
        IConnectionListener listener = await inner.BindAsync(endpoint, cancellationToken).ConfigureAwait(false);
        var gated = new GatedListener(listener, gate);
        lock (_listeners)
        {
            _listeners.Add(gated);
        }
        return gated;
    }

    /// <summary>Closes this process's listening descriptors; Kestrel's accept loops end, connections live on.</summary>
    public async Task StopAcceptingAsync()
    {
        GatedListener[] listeners;
        lock (_listeners)
        {
            listeners = [.. _listeners];
        }
        foreach (GatedListener l in listeners)
        {
            await l.UnbindAsync().ConfigureAwait(false);
        }
    }

    private sealed class GatedListener(IConnectionListener inner, AcceptGate gate) : IConnectionListener
    {
        private volatile bool _unbound;

        public EndPoint EndPoint => inner.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            // null ends Kestrel's accept loop for this listener, as an unbound socket does.
            if (!await gate.EnterAcceptAsync(() => _unbound, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            ConnectionContext? c;
            try
            {
                c = await inner.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                gate.AcceptFailed();
                throw;
            }
            if (c is null)
            {
                gate.AcceptFailed();
                return null;
            }
            FreshConnection fresh = gate.Accepted();
            // Request features fall back to the connection's, so the first request finds it.
            c.Features.Set(fresh);
            c.ConnectionClosed.Register(static o =>
            {
                var (g, f) = ((AcceptGate, FreshConnection))o!;
                g.Closed(f);
            }, (gate, fresh));
            return c;
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            _unbound = true;
            gate.Wake();
            return inner.UnbindAsync(cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
