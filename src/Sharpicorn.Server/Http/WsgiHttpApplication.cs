using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Sharpicorn.Configuration;
using Sharpicorn.Cli;
using Sharpicorn.Logging;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Http;

/// <summary>
/// Kestrel's hand-off, with no middleware pipeline: check gunicorn's own limits, then queue the
/// request for a Python thread and give Kestrel the task that thread completes. This runs on
/// Kestrel's threads and never touches the GIL.
/// With --request-timeout each request also gets a timer here: at the deadline, if the app has
/// not sent its first byte, the timer takes the response (ResponseClaim) and answers 504 at
/// once, whatever the Python thread is blocked in; that thread unwinds later, its output discarded.
/// </summary>
internal sealed class WsgiHttpApplication(PythonWorkerPool pool, ServerSettings settings, ForwardedScheme forwarded, ErrorLog log, TimeProvider? timeProvider = null) : IHttpApplication<WsgiRequest>
{
    private readonly bool _refuseUnderscores = settings.HeaderMap == "refuse";
    private readonly ForwardedClient? _forwardedClient = ForwardedClient.Create(settings);
    private readonly bool _proxyProtocol = settings.ProxyProtocol != "off";
    private readonly ForwarderHeaders _forwarders = new(settings);
    private readonly bool _permitMethod = settings.PermitUnconventionalHttpMethod;
    private readonly Func<string, bool> _forwarderAllows = new ForwarderHeaders(settings).Allows;

    /// <summary>gunicorn's scheme before any header: https when it terminates TLS (cfg.is_ssl, every listener).</summary>
    private readonly string _scheme = settings.IsSsl ? "https" : "http";

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly long _requestTimeoutMs = settings.RequestTimeout * 1000L;

    /// <summary>Runs on a thread-pool thread at the deadline: never the GIL, only Kestrel's features.</summary>
    private static readonly TimerCallback OnDeadline = static state =>
    {
        var req = (WsgiRequest)state!;
        DeadlineAnswer.TryAnswer(req, req.AccessLog);
    };

    public WsgiRequest CreateContext(IFeatureCollection contextFeatures) => new(contextFeatures);

    public Task ProcessRequestAsync(WsgiRequest context)
    {
        bool http2 = WsgiRequest.IsHttp2(context.Request.Protocol);
        // HTTP/2 frames its body itself: no request line or Content-Length text to look at.
        RequestChecks.Rejection? rejection = null;
        if (!http2)
        {
            rejection = HeadChecks.Check(context.Features, context.Request, _permitMethod, out string? versionAsSent);
            context.ProtocolAsSent = versionAsSent;
        }
        // Trust in forwarded headers is the socket peer's, as in gunicorn, also behind a PROXY header.
        IPAddress? peer = context.Connection.RemoteIpAddress;
        ProxiedConnection? proxied = _proxyProtocol ? context.Features.Get<ProxiedConnection>() : null;
        if (proxied is not null)
        {
            peer = proxied.SocketPeer;
        }
        bool trusted = forwarded.Trusted(peer);
        context.TrustedForwarder = trusted;
        rejection ??= RequestChecks.Check(context.Request, settings.LimitRequestLine, settings.LimitRequestFieldSize, _refuseUnderscores, trusted ? _forwarderAllows : null);
        if (http2)
        {
            rejection ??= RequestChecks.CheckHeaderList(context.Request, settings.Http2MaxHeaderListSize);
        }
        if (rejection is null)
        {
            if (proxied is not null)
            {
                context.ExtraEnviron = proxied.Environ;
            }
            if (_forwarders.ScriptName(context.Request, trusted) is { } scriptName)
            {
                context.ScriptName = scriptName;
                string path = RequestTarget.Split(context.Request.RawTarget).Path;
                if (!path.StartsWith(scriptName, StringComparison.Ordinal))
                {
                    // gunicorn's ConfigurationProblem, which its handle_error answers 500 with the reason it gives every parse error.
                    rejection = new(500, "Bad Request", $"Request path {PythonText.Repr(path)} does not start with SCRIPT_NAME {PythonText.Repr(scriptName)}");
                }
            }
            if (_forwardedClient is not null && _forwardedClient.Client(context.Request.Headers[_forwardedClient.HeaderName], peer) is { } client)
            {
                // Kestrel resets these from the connection for every request, so this lasts one request.
                context.Connection.RemoteIpAddress = client.Address;
                context.Connection.RemotePort = client.Port;
            }
            string? scheme = forwarded.Scheme(context.Request, peer, _scheme);
            if (scheme is null && rejection is null)
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
            ErrorPage.Write(context, r.Status, r.Reason, r.Message);
            return Task.CompletedTask;
        }
        if (settings.KeepAlive <= 0 && !http2)
        {
            // gunicorn's keepalive = 0 turns keep-alive off.
            context.Response.Headers.Connection = "close";
        }
        if (settings.HealthPath is { } health && HealthCheck.Matches(context.Request.RawTarget, health))
        {
            (pool.Observer as AcceptGate)?.AnsweredByFront(context);
            return HealthCheck.Answer(context);
        }
        if (_requestTimeoutMs > 0)
        {
            // From the request's start (queue time counts), as the worker monitor measures it.
            long due = Math.Max(0, _requestTimeoutMs - (Environment.TickCount64 - context.StartTick));
            context.AccessLog = pool.Settings.AccessLog;
            context.DeadlineTimer = _time.CreateTimer(OnDeadline, context, TimeSpan.FromMilliseconds(due), Timeout.InfiniteTimeSpan);
        }
        pool.Dispatch(context);
        return context.Completion.Task;
    }

    public void DisposeContext(WsgiRequest context, Exception? exception)
    {
        // A timer firing after this finds the response committed or already claimed, and does nothing.
        context.DeadlineTimer?.Dispose();
    }
}
