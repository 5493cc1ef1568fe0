using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Sharpicorn.Asgi;
using Sharpicorn.Cli;
using Sharpicorn.Logging;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Http;

/// <summary>
/// Kestrel's hand-off for an ASGI worker: gunicorn's own request checks, forwarded headers,
/// then the scope is posted to the worker's event loop (<see cref="AsgiLoop"/>) and Kestrel gets
/// the task the loop completes. Runs on Kestrel's threads and never touches the GIL; the access
/// log line is written here too, when Kestrel disposes the request.
/// </summary>
internal sealed class AsgiHttpApplication(AsgiLoop loop, AcceptGate gate, ServerSettings settings, ForwardedScheme forwarded, ErrorLog log, AccessLog? access) : IHttpApplication<AsgiConnection>
{
    private readonly bool _refuseUnderscores = settings.HeaderMap == "refuse";
    private readonly ForwardedClient? _forwardedClient = ForwardedClient.Create(settings);
    private readonly bool _proxyProtocol = settings.ProxyProtocol != "off";
    private readonly string _scheme = settings.IsSsl ? "https" : "http";

    /// <summary>Set when the worker stops (or reaches max_requests): every further HTTP/1.1 response says Connection: close.</summary>
    public bool Draining { get; set; }

    public AsgiConnection CreateContext(IFeatureCollection contextFeatures) => new(contextFeatures);

    public Task ProcessRequestAsync(AsgiConnection context)
    {
        IHttpRequestFeature request = context.Request;
        bool http2 = WsgiRequest.IsHttp2(request.Protocol);
        // HTTP/2 frames its body itself: no request line or Content-Length text to look at.
        RequestChecks.Rejection? rejection = null;
        if (!http2)
        {
            rejection = HeadChecks.Check(context.Features, request, settings.PermitUnconventionalHttpMethod, out _, out HeadScanner? scanner);
            // The scope lists the fields as received, from the head's own bytes (HeadScanner captures them for ASGI workers).
            context.HeadFields = scanner?.TakeFieldLines();
        }
        rejection ??= RequestChecks.Check(request, settings.LimitRequestLine, settings.LimitRequestFieldSize, _refuseUnderscores);
        if (http2)
        {
            rejection ??= RequestChecks.CheckHeaderList(request, settings.Http2MaxHeaderListSize);
        }
        if (rejection is null)
        {
            IPAddress? peer = context.Connection.RemoteIpAddress;
            if (_proxyProtocol && context.Features.Get<ProxiedConnection>() is { } proxied)
            {
                peer = proxied.SocketPeer;
            }
            if (_forwardedClient is not null && _forwardedClient.Client(request.Headers[_forwardedClient.HeaderName], peer) is { } client)
            {
                context.Connection.RemoteIpAddress = client.Address;
                context.Connection.RemotePort = client.Port;
            }
            string? scheme = forwarded.Scheme(request, peer, _scheme);
            if (scheme is null)
            {
                rejection = new(400, "Bad Request", "Contradictory scheme headers");
            }
            context.UrlScheme = scheme ?? _scheme;
        }
        if (rejection is { } r)
        {
            if (log.IsEnabled(LogLevel.Debug))
            {
                log.Debug($"Invalid request from ip={context.Connection.RemoteIpAddress}: {r.Message}");
            }
            Reject(context, r.Status, r.Reason, r.Message);
            return Task.CompletedTask;
        }
        context.IsWebSocket = IsWebSocket(context);
        if (context.IsWebSocket)
        {
            context.UrlScheme = context.UrlScheme == "https" ? "wss" : "ws";
        }
        else if (!http2 && (settings.KeepAlive <= 0 || Draining))
        {
            // gunicorn's keepalive = 0, or a worker on its way out: the client reconnects elsewhere.
            context.Response.Headers.Connection = "close";
        }
        gate.Dispatched(context.Features);
        loop.Dispatch(context);
        return context.Completion.Task;
    }

    /// <summary>
    /// An RFC 6455 opening handshake Kestrel can upgrade (HTTP/1.1 GET with Upgrade: websocket), or
    /// RFC 8441's on HTTP/2 (CONNECT with :protocol websocket; Kestrel announces
    /// SETTINGS_ENABLE_CONNECT_PROTOCOL on every HTTP/2 connection).
    /// </summary>
    private static bool IsWebSocket(AsgiConnection context)
    {
        if (context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect)
        {
            context.IsExtendedConnect = string.Equals(connect.Protocol, "websocket", StringComparison.OrdinalIgnoreCase);
            return context.IsExtendedConnect;
        }
        return context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
            && string.Equals(context.Method, "GET", StringComparison.OrdinalIgnoreCase)
            && context.Request.Headers.Upgrade.ToString().Equals("websocket", StringComparison.OrdinalIgnoreCase)
            && context.Request.Headers.ContainsKey("Sec-WebSocket-Key");
    }

    private static void Reject(AsgiConnection context, int status, string reason, string message)
    {
        byte[] body = AsgiErrorPage.Body(reason, message);
        IHttpResponseFeature response = context.Response;
        response.StatusCode = status;
        response.ReasonPhrase = reason;
        if (!WsgiRequest.IsHttp2(context.Protocol))
        {
            response.Headers.Connection = "close";
        }
        response.Headers.ContentType = "text/html";
        response.Headers.ContentLength = body.Length;
        context.Status = status;
        context.BytesSent = body.Length;
        if (!string.Equals(context.Method, "HEAD", StringComparison.OrdinalIgnoreCase))
        {
            // Starting only queues the head in Kestrel's pipe; it does not wait on the client.
            context.Body.StartAsync().GetAwaiter().GetResult();
            context.Body.Writer.Write(body);
        }
    }

    public void DisposeContext(AsgiConnection context, Exception? exception)
    {
        context.AbortRegistration.Unregister();
        context.ClosedRegistration.Unregister();
        if (context.Id != 0)
        {
            gate.Completed();
        }
        if (access is null)
        {
            return;
        }
        IHttpRequestFeature request = context.Request;
        IHttpResponseFeature response = context.Response;
        string raw = context.RawTarget;
        int q = raw.IndexOf('?', StringComparison.Ordinal);
        try
        {
            access.Write(new AccessLogEntry
            {
                RemoteAddr = context.Connection.RemoteIpAddress?.ToString() ?? "-",
                Method = context.Method,
                RawUri = raw,
                Path = q >= 0 ? raw[..q] : raw,
                Query = q >= 0 ? raw[(q + 1)..] : "",
                Protocol = WsgiRequest.ServerProtocol(context.Protocol),
                Status = context.Status != 0 ? context.Status : response.StatusCode,
                BytesSent = context.BytesSent,
                Started = context.Started,
                Duration = System.Diagnostics.Stopwatch.GetElapsedTime(context.StartTimestamp),
                RequestHeader = name => request.Headers.TryGetValue(name, out var v) ? v.ToString() : null,
                ResponseHeader = name => response.Headers.TryGetValue(name, out var v) ? v.ToString() : null,
            });
        }
        catch (IOException)
        {
            // A log that cannot be written costs the line, never the request.
        }
    }
}
