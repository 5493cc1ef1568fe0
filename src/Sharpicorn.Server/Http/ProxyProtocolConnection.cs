// Design notes
// ------------
// The PROXY protocol (haproxy's proxy-protocol.txt) puts one header in front of a connection's
// first byte: a v1 text line or a v2 binary block naming the client the proxy accepted. It
// belongs to the connection, not to a request, so it is read here, as Kestrel connection
// middleware in front of FrontConnection and Kestrel's HTTP layer, never by an HTTP parser:
//
//   socket -> [this: read and consume the header, set RemoteEndPoint] -> FrontConnection -> Kestrel HTTP/1.1
//
// Reading: the header is parsed from whatever the transport's pipe holds, however the bytes
// were split (a header trickled a byte at a time is re-examined as it grows; Kestrel's pipe
// keeps it, nothing is copied here but the first 107 bytes the parser looks at). Only the
// header is consumed (AdvanceTo its end): the request bytes that came in the same segment stay
// in the pipe for Kestrel, untouched. The client the header names becomes the connection's
// RemoteEndPoint before Kestrel's HTTP layer reads it, so REMOTE_ADDR, REMOTE_PORT and the
// access log's %(h)s all see it. UNKNOWN, LOCAL and address families without an IP address
// keep the socket's own addresses, as the spec asks.
//
// Refusing, as gunicorn does where gunicorn refuses (util.write_error's page, then close):
// - a header from a peer outside proxy_allow_ips: 403 "Request forbidden" (gunicorn's
//   ForbiddenProxyRequest), decided as soon as the signature is seen. Unix-socket peers have
//   no address and are always allowed, as in gunicorn.
// - a malformed v1 line: 400 "Invalid PROXY line: '...'" (gunicorn's InvalidProxyLine). A
//   malformed v2 header gets the same 400 with gunicorn's InvalidProxyHeader text (gunicorn
//   itself answers that one 500: its handle_error does not list the exception).
// - and where gunicorn does not: a connection that does not start with a header at all. The
//   spec forbids guessing, and gunicorn (20.1 and 26) serves it as plain HTTP, so a client that
//   reaches the port directly could pass for anyone. It gets the 400 instead.
// Nothing after a refused header is ever parsed as HTTP: the connection ends after the page.
// What the client already sent is read and dropped for a bounded time first, so the close
// does not turn into a reset that destroys the page before the client reads it.
//
// The header must arrive within Kestrel's request-headers timeout (the same clock a slow
// request head gets); a peer that sends nothing, or a partial header, is closed without a word.
using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Sharpicorn.Cli;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Http;

/// <summary>The PROXY protocol as Kestrel connection middleware: reads the header, then hands the rest of the connection on.</summary>
internal sealed class ProxyProtocolConnection(ProxyProtocolMode mode, AddressAllowList allowed, TimeSpan headerTimeout, ILogger log)
{
    /// <summary>How long a refused connection's remaining input is read and dropped before the close.</summary>
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(1);

    /// <summary>How much of a refused connection's remaining input is read and dropped before the close.</summary>
    private const long LingerBytes = 64 * 1024;

    /// <summary>The middleware for proxy_protocol, or null when it is off.</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate>? Create(ServerSettings settings, TimeSpan headerTimeout, ILogger log)
    {
        ProxyProtocolMode mode = settings.ProxyProtocol switch
        {
            "v1" => ProxyProtocolMode.V1,
            "v2" => ProxyProtocolMode.V2,
            "auto" => ProxyProtocolMode.Auto,
            _ => ProxyProtocolMode.Off,
        };
        if (mode == ProxyProtocolMode.Off)
        {
            return null;
        }
        var middleware = new ProxyProtocolConnection(mode, new AddressAllowList(settings.ProxyAllowIps, "proxy_allow_ips"), headerTimeout, log);
        return next => connection => middleware.OnConnectionAsync(connection, next);
    }

    private async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        IPAddress? socketPeer = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        PipeReader input = connection.Transport.Input;
        ProxyHeader header;
        using (var timeout = new CancellationTokenSource(headerTimeout))
        {
            while (true)
            {
                ReadResult read;
                try
                {
                    read = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException)
                {
                    // No header in time, or the peer went: nothing was served, nothing to say.
                    return;
                }
                ReadOnlySequence<byte> buffer = read.Buffer;
                header = ProxyHeaderParser.Parse(buffer, mode);
                if (header.Version != 0 && !allowed.Allows(socketPeer))
                {
                    input.AdvanceTo(buffer.End);
                    await RefuseAsync(connection, socketPeer, 403, "Forbidden", "Request forbidden", $"Proxy request from '{socketPeer}' not allowed").ConfigureAwait(false);
                    return;
                }
                if (header.Status == ProxyParseStatus.Valid)
                {
                    // Only the header is consumed: the request behind it stays in the pipe for Kestrel.
                    input.AdvanceTo(buffer.GetPosition(header.Length));
                    break;
                }
                if (header.Status == ProxyParseStatus.Invalid)
                {
                    input.AdvanceTo(buffer.End);
                    await RefuseAsync(connection, socketPeer, 400, "Bad Request", $"'{header.Error}'", header.Error!).ConfigureAwait(false);
                    return;
                }
                if (read.IsCompleted || read.IsCanceled)
                {
                    input.AdvanceTo(buffer.End);
                    return;
                }
                // A valid beginning: keep it all, wake again when more has arrived.
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        if (header.Source is { } client)
        {
            connection.RemoteEndPoint = client;
        }
        connection.Features.Set(new ProxiedConnection(header, socketPeer));
        await next(connection).ConfigureAwait(false);
    }

    /// <summary>gunicorn's error page, then the close; nothing the client sent after the header is looked at.</summary>
    private async Task RefuseAsync(ConnectionContext connection, IPAddress? peer, int status, string reason, string message, string logged)
    {
        if (log.IsEnabled(LogLevel.Debug))
        {
            // gunicorn's handle_error line; the peer is the socket's, as gunicorn's addr is.
            log.Log(LogLevel.Debug, default, $"Invalid request from ip={peer?.ToString() ?? ""}: {logged}", null, static (s, _) => s);
        }
        byte[] body = ErrorPage.Body(reason, message);
        byte[] head = Encoding.Latin1.GetBytes($"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: {body.Length}\r\n\r\n");
        PipeWriter output = connection.Transport.Output;
        try
        {
            output.Write(head);
            output.Write(body);
            await output.FlushAsync().ConfigureAwait(false);
            await DrainAsync(connection.Transport.Input).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ConnectionAbortedException or ObjectDisposedException or InvalidOperationException)
        {
            // The client went first; there is nobody to tell.
        }
    }

    private static async Task DrainAsync(PipeReader input)
    {
        using var linger = new CancellationTokenSource(Linger);
        long dropped = 0;
        try
        {
            while (dropped < LingerBytes)
            {
                ReadResult read = await input.ReadAsync(linger.Token).ConfigureAwait(false);
                dropped += read.Buffer.Length;
                input.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted || read.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
