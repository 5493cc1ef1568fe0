using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Apps;

/// <summary>wsgiref.validate.validator around the test app: the standard library checks our side of PEP 3333.</summary>
public sealed class ValidatorTests
{
    [Fact]
    public void Validator_RequestMix_NoViolation()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--threads", "2", "validated:app"]);
        string[] targets = ["/environ", "/environ/caf%C3%A9?x=1", "/chunked", "/write", "/file", "/closing", "/status/299", "/filelike"];
        foreach (string t in targets)
        {
            HttpReply r = RawHttp.Get(s.Port, t);
            Assert.True(r.Status is 200 or 299, $"{t}: {r.StatusLine}\n{s.ErrorLog}");
        }
        foreach (string mode in new[] { "readline", "readline_n?3", "read_n?4", "readlines", "iter" })
        {
            HttpReply r = HttpReply.Parse(RawHttp.Exchange(s.Port, $"POST /input/{mode} HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\nConnection: close\r\n\r\nab\ncd\nefghi"));
            Assert.True(r.Status == 200, $"{mode}: {r.StatusLine}\n{s.ErrorLog}");
        }
        HttpReply head = HttpReply.Parse(RawHttp.Exchange(s.Port, "HEAD /environ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
        Assert.Equal(200, head.Status);
        Assert.DoesNotContain("AssertionError", s.ErrorLog, StringComparison.Ordinal);
        Assert.DoesNotContain("WSGIWarning", s.ErrorLog, StringComparison.Ordinal);
    }
}
