using Sharpicorn.Logging;

namespace Sharpicorn.Tests.Logging;

public sealed class AccessLogFormatTests
{
    private static readonly AccessLogEntry Entry = new()
    {
        RemoteAddr = "10.0.0.1",
        Method = "POST",
        RawUri = "/a/b?x=1",
        Path = "/a/b",
        Query = "x=1",
        Protocol = "HTTP/1.1",
        Status = 201,
        BytesSent = 42,
        Started = new DateTimeOffset(2026, 11, 21, 23, 50, 7, TimeSpan.FromHours(-5)),
        Duration = TimeSpan.FromMilliseconds(1234.5678),
        RequestHeader = n => n switch
        {
            "referer" => "http://ref/",
            "user-agent" => "ua/1",
            "authorization" => "Basic " + Convert.ToBase64String("alice:secret"u8.ToArray()),
            "x-id" => "abc",
            _ => null,
        },
        ResponseHeader = n => n == "content-type" ? "text/plain" : null,
    };

    [Fact]
    public void Default_MatchesGunicornsLine()
    {
        Assert.Equal("10.0.0.1 - alice [21/Nov/2026:23:50:07 -0500] \"POST /a/b?x=1 HTTP/1.1\" 201 42 \"http://ref/\" \"ua/1\"",
            new AccessLogFormat(AccessLogFormat.Default).Render(Entry));
    }

    [Fact]
    public void EveryAtom_Rendered()
    {
        var f = new AccessLogFormat("%(m)s|%(U)s|%(q)s|%(H)s|%(s)s|%(B)s|%(T)s|%(M)s|%(D)s|%(L)s|%({x-id}i)s|%({Content-Type}o)s|%({missing}i)s|%%|%(l)s");
        Assert.Equal("POST|/a/b|x=1|HTTP/1.1|201|42|1|1234|1234567|1.234568|abc|text/plain|-|%|-", f.Render(Entry));
    }

    [Fact]
    public void ZeroBytes_LowercaseBIsZero()
    {
        // gunicorn's glogging: str(resp.sent) or '-', and str(0) is "0" (a non-empty string),
        // so a 204 or a HEAD logs 0, not Apache's "-".
        var e = new AccessLogEntry { BytesSent = 0 };
        Assert.Equal("0 0", new AccessLogFormat("%(b)s %(B)s").Render(e));
    }

    [Fact]
    public void EnvironAtom_ReadsCapturedEnviron_IgnoringCase()
    {
        var f = new AccessLogFormat("%({REMOTE_USER}e)s %({remote_user}e)s %({missing}e)s %({PATH}e)s");
        var e = new AccessLogEntry { Environ = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["REMOTE_USER"] = "carol" } };
        // PATH is in the process environment, not the request's environ: gunicorn prints "-".
        Assert.Equal("carol carol - -", f.Render(e));
        Assert.Equal(["REMOTE_USER", "missing", "PATH"], f.EnvironKeys);
    }

    [Fact]
    public void NoEnvironAtoms_NoKeysToCapture() => Assert.Empty(new AccessLogFormat(AccessLogFormat.Default + " %({x}i)s").EnvironKeys);

    [Fact]
    public void Quotes_EscapedInTextAtoms_AsSafeAtoms()
    {
        var e = new AccessLogEntry
        {
            Method = "GET",
            RawUri = "/\"q\"",
            Protocol = "HTTP/1.1",
            RequestHeader = n => n == "user-agent" ? "say \"hi\"" : null,
        };
        Assert.Equal("\"GET /\\\"q\\\" HTTP/1.1\" \"say \\\"hi\\\"\"", new AccessLogFormat("\"%(r)s\" \"%(a)s\"").Render(e));
    }

    [Fact]
    public void BadFormat_Refused() => Assert.Throws<FormatException>(() => new AccessLogFormat("%(h"));
}
