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
    public void Term_RequestInFlight_CompletesThenExit0()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--threads", "2", "--log-level", "debug", "wsgi_basic:app"]);
        using var c = new RawHttp(s.Port);
        // The request cannot finish before the test sends its body: it is in flight for as long
        // as the test wants, whatever the machine's speed (a timed sleep could end before TERM).
        c.Send("POST /wait_body HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nConnection: close\r\n\r\n");
        s.WaitForLog("waiting for the body");
        s.Signal(15);
        s.WaitForLog("Handling signal: term");
        // The worker's own report that it is shutting down with the request still open.
        s.WaitForLog("Stopped accepting; draining open connections");
        c.Send("hello");
        HttpReply r = HttpReply.Parse(c.ReadToClose());
        Assert.Equal(200, r.Status);
        Assert.Equal("hello", r.Body);
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
    public void IntAndHup_StartedWithSignalsIgnored_StillHandled()
    {
        // nohup starts a process with SIGHUP ignored, a background job of a non-interactive shell
        // with SIGINT and SIGQUIT ignored; gunicorn takes them over anyway, and so must sharpicorn.
        System.Diagnostics.ProcessStartInfo psi = ServerProcess.StartInfo("/bin/bash");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("trap '' HUP INT QUIT; exec \"$0\" -b 127.0.0.1:0 --python \"$1\" --chdir \"$2\" wsgi_basic:app");
        psi.ArgumentList.Add(Repo.Launcher);
        psi.ArgumentList.Add(Repo.DebianPython);
        psi.ArgumentList.Add(Repo.Apps);
        using var s = ServerProcess.Run(psi);
        Assert.Equal(200, RawHttp.Get(s.Port, "/big?1").Status);
        s.Signal(1);
        s.WaitForLog("Hang up: Master");
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
        using var s = ServerProcess.Start(["-b", "unix:" + path, "--python", Repo.DebianPython, "wsgi_basic:app"]);
        Assert.Equal("unix:" + path, Assert.Single(s.Addresses));
        HttpReply r = HttpReply.Parse(RawHttp.Exchange(new System.Net.Sockets.UnixDomainSocketEndPoint(path), "GET /environ HTTP/1.1\r\nHost: example:81\r\nConnection: close\r\n\r\n"));
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
        var v6 = new System.Net.IPEndPoint(System.Net.IPAddress.IPv6Loopback, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, s.Addresses.Count);
        Assert.Equal("zzzz", RawHttp.Get(s.Port, "/big?4").Body);
        string raw = RawHttp.Exchange(v6, "GET /big?4 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        Assert.EndsWith("zzzz", raw, StringComparison.Ordinal);
    }

    [Fact]
    public void Factory_CallWithLiteralArgs_Served()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "wsgi_basic:create_app('made here')"]);
        Assert.Contains("\"made_by\": \"made here\"", RawHttp.Get(s.Port, "/").Body, StringComparison.Ordinal);
    }
}
