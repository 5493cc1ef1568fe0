using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Sharpicorn.Http;

/// <summary>
/// Kestrel's socket transport with two additions a graceful worker stop needs: stop accepting
/// without touching live connections (the listening descriptor is this process's copy, so the
/// kernel queue stays open for the other workers), and a count of live connections.
/// </summary>
internal sealed class DrainingListenerFactory(IConnectionListenerFactory inner) : IConnectionListenerFactory
{
    private readonly List<IConnectionListener> _inner = [];
    private int _active;

    public int ActiveConnections => Volatile.Read(ref _active);

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        IConnectionListener listener = await inner.BindAsync(endpoint, cancellationToken).ConfigureAwait(false);
        lock (_inner)
        {
            _inner.Add(listener);
        }
        return new CountingListener(listener, this);
    }

    /// <summary>Closes this process's listening descriptors; Kestrel's accept loops end, connections live on.</summary>
    public async Task StopAcceptingAsync()
    {
        IConnectionListener[] listeners;
        lock (_inner)
        {
            listeners = [.. _inner];
        }
        foreach (IConnectionListener l in listeners)
        {
            await l.UnbindAsync().ConfigureAwait(false);
        }
    }

    private sealed class CountingListener(IConnectionListener inner, DrainingListenerFactory owner) : IConnectionListener
    {
        public EndPoint EndPoint => inner.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            ConnectionContext? c = await inner.AcceptAsync(cancellationToken).ConfigureAwait(false);
            if (c is not null)
            {
                Interlocked.Increment(ref owner._active);
                c.ConnectionClosed.Register(static o => Interlocked.Decrement(ref ((DrainingListenerFactory)o!)._active), owner);
            }
            return c;
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => inner.UnbindAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
