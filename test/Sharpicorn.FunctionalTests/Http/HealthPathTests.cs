using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>--health-path: answered by the worker's HTTP front; the app (which counts its calls) never sees it.</summary>
public sealed class HealthPathTests
{
    [Fact]
    public void HealthPath_GetHeadAndQuery_AnsweredWithoutAppOrAccessLog()
    {
        using var server = ServerProcess.Start(["--health-path", "/healthz", "--access-logfile", "-", "--python", Repo.DebianPython, "health_app:app"]);

        HttpReply get = RawHttp.Get(server.Port, "/healthz");
        Assert.Equal("HTTP/1.1 200 OK", get.StatusLine);
        Assert.Equal("text/plain", get.Header("Content-Type"));
        Assert.Equal("3", get.Header("Content-Length"));
        Assert.Equal("OK\n", get.Body);

        Assert.Equal("OK\n", RawHttp.Get(server.Port, "/healthz?probe=1").Body);
        string head = RawHttp.Exchange(server.Port, "HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", head, StringComparison.Ordinal);

        // Only exact paths are the server's: these reach the app, which has been called once, then twice.
        Assert.Equal("1", RawHttp.Get(server.Port, "/healthz/").Body);
        Assert.Equal("2", RawHttp.Get(server.Port, "/healthzz").Body);

        // Stopped, so the access log (stdout) is complete: only the app's two requests are in it.
        server.Signal(15);
        Assert.Equal(0, server.WaitForExit());
        string[] lines = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"GET /healthz/ HTTP/1.1\" 200", lines[0], StringComparison.Ordinal);
        Assert.Contains("\"GET /healthzz HTTP/1.1\" 200", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void HealthPath_NotStartingWithSlash_Refused()
    {
        using var server = ServerProcess.Start(["--health-path", "healthz", "--python", Repo.DebianPython, "health_app:app"], waitReady: false);
        Assert.Equal(2, server.WaitForExit());
        Assert.Contains("health_path must start with '/', got 'healthz'", server.ErrorLog, StringComparison.Ordinal);
    }
}
