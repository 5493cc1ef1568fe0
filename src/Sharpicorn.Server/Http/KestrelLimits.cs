using Microsoft.AspNetCore.Server.Kestrel.Core;
using Sharpicorn.Cli;

namespace Sharpicorn.Http;

/// <summary>
/// The one place where gunicorn's names meet Kestrel's. Where Kestrel has no equivalent, or
/// answers differently from gunicorn, Kestrel's own limit is set above gunicorn's and
/// <see cref="RequestChecks"/> applies gunicorn's exactly.
/// </summary>
internal static class KestrelLimits
{
    public static void Apply(KestrelServerLimits limits, ServerSettings s)
    {
        // keepalive: gunicorn's default 2 s. 0 disables keep-alive (see WsgiHttpApplication).
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(Math.Max(s.KeepAlive, 1));

        // limit_request_line: gunicorn's is checked exactly in RequestChecks, with gunicorn's
        // 400; Kestrel's own (414) is only the backstop, 4 KiB above it, or 64 KiB for "0". It
        // is three times over, as Kestrel may parse a copy with non-ASCII bytes percent-encoded.
        limits.MaxRequestLineSize = s.LimitRequestLine == 0 ? 64 * 1024 : (3 * s.LimitRequestLine) + 4096;

        // limit_request_fields: gunicorn's default 100, capped at 32768; both answer 431.
        int fields = s.LimitRequestFields is <= 0 or > 32768 ? 32768 : s.LimitRequestFields;
        limits.MaxRequestHeaderCount = fields;

        // limit_request_field_size: Kestrel has no per-field limit (RequestChecks checks it);
        // its total limit is set to what gunicorn's two limits allow together. With 0 a field is
        // unlimited, but gunicorn's head buffer (max_buffer_headers) still counts 8190 per field.
        long fieldSize = s.LimitRequestFieldSize <= 0 ? 8190 : s.LimitRequestFieldSize;
        int http1Total = (int)Math.Min(int.MaxValue, (fields + 1) * (fieldSize + 2));

        // http2_max_header_list_size: gunicorn's default 64 KiB, 0 unlimited. Kestrel advertises
        // MaxRequestHeadersTotalSize as SETTINGS_MAX_HEADER_LIST_SIZE and shares it with HTTP/1.1,
        // so it is the larger of the two; RequestChecks applies each protocol's own exactly.
        int http2List = s.Http2MaxHeaderListSize <= 0 ? int.MaxValue : s.Http2MaxHeaderListSize;
        limits.MaxRequestHeadersTotalSize = Math.Max(http1Total, http2List);

        // Kestrel refuses to start when its read-ahead buffer (1 MiB by default) is smaller than
        // a request line or a head it allows, so gunicorn's "0, unlimited" (or any limits over
        // 1 MiB) grow the buffer with them instead of crashing every worker at boot.
        long head = Math.Max(limits.MaxRequestHeadersTotalSize, limits.MaxRequestLineSize);
        if (limits.MaxRequestBufferSize is long buffer && buffer < head)
        {
            limits.MaxRequestBufferSize = head;
        }

        // gunicorn has no body-size cap; Kestrel's default is 30 MB.
        limits.MaxRequestBodySize = null;

        // gunicorn does not drop slow uploads or slow readers; Kestrel's defaults would.
        limits.MinRequestBodyDataRate = null;
        limits.MinResponseDataRate = null;

        // header_timeout (sharpicorn's own, 10 s; Kestrel's default is 30 s): a head that has
        // started arriving must be complete by then, or the connection gets a 408 and is closed.
        // This is what sheds a slowloris; a fresh connection that sends nothing is closed at the
        // keep-alive timeout, as Kestrel times a connection's first request like a next one.
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(Math.Max(s.HeaderTimeout, 1));

        // worker_connections (gunicorn's default 1000, gthread only) is applied by AcceptGate
        // before accept(2), to requests in progress rather than open connections, with a hard
        // cap on open connections from the open-file limit: over either a connection stays in
        // the kernel queue for another worker, where Kestrel's MaxConcurrentConnections would
        // accept it and close it.
        limits.MaxConcurrentConnections = null;
        limits.MaxConcurrentUpgradedConnections = null;

        ApplyHttp2(limits.Http2, s);
    }

    /// <summary>gunicorn's HTTP/2 settings (validated in Http2Settings, so Kestrel's setters accept them).</summary>
    public static void ApplyHttp2(Http2Limits h2, ServerSettings s)
    {
        // http2_max_concurrent_streams: gunicorn's default 100 (also Kestrel's).
        h2.MaxStreamsPerConnection = s.Http2MaxConcurrentStreams;
        // http2_max_frame_size: gunicorn's default 16384, RFC 9113's minimum (also Kestrel's).
        h2.MaxFrameSize = s.Http2MaxFrameSize;
        // http2_initial_window_size: gunicorn's default 65535, the SETTINGS_INITIAL_WINDOW_SIZE
        // each stream starts with (Kestrel's own default is 768 KiB). The connection window is
        // not a gunicorn setting: Kestrel's 1 MiB, raised to the stream window if that is larger
        // (Kestrel requires connection >= stream).
        h2.InitialStreamWindowSize = s.Http2InitialWindowSize;
        h2.InitialConnectionWindowSize = Math.Max(h2.InitialConnectionWindowSize, s.Http2InitialWindowSize);
        // One decoded field may be as large as the whole list allows (Kestrel's default 32 KiB
        // would refuse a single large cookie gunicorn accepts).
        h2.MaxRequestHeaderFieldSize = s.Http2MaxHeaderListSize <= 0 ? int.MaxValue : Math.Max(s.Http2MaxHeaderListSize, 16384);
    }
}
