namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "Security" section.</summary>
internal static class SecuritySettings
{
    public static readonly Setting[] All =
    [
        new IntSetting
        {
            Name = "limit_request_line", Section = Section.Security, Flags = ["--limit-request-line"], Meta = "INT",
            Help = "The maximum size of the HTTP request line in bytes; 0 is unlimited.",
            Default = 4094, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.LimitRequestLine = v, Get = s => s.LimitRequestLine,
        },
        new IntSetting
        {
            Name = "limit_request_fields", Section = Section.Security, Flags = ["--limit-request-fields"], Meta = "INT",
            Help = "The maximum number of HTTP request headers (capped at 32768).",
            Default = 100, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.LimitRequestFields = v, Get = s => s.LimitRequestFields,
        },
        new IntSetting
        {
            Name = "limit_request_field_size", Section = Section.Security, Flags = ["--limit-request-field_size"], Meta = "INT",
            Help = "The maximum size of one HTTP request header in bytes; 0 is unlimited.",
            Default = 8190, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.LimitRequestFieldSize = v, Get = s => s.LimitRequestFieldSize,
        },
    ];
}
