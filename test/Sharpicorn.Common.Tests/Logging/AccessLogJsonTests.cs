using System.Text.Json;
using Sharpicorn.Logging;

namespace Sharpicorn.Tests.Logging;

public sealed class AccessLogJsonTests
{
    /// <summary>Quotes, backslashes, every C0 control byte but CR/LF, DEL, and Latin-1 letters: what a header may carry as Kestrel decodes it.</summary>
    private const string Hostile = "a\"b\\c\t\u0001\u001f\u007f é ÿ \\\" {\"x\":1}";

    private static AccessLogEntry Entry(string agent) => new()
    {
        RemoteAddr = "10.0.0.1",
        Method = "GET",
        RawUri = "/p?q=\"1\"",
        Path = "/p",
        Query = "q=\"1\"",
        Protocol = "HTTP/1.1",
        Status = 418,
        BytesSent = 7,
        Started = new DateTimeOffset(2026, 11, 21, 23, 50, 7, 123, TimeSpan.FromHours(1)),
        Duration = TimeSpan.FromTicks(12_345_670),
        RequestHeader = n => n switch
        {
            "user-agent" => agent,
            "x-id" => agent,
            "authorization" => "Basic " + Convert.ToBase64String("bob:pw"u8.ToArray()),
            _ => null,
        },
        ResponseHeader = n => n == "content-type" ? "text/plain" : null,
        Environ = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["app.user"] = agent },
    };

    [Fact]
    public void Render_HostileValues_ParseBackExactly()
    {
        var format = new AccessLogFormat("%({X-Id}i)s %({content-type}o)s %({app.user}e)s %({missing}e)s");
        string line = AccessLogJson.Render(Entry(Hostile), format);
        Assert.DoesNotContain('\n', line);
        using JsonDocument doc = JsonDocument.Parse(line);
        JsonElement root = doc.RootElement;
        Assert.Equal(Hostile, root.GetProperty("user_agent").GetString());
        Assert.Equal(Hostile, root.GetProperty("request_headers").GetProperty("x-id").GetString());
        Assert.Equal(Hostile, root.GetProperty("environ").GetProperty("app.user").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("environ").GetProperty("missing").ValueKind);
        Assert.Equal("text/plain", root.GetProperty("response_headers").GetProperty("content-type").GetString());
        Assert.Equal("/p?q=\"1\"", root.GetProperty("uri").GetString());
    }

    [Fact]
    public void Render_Fields_NamesAndTypes()
    {
        using JsonDocument doc = JsonDocument.Parse(AccessLogJson.Render(Entry("ua"), new AccessLogFormat(AccessLogFormat.Default)));
        JsonElement r = doc.RootElement;
        Assert.Equal("2026-11-21T23:50:07.123+01:00", r.GetProperty("time").GetString());
        Assert.Equal("10.0.0.1", r.GetProperty("remote_addr").GetString());
        Assert.Equal("bob", r.GetProperty("user").GetString());
        Assert.Equal("GET", r.GetProperty("method").GetString());
        Assert.Equal("/p", r.GetProperty("path").GetString());
        Assert.Equal("q=\"1\"", r.GetProperty("query").GetString());
        Assert.Equal("HTTP/1.1", r.GetProperty("protocol").GetString());
        Assert.Equal(418, r.GetProperty("status").GetInt32());
        Assert.Equal(7, r.GetProperty("bytes").GetInt64());
        Assert.Equal(1_234_567, r.GetProperty("duration_us").GetInt64());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("referer").ValueKind);
        Assert.Equal(Environment.ProcessId, r.GetProperty("pid").GetInt32());
        // The default format has no {NAME}i/o/e atoms: no extra objects.
        Assert.False(r.TryGetProperty("request_headers", out _));
        Assert.False(r.TryGetProperty("environ", out _));
    }

    [Fact]
    public void Render_ControlBytes_EscapedNotRaw()
    {
        string line = AccessLogJson.Render(Entry("x\u0001y"), new AccessLogFormat(AccessLogFormat.Default));
        Assert.Contains("x\\u0001y", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\u0001', line);
    }
}
