namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "HTTP/2" section: the front listens for HTTP/1.1 only, so each is refused unless left at gunicorn's default.</summary>
internal static class Http2Settings
{
    private const string Http2 = "HTTP/2 is not supported yet: sharpicorn's front speaks HTTP/1.1 only";

    public static readonly Setting[] All =
    [
        new StringSetting
        {
            Name = "http_protocols", Section = Section.Http2, Flags = ["--http-protocols"], Meta = "STRING",
            Help = "The HTTP versions to offer, comma-separated in order of preference: h1, h2.",
            Default = "h1", DefaultOrigin = "gunicorn's default", CommaList = true,
            Status = SettingStatus.Refused, Planned = true, Reason = Http2,
        },
        new StringSetting
        {
            Name = "http2_cleartext", Section = Section.Http2, Flags = ["--http2-cleartext"], Meta = "STRING",
            Help = "Accept HTTP/2 without TLS (h2c): off, prior-knowledge, upgrade or both.",
            Default = "off", DefaultOrigin = "gunicorn's default", Choices = ["off", "prior-knowledge", "upgrade", "both"], IgnoreCase = true,
            Status = SettingStatus.Refused, Planned = true, Reason = Http2,
        },
        Int("http2_max_concurrent_streams", "--http2-max-concurrent-streams", "The maximum number of concurrent HTTP/2 streams per connection.", 100),
        Int("http2_initial_window_size", "--http2-initial-window-size", "The initial HTTP/2 flow-control window in bytes.", 65535),
        Int("http2_max_frame_size", "--http2-max-frame-size", "The largest HTTP/2 frame payload in bytes.", 16384),
        Int("http2_max_header_list_size", "--http2-max-header-list-size", "The largest HTTP/2 header list in bytes.", 65536),
    ];

    private static IntSetting Int(string name, string flag, string help, int gunicornDefault) => new()
    {
        Name = name,
        Section = Section.Http2,
        Flags = [flag],
        Meta = "INT",
        Help = help,
        Default = gunicornDefault,
        DefaultOrigin = "gunicorn's default",
        Status = SettingStatus.Refused,
        Planned = true,
        Reason = Http2,
    };
}
