using Microsoft.AspNetCore.Http.Features;
using Sharpicorn.Logging;

namespace Sharpicorn.Wsgi;

/// <summary>
/// One request on its way through WSGI: Kestrel's features in, the response state machine out.
/// Created on a Kestrel thread, then owned by exactly one Python thread until
/// <see cref="Completion"/> is set; Kestrel does not touch the features in between.
/// </summary>
internal sealed class WsgiRequest
{
    public WsgiRequest(IFeatureCollection features)
    {
        Features = features;
        Request = features.GetRequiredFeature<IHttpRequestFeature>();
        Response = features.GetRequiredFeature<IHttpResponseFeature>();
        Body = features.GetRequiredFeature<IHttpResponseBodyFeature>();
        Connection = features.GetRequiredFeature<IHttpConnectionFeature>();
        Lifetime = features.GetRequiredFeature<IHttpRequestLifetimeFeature>();
        Started = DateTimeOffset.Now;
        StartTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
        StartTick = Environment.TickCount64;
        LastActivityTick = StartTick;
        Method = Request.Method;
        RawTarget = Request.RawTarget;
    }

    /// <summary>
    /// Monotonic ms of the request's last I/O (a body read or a flush to the client). A request
    /// that streams is making progress however long it runs; one that does no I/O is not.
    /// </summary>
    public long LastActivityTick
    {
        get => Volatile.Read(ref _lastActivity);
        set => Volatile.Write(ref _lastActivity, value);
    }

    private long _lastActivity;

    /// <summary>Monotonic ms when Kestrel handed the request over (the worker's progress clock).</summary>
    public long StartTick { get; }

    /// <summary>How far --request-timeout has gone with this request (the worker monitor's state; the Python thread only reads it).</summary>
    public TimeoutStage Timeout
    {
        get => (TimeoutStage)Volatile.Read(ref _timeout);
        set => Volatile.Write(ref _timeout, (int)value);
    }

    private int _timeout;

    /// <summary>--request-timeout fired: the stack was logged and the thread interrupted (a view of <see cref="Timeout"/>).</summary>
    public bool TimedOut => Timeout >= TimeoutStage.Interrupted;

    /// <summary>Who writes the response: the app, until its first byte, or the deadline's 504 (see <see cref="ResponseClaim"/>).</summary>
    public ResponseClaim Claim { get; } = new();

    /// <summary>
    /// The body reader the Python thread may be waiting on, published before it enters Kestrel's
    /// features, so a deadline that finds it there can cancel the wait (PipeReader.CancelPendingRead is thread-safe).
    /// </summary>
    public System.IO.Pipelines.PipeReader? BodyReaderInUse
    {
        get => Volatile.Read(ref _bodyReaderInUse);
        set => Volatile.Write(ref _bodyReaderInUse, value);
    }

    private System.IO.Pipelines.PipeReader? _bodyReaderInUse;

    /// <summary>The --request-timeout timer, armed on the Kestrel side; disposed when Kestrel is done with the request.</summary>
    public IDisposable? DeadlineTimer { get; set; }

    /// <summary>Where the deadline's 504 is logged (the worker's access log), set with <see cref="DeadlineTimer"/>.</summary>
    public AccessLog? AccessLog { get; set; }

    /// <summary>The method, kept so the worker's logs can name the request after Kestrel has taken its features back.</summary>
    public string Method { get; }

    /// <summary>The raw target, kept for the same reason as <see cref="Method"/>.</summary>
    public string RawTarget { get; }

    /// <summary>The worker's --timeout passed without I/O and the stack was logged (gthread: logged, not killed).</summary>
    public bool StuckLogged { get; set; }

    public IFeatureCollection Features { get; }
    public IHttpRequestFeature Request { get; }
    public IHttpResponseFeature Response { get; }
    public IHttpResponseBodyFeature Body { get; }
    public IHttpConnectionFeature Connection { get; }
    public IHttpRequestLifetimeFeature Lifetime { get; }
    public DateTimeOffset Started { get; }
    public long StartTimestamp { get; }

    /// <summary>wsgi.url_scheme: "http", or "https" when a trusted front end says so.</summary>
    public string UrlScheme { get; set; } = "http";

    /// <summary>The socket's peer is in forwarded_allow_ips: header names with '_' listed in forwarder_headers reach environ (gunicorn's _peer_trusted_for_forwarded).</summary>
    public bool TrustedForwarder { get; set; }

