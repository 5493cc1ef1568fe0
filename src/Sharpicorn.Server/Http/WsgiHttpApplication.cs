using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
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
        RequestChecks.Rejection? rejection = RequestChecks.Check(context.Request, settings.LimitRequestLine, settings.LimitRequestFieldSize, _refuseUnderscores);
        if (rejection is null && context.Request.Headers.ContentLength is long length
            && context.Features.Get<HeadScanner>() is { } scanner && !scanner.CheckContentLength(length))
        {
            // Kestrel took a value such as "+5" as 5; the raw bytes said something else (RFC 9110: 1*DIGIT).
            rejection = new(400, "Bad Request", "Invalid HTTP Header: 'CONTENT-LENGTH'");
        }
        if (rejection is null)
        {
            string? scheme = forwarded.Scheme(context.Request, context.Connection.RemoteIpAddress);
            if (scheme is null)
            {
                rejection = new(400, "Bad Request", "Contradictory scheme headers");
            }
            context.UrlScheme = scheme ?? "http";
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
        if (settings.KeepAlive <= 0)
        {
            // gunicorn's keepalive = 0 turns keep-alive off.
            context.Response.Headers.Connection = "close";
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
