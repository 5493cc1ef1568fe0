namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "HTTP/2" section (gunicorn 25/26), served by Kestrel's HTTP/2 (Sharpicorn.Server/Http/KestrelLimits and KestrelFront).</summary>
internal static class Http2Settings
{
    /// <summary>gunicorn's VALID_HTTP_PROTOCOLS.</summary>
    private static readonly string[] Valid = ["h1", "h2", "h3"];

    /// <summary>RFC 9113 6.5.2: SETTINGS_MAX_FRAME_SIZE lies between 2^14 and 2^24-1 (gunicorn's validate_http2_frame_size).</summary>
    private const int MinFrameSize = 16384, MaxFrameSize = 16777215;

    /// <summary>Kestrel's floor for a stream window: RFC 9113's initial 65535 (gunicorn accepts less; Kestrel cannot advertise it).</summary>
    private const int MinWindowSize = 65535;

    public static readonly Setting[] All =
    [
        new StringSetting
        {
            Name = "http_protocols", Section = Section.Http2, Flags = ["--http-protocols"], Meta = "STRING",
            Help = "The HTTP versions to offer, comma-separated in order of preference: h1, h2 (h3 is accepted and ignored, as gunicorn does).",
            Default = "h1", DefaultOrigin = "gunicorn's default", CommaList = true,
            Validate = ValidateProtocols,
            Set = (s, v) =>
            {
                s.HttpProtocols.Clear();
                s.HttpProtocols.AddRange(ValidateProtocols(v)!.Split(','));
            },
            Get = s => string.Join(',', s.HttpProtocols),
            Notes = "h2 is offered by ALPN on a TLS listener; without TLS it needs --http2-cleartext. The sync worker (-k sync, one thread) "
                + "serves HTTP/1.1 only and logs gunicorn's warning; an ASGI app never runs it (gunicorn 26's asgi worker serves HTTP/2, "
                + "WebSockets included as RFC 8441's extended CONNECT). With h2 alone on TLS, a client that does not negotiate h2 is closed "
                + "(Kestrel) where gunicorn would fall back to HTTP/1.1.",
        },
        new StringSetting
        {
            Name = "http2_cleartext", Section = Section.Http2, Flags = ["--http2-cleartext"], Meta = "STRING",
            Help = "Accept HTTP/2 without TLS (h2c) from peers in forwarded_allow_ips: off, prior-knowledge, upgrade or both. An `Upgrade: h2c` request is answered over HTTP/1.1, not upgraded.",
            Default = "off", DefaultOrigin = "gunicorn's default", Choices = ["off", "prior-knowledge", "upgrade", "both"], IgnoreCase = true,
            // gunicorn keeps `http2_cleartext = True` in a config file meaning prior knowledge.
            BoolMeans = ("off", "prior-knowledge"),
            Set = (s, v) => s.Http2Cleartext = v ?? "off", Get = s => s.Http2Cleartext,
            Notes = "prior-knowledge is gunicorn's: only a peer in forwarded_allow_ips (or on a unix socket) is sniffed for the HTTP/2 "
                + "preface, anyone else is served HTTP/1.x, and a trusted peer that sends anything but the preface gets 400. Needs h2 in "
                + "http_protocols and a worker class other than sync; ignored on TLS listeners. `upgrade` is accepted but an `Upgrade: h2c` "
                + "request is answered over HTTP/1.1 without switching (Kestrel has no h2c upgrade; RFC 9110 7.8 lets a server ignore "
                + "Upgrade); with both, a trusted peer may send either the preface or HTTP/1.x.",
        },
        new IntSetting
        {
            Name = "http2_max_concurrent_streams", Section = Section.Http2, Flags = ["--http2-max-concurrent-streams"], Meta = "INT",
            Help = "The maximum number of concurrent HTTP/2 streams per connection.",
            Default = 100, DefaultOrigin = "gunicorn's default", Min = 1,
            Set = (s, v) => s.Http2MaxConcurrentStreams = v, Get = s => s.Http2MaxConcurrentStreams,
            Notes = "Kestrel's Limits.Http2.MaxStreamsPerConnection; 0 (which gunicorn accepts and which would refuse every request) is refused.",
        },
        new IntSetting
        {
            Name = "http2_initial_window_size", Section = Section.Http2, Flags = ["--http2-initial-window-size"], Meta = "INT",
            Help = "The initial HTTP/2 stream flow-control window in bytes (at most 2147483647).",
            Default = 65535, DefaultOrigin = "gunicorn's default, RFC 9113's initial window", Min = MinWindowSize,
            Set = (s, v) => s.Http2InitialWindowSize = v, Get = s => s.Http2InitialWindowSize,
            Notes = "Kestrel's Limits.Http2.InitialStreamWindowSize (the connection window is Kestrel's 1 MiB, or this if larger); "
                + "values below 65535, which gunicorn accepts, are refused: Kestrel cannot advertise them.",
        },
        new IntSetting
        {
            Name = "http2_max_frame_size", Section = Section.Http2, Flags = ["--http2-max-frame-size"], Meta = "INT",
            Help = "The largest HTTP/2 frame payload in bytes (16384 to 16777215).",
            Default = 16384, DefaultOrigin = "gunicorn's default, RFC 9113's minimum",
            Validate = v => v is >= MinFrameSize and <= MaxFrameSize ? v
                : throw new SettingException($"http2_max_frame_size must be between {MinFrameSize} and {MaxFrameSize}, got {v}"),
            Set = (s, v) => s.Http2MaxFrameSize = v, Get = s => s.Http2MaxFrameSize,
            Notes = "Kestrel's Limits.Http2.MaxFrameSize.",
        },
        new IntSetting
        {
            Name = "http2_max_header_list_size", Section = Section.Http2, Flags = ["--http2-max-header-list-size"], Meta = "INT",
            Help = "The largest HTTP/2 header list in bytes after HPACK decoding; 0 is unlimited.",
            Default = 65536, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.Http2MaxHeaderListSize = v, Get = s => s.Http2MaxHeaderListSize,
            Notes = "Advertised as SETTINGS_MAX_HEADER_LIST_SIZE and enforced by Kestrel (its MaxRequestHeadersTotalSize is shared with "
                + "HTTP/1.1, so it is set to the larger of the two limits and this one is checked exactly per HTTP/2 request, with 431).",
        },
    ];

    /// <summary>gunicorn's validate_http_protocols: lower-cased, trimmed, known and unique; empty means h1. Kept as a comma-joined string.</summary>
    internal static string? ValidateProtocols(string? value)
    {
        var protocols = new List<string>();
        foreach (string p in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string proto = p.ToLowerInvariant();
            if (Array.IndexOf(Valid, proto) < 0)
            {
                throw new SettingException($"Invalid protocol '{proto}'. Valid protocols: {string.Join(", ", Valid)}");
            }
            if (protocols.Contains(proto))
            {
                throw new SettingException("Duplicate protocols specified");
            }
            protocols.Add(proto);
        }
        return protocols.Count == 0 ? "h1" : string.Join(',', protocols);
    }
}
