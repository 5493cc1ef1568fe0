// Design notes
// ------------
// TLS is connection middleware under everything else: the handshake runs on the transport's
// pipes, then the connection's Transport becomes the decrypted stream's pipes, and only then
// does FrontConnection (half-close handling, HeadScanner's raw Content-Length check) wrap it.
// So the scanner and Kestrel's HTTP/1.1 parser see plaintext, exactly as on a plain listener;
// KestrelFront adds this middleware first for that reason.
//
// It is an SslStream driven here rather than Kestrel's ListenOptions.UseHttps: UseHttps takes its
// logger and its (internal) metrics type from a dependency-injection container, and sharpicorn
// builds Kestrel without one. What UseHttps would add is reproduced: the handshake timeout, the
// ITlsConnectionFeature (client certificate) and the ITlsApplicationProtocolFeature Kestrel reads
// to choose HTTP/2 after ALPN.
//
// A failed handshake (plain HTTP sent to the TLS port, an unacceptable client certificate, no
// shared cipher) closes the connection without a byte of HTTP: the app is never called. It is
// logged as gunicorn's sync worker logs an SSLError: "ssl connection closed" for an EOF, else
// "Error processing SSL request." and the "Invalid request" line, at debug level as sharpicorn
// logs every invalid request.
using System.ComponentModel;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Sharpicorn.Logging;

namespace Sharpicorn.Http;

/// <summary>The TLS connection middleware: handshake on the raw transport, then the rest of the pipeline on the decrypted stream.</summary>
internal sealed class TlsConnection(ConnectionDelegate next, TlsSetup tls, HttpProtocols protocols, ErrorLog log)
{
    /// <summary>Kestrel's default TLS handshake timeout (HttpsConnectionAdapterOptions.HandshakeTimeout, 10 s); gunicorn has none but the worker timeout.</summary>
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A TLS record of type handshake (RFC 8446 5.1): every ClientHello starts with it.</summary>
    private const byte TlsHandshakeRecord = 0x16;

    private readonly List<SslApplicationProtocol> _alpn = Alpn(protocols);

    /// <summary>The middleware for a listener speaking <paramref name="protocols"/>.</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware(TlsSetup tls, ListenOptions listen, ErrorLog log) =>
        // Protocols is read when Kestrel builds the pipeline, so it may be set after this call.
        next => new TlsConnection(next, tls, listen.Protocols, log).OnConnectionAsync;

    /// <summary>ALPN in the server's order of preference: h2 first when the listener speaks it.</summary>
    internal static List<SslApplicationProtocol> Alpn(HttpProtocols protocols)
    {
        var list = new List<SslApplicationProtocol>(2);
        if ((protocols & HttpProtocols.Http2) != 0)
        {
            list.Add(SslApplicationProtocol.Http2);
        }
        if ((protocols & HttpProtocols.Http1) != 0)
        {
            list.Add(SslApplicationProtocol.Http11);
        }
        return list;
    }

    private async Task OnConnectionAsync(ConnectionContext connection)
    {
        IDuplexPipe raw = connection.Transport;
        var ssl = new SslStream(new PipeStream(raw), leaveInnerStreamOpen: false);
        await using (ssl.ConfigureAwait(false))
        {
            if (!await HandshakeAsync(connection, ssl).ConfigureAwait(false))
            {
                return;
            }
            var feature = new TlsClientFeature(ssl);
            connection.Features.Set<ITlsConnectionFeature>(feature);
            connection.Features.Set<ITlsApplicationProtocolFeature>(feature);
            PipeReader input = PipeReader.Create(ssl, new StreamPipeReaderOptions(leaveOpen: true));
            PipeWriter output = PipeWriter.Create(ssl, new StreamPipeWriterOptions(leaveOpen: true));
            connection.Transport = new DuplexPipe(input, output);
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                await input.CompleteAsync().ConfigureAwait(false);
                await output.CompleteAsync().ConfigureAwait(false);
                await CloseNotifyAsync(ssl).ConfigureAwait(false);
                connection.Transport = raw;
            }
        }
    }

    private async Task<bool> HandshakeAsync(ConnectionContext connection, SslStream ssl)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(HandshakeTimeout);
        try
        {
            if (await FirstByteAsync(connection.Transport.Input, timeout.Token).ConfigureAwait(false) is byte first and not TlsHandshakeRecord)
            {
                // Python's words for the same mistake ([SSL: HTTP_REQUEST] / [SSL: WRONG_VERSION_NUMBER]).
                InvalidRequest(connection, first is >= (byte)'A' and <= (byte)'Z' ? "http request: plain HTTP sent to the TLS port" : "wrong version number: not a TLS handshake");
                return false;
            }
            await ssl.AuthenticateAsServerAsync(tls.ServerOptions(_alpn), timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is IOException or AuthenticationException or OperationCanceledException or Win32Exception)
        {
            if (log.IsEnabled(LogLevel.Debug))
            {
                if (e is IOException { InnerException: null } or OperationCanceledException)
                {
                    // The peer closed (or stalled) before finishing the handshake: Python's SSL_ERROR_EOF.
                    log.Debug("ssl connection closed");
                }
                else
                {
                    InvalidRequest(connection, Describe(e));
                }
            }
            return false;
        }
    }

    /// <summary>The first byte the client sent, left unread for the handshake; null if it closed first.</summary>
    private static async Task<byte?> FirstByteAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (!result.Buffer.IsEmpty)
            {
                byte first = result.Buffer.FirstSpan[0];
                input.AdvanceTo(result.Buffer.Start, result.Buffer.Start);
                return first;
            }
            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return null;
            }
        }
    }

    private void InvalidRequest(ConnectionContext connection, string why)
    {
        if (log.IsEnabled(LogLevel.Debug))
        {
            string ip = (connection.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "";
            log.Debug("Error processing SSL request.");
            log.Debug($"Invalid request from ip={ip}: {why}");
        }
    }

    /// <summary>Ends the TLS session with close_notify, so a client reading to EOF can tell the end from a truncation.</summary>
    private static async Task CloseNotifyAsync(SslStream ssl)
    {
        try
        {
            await ssl.ShutdownAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or NotSupportedException)
        {
            // The connection is already gone; there is nobody to tell.
        }
    }

    private static string Describe(Exception e)
    {
        // Native AOT keeps resource keys ("net_...") rather than texts; the type still says what happened.
        string message = e.GetType().Name + ": " + e.Message;
        for (Exception? inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            message += " " + inner.Message;
        }
        return message;
    }
}
