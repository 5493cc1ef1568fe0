using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Sharpicorn.Http;

/// <summary>
/// An accepted connection handed from the listener's pipeline to the HTTP/2 endpoint's (see
/// <see cref="H2cPriorKnowledge"/>). It has its own feature layer over the original's, so the
/// second Kestrel connection's features do not replace the first's, and its disposal only tells
/// the first pipeline that HTTP/2 is done: the socket is the first's to close.
/// </summary>
internal sealed class HandoffConnection(ConnectionContext inner) : ConnectionContext
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IDuplexPipe _transport = inner.Transport;
    private IDictionary<object, object?> _items = new Dictionary<object, object?>();

    /// <summary>Completes when the HTTP/2 endpoint has finished with the connection.</summary>
    public Task Done => _done.Task;

    public override string ConnectionId
    {
        get => inner.ConnectionId;
        set => inner.ConnectionId = value;
    }

    public override IFeatureCollection Features { get; } = new FeatureCollection(inner.Features);

    public override IDictionary<object, object?> Items
    {
        get => _items;
        set => _items = value;
    }

    public override IDuplexPipe Transport
    {
        get => _transport;
        set => _transport = value;
    }

    public override CancellationToken ConnectionClosed
    {
        get => inner.ConnectionClosed;
        set => throw new NotSupportedException("a handed-off connection closes with its socket");
    }

    public override EndPoint? LocalEndPoint
    {
        get => inner.LocalEndPoint;
        set => inner.LocalEndPoint = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get => inner.RemoteEndPoint;
        set => inner.RemoteEndPoint = value;
    }

    public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);

    public override void Abort() => inner.Abort();

    public override ValueTask DisposeAsync()
    {
        _done.TrySetResult();
        return ValueTask.CompletedTask;
    }
}
