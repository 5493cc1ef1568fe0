using System.Text;
using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Logging;

/// <summary>--access-log-json and the {NAME}e atom, through a real worker.</summary>
public sealed class AccessLogTests
{
    [Fact]
    public void Json_HostileHeaderBytes_OneParsableObjectPerRequest()
    {
        string file = Path.Combine(Path.GetTempPath(), $"access-{Guid.NewGuid():N}.log");
        try
        {
            using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--access-logfile", file, "--access-log-json",
                "--access-logformat", "%({X-Hostile}i)s %({x-out}o)s %({app.user}e)s %({app.note}e)s", "metrics_app:app"]);
            // Raw Latin-1 bytes as a client sends them: quotes, backslashes, a tab and
            // non-ASCII Latin-1 (é, ÿ). Control bytes in a header get a 400 from Kestrel, so
            // they come through environ instead: the app unquotes the query into app.note.
            const string hostile = "a\"b\\c\td \u00e9\u00ff \\\" {\"k\":1}";
            const string note = "\u0000\u0001\u001f\u007f\n\r\"\\ \u00e9 \u2028 \U0001F600";
            HttpReply r = HttpReply.Parse(RawHttp.Exchange(s.Port, $"GET /?%00%01%1F%7F%0A%0D%22%5C%20%C3%A9%20%E2%80%A8%20%F0%9F%98%80 HTTP/1.1\r\nHost: t\r\nX-Hostile: {hostile}\r\nUser-Agent: {hostile}\r\nConnection: close\r\n\r\n"));
            Assert.Equal(200, r.Status);
            Assert.Equal(404, RawHttp.Get(s.Port, "/status/404").Status);
            s.Signal(15);
            Assert.Equal(0, s.WaitForExit());

            string[] lines = File.ReadAllLines(file, Encoding.UTF8);
            Assert.Equal(2, lines.Length);
            using JsonDocument first = JsonDocument.Parse(lines[0]);
            JsonElement e = first.RootElement;
            Assert.Equal(hostile, e.GetProperty("request_headers").GetProperty("x-hostile").GetString());
            Assert.Equal(hostile, e.GetProperty("user_agent").GetString());
            Assert.Equal("say \"hi\"", e.GetProperty("response_headers").GetProperty("x-out").GetString());
            Assert.Equal("alice", e.GetProperty("environ").GetProperty("app.user").GetString());
            Assert.Equal(note, e.GetProperty("environ").GetProperty("app.note").GetString());
            Assert.Equal(200, e.GetProperty("status").GetInt32());
            Assert.Equal(2, e.GetProperty("bytes").GetInt64());
            using JsonDocument second = JsonDocument.Parse(lines[1]);
            Assert.Equal(404, second.RootElement.GetProperty("status").GetInt32());
            Assert.Equal(JsonValueKind.Null, second.RootElement.GetProperty("request_headers").GetProperty("x-hostile").ValueKind);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void EnvironAtom_ReadsTheRequestsEnviron()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--access-logfile", "-",
            "--access-logformat", "env=%({app.user}e)s|%({REMOTE_ADDR}e)s|%({wsgi.url_scheme}e)s|%({request_method}e)s|%({PATH}e)s|%({x-out}o)s", "metrics_app:app"]);
        Assert.Equal(200, RawHttp.Get(s.Port, "/").Status);
        s.Signal(15);
        s.WaitForExit();
        // app.user was set by the app; PATH is in the process environment but not in environ;
        // the quotes of a text value are escaped as gunicorn's SafeAtoms does.
        Assert.Contains("env=alice|127.0.0.1|http|GET|-|say \\\"hi\\\"\n", s.Output, StringComparison.Ordinal);
    }
}
