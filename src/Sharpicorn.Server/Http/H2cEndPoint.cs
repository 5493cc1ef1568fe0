using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

namespace Sharpicorn.Http;

/// <summary>
/// The HTTP/2 endpoint's address: no socket, only the connections <see cref="H2cPriorKnowledge"/>
/// hands over. <see cref="DrainingListenerFactory"/> binds it to <see cref="Listener"/>, past the
/// accept gate, which already counted these connections on the real listener.
/// </summary>
internal sealed class H2cEndPoint : EndPoint
{
    private readonly Channel<HandoffConnection> _queue = Channel.CreateUnbounded<HandoffConnection>(new() { SingleReader = true });

    public IConnectionListener Listener => new QueueListener(this);

    /// <summary>False once the endpoint stopped accepting (the worker is stopping).</summary>
    public bool TryHandOff(HandoffConnection connection) => _queue.Writer.TryWrite(connection);

    public override string ToString() => "h2c prior-knowledge";

    private sealed class QueueListener(H2cEndPoint owner) : IConnectionListener
    {
        public EndPoint EndPoint => owner;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await owner._queue.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                // null ends Kestrel's accept loop, as an unbound socket does.
                return null;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            owner._queue.Writer.TryComplete();
            // Handed over but never accepted: the first pipeline is waiting on them.
            while (owner._queue.Reader.TryRead(out HandoffConnection? c))
            {
                c.Abort();
                _ = c.DisposeAsync();
            }
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => UnbindAsync();
    }
}
