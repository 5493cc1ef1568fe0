using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sharpicorn.Logging;

/// <summary>
/// --access-log-json (sharpicorn's own): one JSON object per request, one per line, in place of
/// access_log_format. The fields are the atoms' data under readable names; a value that is
/// absent is null (where the text format prints "-"). The format's "{NAME}i", "{NAME}o" and
/// "{NAME}e" atoms choose which request headers, response headers and environ keys are added.
/// <code>
/// {"time":"2026-11-29T13:05:01.123+00:00","remote_addr":"127.0.0.1","user":null,
///  "method":"GET","uri":"/a?b=1","path":"/a","query":"b=1","protocol":"HTTP/1.1",
///  "status":200,"bytes":12,"duration_us":1234,"referer":null,"user_agent":"curl/8.0",
///  "pid":4242,"request_headers":{"x-request-id":"abc"},"response_headers":{},"environ":{}}
/// </code>
/// Strings are escaped by System.Text.Json: quotes, backslashes and control characters become
/// escapes, other characters (Latin-1 header bytes included) are written as UTF-8.
/// </summary>
internal static class AccessLogJson
{
    private static readonly JsonWriterOptions Options = new()
    {
        // Relaxed: leaves non-ASCII and HTML-sensitive characters as they are (a log is not
        // HTML); it still escapes everything JSON requires.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private static readonly string Pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    public static string Render(AccessLogEntry e, AccessLogFormat format)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteString("time", e.Started.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture));
            w.WriteString("remote_addr", e.RemoteAddr);
            string user = AccessLogFormat.User(e.RequestHeader("authorization"));
            Nullable(w, "user", user == "-" ? null : user);
            w.WriteString("method", e.Method);
            w.WriteString("uri", e.RawUri);
            w.WriteString("path", e.Path);
            w.WriteString("query", e.Query);
            w.WriteString("protocol", e.Protocol);
            w.WriteNumber("status", e.Status);
            w.WriteNumber("bytes", e.BytesSent);
            w.WriteNumber("duration_us", e.Duration.Ticks / 10);
            Nullable(w, "referer", e.RequestHeader("referer"));
            Nullable(w, "user_agent", e.RequestHeader("user-agent"));
            w.WritePropertyName("pid");
            w.WriteRawValue(Pid, skipInputValidation: true);
            Values(w, "request_headers", format.RequestHeaders, e.RequestHeader);
            Values(w, "response_headers", format.ResponseHeaders, e.ResponseHeader);
            Values(w, "environ", format.EnvironKeys, k => e.Environ?.GetValueOrDefault(k));
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Nullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void Values(Utf8JsonWriter w, string name, IReadOnlyList<string> keys, Func<string, string?> read)
    {
        if (keys.Count == 0)
        {
            return;
        }
        w.WriteStartObject(name);
        foreach (string key in keys)
        {
            Nullable(w, key, read(key));
        }
        w.WriteEndObject();
    }
}
