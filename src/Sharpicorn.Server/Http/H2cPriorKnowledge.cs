// Design notes
// ------------
// gunicorn 26's http2_cleartext = prior-knowledge (negotiation.py): a peer in
// forwarded_allow_ips (or on a unix socket) must open with the HTTP/2 connection preface
// (RFC 9113 3.4) within 1 s, and is then served HTTP/2; anything else from it is answered 400
// "Expected HTTP/2 connection preface, got b'...'" (a trusted proxy that downgrades silently
// would only hide a misconfiguration). Every other peer is served HTTP/1.x as if the setting
// were off. With "both", a trusted peer's HTTP/1.x is served too: upgrade mode expects HTTP/1.1
// requests, and Kestrel has no h2c upgrade, so an `Upgrade: h2c` request is answered over
// HTTP/1.1 (RFC 9110 7.8 lets a server ignore Upgrade).
//
// Kestrel 10 cannot choose the protocol per connection on a cleartext endpoint: with
// Http1AndHttp2 and no ALPN it always picks HTTP/1.1. So this middleware runs in front of the
// listener's own (HTTP/1.1) pipeline and only peeks: it never consumes a byte. A connection
// that starts with the preface is handed, as a HandoffConnection, to a second Kestrel
// endpoint (H2cEndPoint, Protocols = Http2, no socket of its own) whose accept loop reads it
// from a queue; this pipeline then waits until HTTP/2 is done with it and lets Kestrel close
// the socket as usual. The accept gate counted it once, on the real listener.
//
// The HTTP/1.1 pipeline's FrontConnection (half-close, HeadScanner) is never applied to a
// handed-off connection: HTTP/2 has no textual framing to scan, and a FIN there is Kestrel's
// business.
using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Sharpicorn.Configuration;
using Sharpicorn.Logging;

namespace Sharpicorn.Http;

/// <summary>Connection middleware for h2c with prior knowledge on a cleartext listener.</summary>
/// <param name="http2">Where a connection that opened with the preface is handed.</param>
/// <param name="trust">forwarded_allow_ips: only these peers are sniffed.</param>
/// <param name="http1Too">http2_cleartext = both: a trusted peer's HTTP/1.x (an `Upgrade: h2c` request among others) is served over HTTP/1.1 instead of refused.</param>
/// <param name="log">The error log, for gunicorn's "Invalid request" warning.</param>
internal sealed class H2cPriorKnowledge(H2cEndPoint http2, ForwardedScheme trust, bool http1Too, ErrorLog log)
{
    /// <summary>gunicorn's H2C_PREFACE_TIMEOUT: the whole preface within 1 s.</summary>
    private static readonly TimeSpan PrefaceTimeout = TimeSpan.FromSeconds(1);

    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public enum Match
    {
        Partial,
        Preface,
        Mismatch,
    }

    /// <summary>gunicorn's preface_match: the preface, a prefix of it so far, or something else.</summary>
    public static Match Classify(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> head = stackalloc byte[Preface.Length];
        int n = (int)Math.Min(buffer.Length, head.Length);
        buffer.Slice(0, n).CopyTo(head);
        return !Preface.StartsWith(head[..n]) ? Match.Mismatch : n == Preface.Length ? Match.Preface : Match.Partial;
    }

    public ConnectionDelegate Middleware(ConnectionDelegate next) => connection =>
        connection.Features.Get<ITlsConnectionFeature>() is null && trust.Trusted(SocketPeer(connection))
            ? SniffAsync(connection, next)
            : next(connection);

    /// <summary>Trust is the socket peer's, as for forwarded headers: behind a PROXY header, the proxy, not the client it names.</summary>
    private static IPAddress? SocketPeer(ConnectionContext connection) =>
        connection.Features.Get<ProxiedConnection>() is { } proxied ? proxied.SocketPeer : (connection.RemoteEndPoint as IPEndPoint)?.Address;

    private async Task SniffAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        PipeReader input = connection.Transport.Input;
        using var timeout = new CancellationTokenSource(PrefaceTimeout);
        byte[] seen = [];
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                if (http1Too)
                {
                    await next(connection).ConfigureAwait(false);
                    return;
                }
                await RejectAsync(connection, seen).ConfigureAwait(false);
                return;
            }
            ReadOnlySequence<byte> buffer = result.Buffer;
            Match match = Classify(buffer);
            seen = buffer.Slice(0, Math.Min(buffer.Length, Preface.Length)).ToArray();
            if (match == Match.Preface)
            {
                // Nothing consumed or examined: the HTTP/2 connection reads the preface itself, at once.
                input.AdvanceTo(buffer.Start);
                var handoff = new HandoffConnection(connection);
                if (!http2.TryHandOff(handoff))
                {
                    return;
                }
                await handoff.Done.ConfigureAwait(false);
                return;
            }
            if (match == Match.Mismatch || result.IsCompleted || result.IsCanceled)
            {
                if (http1Too)
                {
                    // Unexamined, so the HTTP/1.1 parser reads these bytes at once.
                    input.AdvanceTo(buffer.Start);
                    await next(connection).ConfigureAwait(false);
                    return;
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                if (seen.Length > 0)
                {
                    await RejectAsync(connection, seen).ConfigureAwait(false);
                }
                return;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>gunicorn's InvalidH2CPreface: a warning, and its 400 page written straight to the socket.</summary>
    private async Task RejectAsync(ConnectionContext connection, byte[] seen)
    {
        string message = "Expected HTTP/2 connection preface, got " + PythonText.BytesRepr(seen);
        string ip = (connection.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "";
        log.Warning($"Invalid request from ip={ip}: {message}");
        byte[] body = Wsgi.ErrorPage.Body("Bad Request", message);
        byte[] head = Encoding.Latin1.GetBytes($"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: {body.Length}\r\n\r\n");
        try
        {
            PipeWriter output = connection.Transport.Output;
            output.Write(head);
            output.Write(body);
            await output.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ConnectionAbortedException or InvalidOperationException)
        {
            log.Debug("Failed to send error message.");
        }
    }
}
