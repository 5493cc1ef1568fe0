// Design notes
// ------------
// Kestrel's socket transport fires ConnectionClosed when its receive loop ends, and that loop
// ends on a FIN as well as on a reset. HttpConnection turns ConnectionClosed into
// Http1Connection.OnInputOrOutputCompleted, which aborts the response output and cancels
// RequestAborted. So a client that sends its request and then shutdown(SHUT_WR), as some
// clients and proxies do, gets the app run but 0 bytes back. gunicorn, which only reads the
// socket while it parses, answers it in full.
//
// This wrapper is the ConnectionContext Kestrel's HTTP layer sees (HttpConnection registers on
// ConnectionContext.ConnectionClosed). It forwards everything to the transport's connection
// except that token: when the transport's fires, the socket's TCP state says whether the peer
// only finished sending (CLOSE_WAIT: a FIN, the write side still open) or is gone (a reset:
// CLOSED; or Kestrel closed the socket itself). Only the second reaches Kestrel. A peer that
// closed both directions looks like a half-close until the first write draws a reset (the
// kernel cannot tell them apart either); that write's failure completes the output and the
// response writer sees the client gone at its next flush, as before.
//
// Reading the end of input is unchanged: Kestrel still sees the request body end and does not
// wait for a next request on a connection whose input is over.
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Sharpicorn.Http;

/// <summary>The connection Kestrel's HTTP layer sees: the transport's, with a FIN kept from counting as a disconnect and its input watched by a <see cref="HeadScanner"/>.</summary>
internal sealed class FrontConnection : ConnectionContext
{
    /// <summary>Linux's IPPROTO_TCP level and TCP_INFO option (netinet/tcp.h).</summary>
    private const int SolTcp = 6;

    private const int TcpInfo = 11;

    /// <summary>tcpi_state for a connection whose peer sent FIN while ours is open (TCP_CLOSE_WAIT in netinet/tcp.h).</summary>
    private const byte TcpCloseWait = 8;

    private readonly ConnectionContext _inner;
    private readonly CancellationTokenSource _closed = new();
    private IDuplexPipe _transport;

    private FrontConnection(ConnectionContext inner, HeadRules? rules, bool captureFields)
    {
        _inner = inner;
        var scanner = new HeadScanner(inner.Transport.Input, rules, captureFields);
        _transport = new DuplexPipe(scanner, inner.Transport.Output);
        // Requests find it through their feature collection, which falls back to the connection's.
        inner.Features.Set(scanner);
        inner.ConnectionClosed.UnsafeRegister(static s => ((FrontConnection)s!).OnTransportClosed(), this);
    }

    /// <summary>The connection middleware: wraps every accepted connection before Kestrel's HTTP layer.</summary>
    /// <remarks>A connection that negotiated h2 by ALPN is left as it is: HTTP/2 has no textual framing to scan, and its streams outlive a FIN on Kestrel's own terms.</remarks>
    public static ConnectionDelegate Wrap(ConnectionDelegate next) => Wrap(next, null);

    /// <summary>The connection middleware, with gunicorn's leniency switches for the heads it scans (null: none), and whether each head's field lines are kept for the request (ASGI's arrival order).</summary>
    public static ConnectionDelegate Wrap(ConnectionDelegate next, HeadRules? rules, bool captureFields = false) => connection =>
        connection.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol.Span.SequenceEqual("h2"u8) == true
            ? next(connection)
            : next(new FrontConnection(connection, rules, captureFields));

    public override string ConnectionId
    {
        get => _inner.ConnectionId;
        set => _inner.ConnectionId = value;
    }

    public override IFeatureCollection Features => _inner.Features;

    public override IDictionary<object, object?> Items
    {
        get => _inner.Items;
        set => _inner.Items = value;
    }

    public override IDuplexPipe Transport
    {
        get => _transport;
        set => _transport = value;
    }

    public override CancellationToken ConnectionClosed
    {
        get => _closed.Token;
        set => throw new NotSupportedException("the front connection's close token is its own");
    }

    public override EndPoint? LocalEndPoint
    {
        get => _inner.LocalEndPoint;
        set => _inner.LocalEndPoint = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get => _inner.RemoteEndPoint;
        set => _inner.RemoteEndPoint = value;
    }

    public override void Abort(ConnectionAbortedException abortReason) => _inner.Abort(abortReason);

    public override void Abort() => _inner.Abort();

    public override ValueTask DisposeAsync() => _inner.DisposeAsync();

    private void OnTransportClosed()
    {
        if (!IsHalfClosed(_inner.Features.Get<IConnectionSocketFeature>()?.Socket))
        {
            _closed.Cancel();
        }
    }

    /// <summary>True when the peer has only finished sending; false when it is gone, the socket is closed, or the state cannot be read (a unix socket keeps Kestrel's behaviour).</summary>
    private static bool IsHalfClosed(Socket? socket)
    {
        if (socket is null || socket.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return false;
        }
        Span<byte> info = stackalloc byte[256];
        try
        {
            return socket.GetRawSocketOption(SolTcp, TcpInfo, info) > 0 && info[0] == TcpCloseWait;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
