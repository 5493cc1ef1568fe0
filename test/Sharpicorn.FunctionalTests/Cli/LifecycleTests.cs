using System.Text.RegularExpressions;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Cli;

public sealed class LifecycleTests
{
    [Fact]
    public void StartupLog_ReadsLikeGunicorns()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "wsgi_basic:app"]);
        Assert.Equal(200, RawHttp.Get(s.Port, "/big?1").Status);
        string log = s.ErrorLog;
        const string prefix = @"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[INFO\] ";
        Assert.Matches(new Regex(prefix + @"Starting sharpicorn \d+\.\d+\.\d+$", RegexOptions.Multiline), log);
        Assert.Matches(new Regex(prefix + $@"Listening at: http://127\.0\.0\.1:{s.Port} \({s.Pid}\)$", RegexOptions.Multiline), log);
        Assert.Matches(new Regex(prefix + "Using worker: sync$", RegexOptions.Multiline), log);
        Assert.Matches(new Regex(@"^\[[^]]+\] \[(\d+)\] \[INFO\] Booting worker with pid: \1$", RegexOptions.Multiline), log);
        Assert.DoesNotContain($"Booting worker with pid: {s.Pid}", log, StringComparison.Ordinal);
    }

    [Fact]
    public void Term_SlowRequestInFlight_CompletesThenExit0()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--threads", "2", "wsgi_basic:app"]);
        using var c = new RawHttp(s.Port);
        c.Send("GET /sleep?2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        // The app itself reports that the request is running.
        s.WaitForLog("sleep started");
        s.Signal(15);
        s.WaitForLog("Handling signal: term");
        HttpReply r = HttpReply.Parse(c.ReadToClose());
        Assert.Equal(200, r.Status);
        Assert.Contains("\"slept\": \"2\"", r.Body, StringComparison.Ordinal);
        Assert.Equal(0, s.WaitForExit());
        Assert.Contains("Shutting down: Master", s.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public void Int_Idle_Exit0()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "wsgi_basic:app"]);
        Assert.Equal(200, RawHttp.Get(s.Port, "/big?1").Status);
        s.Signal(2);
        Assert.Equal(0, s.WaitForExit());
        Assert.Contains("Handling signal: int", s.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public void AccessLog_DefaultFormat_GunicornsAtoms()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--access-logfile", "-", "wsgi_basic:app"]);
        RawHttp.Get(s.Port, "/big?5", "Referer: http://ref/\r\nUser-Agent: tester/1.0\r\n");
        s.Signal(15);
        s.WaitForExit();
        Assert.Matches(new Regex(@"^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] ""GET /big\?5 HTTP/1\.1"" 200 5 ""http://ref/"" ""tester/1\.0""$", RegexOptions.Multiline), s.Output);
    }

    [Fact]
    public void AccessLog_CustomFormat_HeaderAndTimingAtoms()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--access-logfile", "-", "--access-logformat", "%(m)s %(U)s %(q)s %(H)s %(s)s %(B)s %({x-req}i)s %({content-length}o)s %(p)s %(D)s %%", "wsgi_basic:app"]);
        RawHttp.Get(s.Port, "/big?3", "X-Req: abc\r\n");
        s.Signal(15);
        s.WaitForExit();
        Assert.Matches(new Regex(@"^GET /big 3 HTTP/1\.1 200 3 abc 3 <\d+> \d+ %$", RegexOptions.Multiline), s.Output);
    }

    [Fact]
    public void UnixSocket_Bind_ServesAndRemovesFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"sharpicorn-{Guid.NewGuid():N}.sock");
        using var s = ServerProcess.Start(["-b", "unix:" + path, "--python", Repo.DebianPython, "wsgi_basic:app"], waitReady: false);
        s.WaitForLog("Listening at: unix:" + path);
        using var sock = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        sock.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        sock.Send("GET /environ HTTP/1.1\r\nHost: example:81\r\nConnection: close\r\n\r\n"u8);
        var buf = new byte[65536];
        var text = new System.Text.StringBuilder();
        int n;
        while ((n = sock.Receive(buf)) > 0)
        {
            text.Append(System.Text.Encoding.Latin1.GetString(buf, 0, n));
        }
        HttpReply r = HttpReply.Parse(text.ToString());
        Assert.Equal(200, r.Status);
        Assert.Contains("\"SERVER_NAME\": \"example\"", r.Body, StringComparison.Ordinal);
        Assert.Contains("\"SERVER_PORT\": \"81\"", r.Body, StringComparison.Ordinal);
        s.Signal(15);
        Assert.Equal(0, s.WaitForExit());
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Ipv6AndRepeatedBind_BothServe()
    {
        using var s = ServerProcess.Start(["-b", "127.0.0.1:0", "-b", "[::1]:0", "--python", Repo.DebianPython, "wsgi_basic:app"]);
        Match m = Regex.Match(s.ErrorLog, @"Listening at: http://127\.0\.0\.1:\d+,http://\[::1\]:(\d+)");
        Assert.True(m.Success, s.ErrorLog);
        using var c = new System.Net.Sockets.TcpClient(System.Net.Sockets.AddressFamily.InterNetworkV6);
        c.Connect(System.Net.IPAddress.IPv6Loopback, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        c.GetStream().Write("GET /big?4 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"u8);
        string raw = new StreamReader(c.GetStream(), System.Text.Encoding.Latin1).ReadToEnd();
        Assert.EndsWith("zzzz", raw, StringComparison.Ordinal);
    }

    [Fact]
    public void Factory_CallWithLiteralArgs_Served()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "wsgi_basic:create_app('made here')"]);
        Assert.Contains("\"made_by\": \"made here\"", RawHttp.Get(s.Port, "/").Body, StringComparison.Ordinal);
    }
}
