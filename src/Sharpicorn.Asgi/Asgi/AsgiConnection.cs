using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Features;

namespace Sharpicorn.Asgi;

/// <summary>
/// One ASGI connection scope (an HTTP request or a WebSocket) on its way through the loop.
/// Created on a Kestrel thread, then touched only by the loop thread (the native calls) and by
/// the async helpers it starts, until <see cref="Completion"/> is set; after that Kestrel may
/// recycle the features, so nothing reads them again (<see cref="Completed"/>).
/// </summary>
internal sealed class AsgiConnection
{
    public AsgiConnection(IFeatureCollection features)
    {
        Features = features;
        Request = features.GetRequiredFeature<IHttpRequestFeature>();
        Response = features.GetRequiredFeature<IHttpResponseFeature>();
        Body = features.GetRequiredFeature<IHttpResponseBodyFeature>();
        Connection = features.GetRequiredFeature<IHttpConnectionFeature>();
        Lifetime = features.GetRequiredFeature<IHttpRequestLifetimeFeature>();
        Started = DateTimeOffset.Now;
        StartTimestamp = Stopwatch.GetTimestamp();
        Method = Request.Method;
        RawTarget = Request.RawTarget;
        Protocol = Request.Protocol;
    }

    public IFeatureCollection Features { get; }
    public IHttpRequestFeature Request { get; }
    public IHttpResponseFeature Response { get; }
    public IHttpResponseBodyFeature Body { get; }
    public IHttpConnectionFeature Connection { get; }
    public IHttpRequestLifetimeFeature Lifetime { get; }

    /// <summary>The loop's handle for this scope (the Python side's key).</summary>
    public long Id { get; set; }

    public string Method { get; }
    public string RawTarget { get; set; }
    public string Protocol { get; }

    /// <summary>http or https, after forwarded_allow_ips (ws/wss for a WebSocket scope).</summary>
    public string UrlScheme { get; set; } = "http";

    public bool IsWebSocket { get; set; }

    /// <summary>A WebSocket over HTTP/2 (RFC 8441's extended CONNECT): accepted with 200 on its own stream, not upgraded with 101.</summary>
    public bool IsExtendedConnect { get; set; }

    public DateTimeOffset Started { get; }
    public long StartTimestamp { get; }

    /// <summary>Set once Kestrel may finish the request; continuations run off the loop thread.</summary>
    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completion was set (by the app's last message, the timeout or the end of the task): the features are no longer ours.</summary>
    public bool Completed => Volatile.Read(ref _completed) != 0;

    private int _completed;

    /// <summary>The first body byte went to Kestrel: a 500 or a 504 can no longer replace the response.</summary>
    public bool ResponseStarted { get; set; }

    /// <summary>--request-timeout was reported (and answered) from outside the loop while it was blocked; the loop's own timer then only cancels the task.</summary>
    public bool DeadlineReported { get; set; }

    /// <summary>What the access log says.</summary>
    public int Status { get; set; }

    public long BytesSent { get; set; }

    public WebSocket? Socket { get; set; }

    /// <summary>The receive pump of an accepted WebSocket: it ends with the connection.</summary>
    public Task? Pump { get; set; }

    /// <summary>The app sent websocket.close (or the server did, at shutdown).</summary>
    public bool CloseSent { get; set; }

    public CancellationTokenRegistration AbortRegistration { get; set; }

    public CancellationTokenRegistration ClosedRegistration { get; set; }

    /// <summary>The loop this scope was dispatched to (its disconnect callback posts there).</summary>
    public AsgiLoop? LoopOwner { get; set; }

    /// <summary>The request head's field lines as sent (HTTP/1.x, read by <see cref="FieldLines"/>); null over HTTP/2. Set before the scope is dispatched, then only read.</summary>
    public byte[]? HeadFields { get; set; }

    public void Complete()
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            AbortRegistration.Unregister();
            ClosedRegistration.Unregister();
            Completion.TrySetResult();
        }
    }
}