    /// <summary>SCRIPT_NAME from a request header that reached environ (a trusted forwarder's, or any under header_map dangerous), replacing $SCRIPT_NAME; null for none.</summary>
    public string? ScriptName { get; set; }

    /// <summary>The HTTP version as sent, when Kestrel was handed another (--permit-unconventional-http-version); null when they are the same.</summary>
    public string? ProtocolAsSent { get; set; }

    /// <summary>Keys the HTTP front adds to environ as they are (gunicorn's PROXY_PROTOCOL, PROXY_ADDR, PROXY_PORT); null for none.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? ExtraEnviron { get; set; }

    /// <summary>Completed by the Python thread; continuations run on the thread pool, never on it.</summary>
    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Response state, written by start_response and the response writer (Python thread only).
    public ResponseProgress Progress { get; set; }

    /// <summary>What start_response stored (valid from <see cref="ResponseProgress.Started"/>).</summary>
    public StartResponseArgs Start { get; set; }

    /// <summary>The app's headers, hop-by-hop and Content-Length removed.</summary>
    public List<KeyValuePair<string, string>> Headers { get; } = [];

    /// <summary>The head as sent (valid from <see cref="ResponseProgress.HeadersSent"/>).</summary>
    public ResponseHead Head { get; set; }

    public long BytesSent { get; set; }
    public long UnflushedBytes { get; set; }

    /// <summary>Why output stopped early, if it did; see <see cref="WsgiFailure"/>.</summary>
    public WsgiFailure Failure { get; set; }

    /// <summary>Nothing more may be written: the client is gone or the request already failed.</summary>
    public bool OutputStopped => Failure != WsgiFailure.None;

    /// <summary>Set when reading the body failed; a malformed body is answered as gunicorn does (400), not as an app error.</summary>
    public Exception? BodyError { get; set; }

    /// <summary>The access log's "{NAME}e" values, read from environ before the GIL was released; null when the format has none.</summary>
    public IReadOnlyDictionary<string, string>? Environ { get; set; }

    /// <summary>The status the access log reports, set when the response is decided.</summary>
    public int LoggedStatus { get; set; }

    public AccessLogEntry ToAccessLogEntry() => ToAccessLogEntry(LoggedStatus, BytesSent);

    /// <summary>The access-log entry of a response answered by someone other than the app (the deadline's 504).</summary>
    public AccessLogEntry ToAccessLogEntry(int status, long bytesSent)
    {
        string raw = Request.RawTarget;
        int q = raw.IndexOf('?', StringComparison.Ordinal);
        IHttpRequestFeature request = Request;
        IHttpResponseFeature response = Response;
        return new AccessLogEntry
        {
            RemoteAddr = Connection.RemoteIpAddress?.ToString() ?? "-",
            Method = Request.Method,
            RawUri = raw,
            Path = q >= 0 ? raw[..q] : raw,
            Query = q >= 0 ? raw[(q + 1)..] : "",
            Protocol = ProtocolAsSent ?? ServerProtocol(Request.Protocol),
            Status = status,
            BytesSent = bytesSent,
            Started = Started,
            Duration = System.Diagnostics.Stopwatch.GetElapsedTime(StartTimestamp),
            RequestHeader = name => request.Headers.TryGetValue(name, out var v) ? v.ToString() : null,
            ResponseHeader = name => response.Headers.TryGetValue(name, out var v) ? v.ToString() : null,
            RequestHeaders = () => request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString())),
            ResponseHeaders = () => response.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString())),
            Environ = Environ,
        };
    }

    /// <summary>Whether Kestrel's protocol string is HTTP/2 (or later): no connection-specific headers.</summary>
    public static bool IsHttp2(string protocol) => protocol is "HTTP/2" or "HTTP/3";

    /// <summary>
    /// SERVER_PROTOCOL (and the access log's %(H)s) for Kestrel's protocol string: gunicorn 26's
    /// WSGI environ formats the version tuple, so HTTP/2 is "HTTP/2.0" (its ASGI scope says "HTTP/2").
    /// </summary>
    public static string ServerProtocol(string protocol) => protocol switch
    {
        "HTTP/2" => "HTTP/2.0",
        "HTTP/3" => "HTTP/3.0",
        _ => protocol,
    };
}
