using System.Diagnostics;
using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>
/// --timeout and --request-timeout with real processes. The app blocks in C code (open/read of a
/// FIFO, no GIL, deaf to async exceptions) until the test writes to the FIFO, and the test
/// writes only after it has received what it waits for: a 504 that arrives while the FIFO is
/// still closed was sent while the app was still blocked, with no clock involved.
/// </summary>
public sealed class TimeoutTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharpicorn-timeouts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ServerProcess Start(params string[] extra) =>
        ServerProcess.Start(["--python", Repo.DebianPython, .. extra, "timeout_app:app"]);

    private static int Pid(int port) => JsonDocument.Parse(RawHttp.Get(port, "/pid").Body).RootElement.GetProperty("pid").GetInt32();

    private string Fifo(string name)
    {
        string path = Path.Combine(_dir, name);
        using var mk = Process.Start("mkfifo", path);
        mk.WaitForExit();
        Assert.Equal(0, mk.ExitCode);
        return path;
    }

    /// <summary>
    /// Lets the app's open() return; the app must be blocked on it. An interrupt from
    /// --request-timeout fires as soon as open() returns, and the app closes the FIFO before
    /// reading: the write then finds no reader, which is fine.
    /// </summary>
    private static void Release(string fifo)
    {
        try
        {
            File.WriteAllText(fifo, "go");
        }
        catch (IOException)
        {
            // Broken pipe: the reader went away after open(), as described above.
        }
    }

    private static RawHttp Blocked(ServerProcess s, string target, string fifo)
    {
        var c = new RawHttp(s.Port);
        c.Send($"GET {target}?{fifo} HTTP/1.1\r\nHost: t\r\n\r\n");
        s.WaitForLog("blocked on " + fifo);
        return c;
    }

    private static void AssertGatewayTimeout(HttpReply r)
    {
        Assert.Equal("HTTP/1.1 504 Gateway Timeout", r.StatusLine);
        Assert.Equal("close", r.Header("Connection"));
        Assert.Contains("<h1><p>Gateway Timeout</p></h1>", r.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestTimeout_AppBlockedInC_504WhileItStillBlocks()
    {
        string access = Path.Combine(_dir, "access.log");
        using ServerProcess s = Start("--request-timeout", "1", "--threads", "2", "--access-logfile", access);
        int pid = Pid(s.Port);
        string fifo = Fifo("a");
        using RawHttp c = Blocked(s, "/block", fifo);

        AssertGatewayTimeout(c.ReadResponse());
        Assert.DoesNotContain("released from", s.ErrorLog, StringComparison.Ordinal);
        Assert.Contains($"\"GET /block?{fifo} HTTP/1.1\" 504 ", File.ReadAllText(access), StringComparison.Ordinal);

        // The stack is logged while the app still blocks; then it unwinds in the background, its
        // late response going nowhere, and the worker stays.
        s.WaitForLog($"Request timeout (1 s): thread python-");
        Assert.Contains($"serving GET /block?{fifo} for", s.ErrorLog, StringComparison.Ordinal);
        Release(fifo);
        // Either the interrupt ended it, or it returned first and its response was discarded.
        s.WaitForLog($"Request timed out: GET /block?{fifo}");
        Assert.Equal(pid, Pid(s.Port));
        Assert.Single(File.ReadAllLines(access), l => l.Contains("/block?", StringComparison.Ordinal));
    }

    [Fact]
    public void RequestTimeout_StartResponseCalledNothingSent_504()
    {
        using ServerProcess s = Start("--request-timeout", "1", "--threads", "2");
        string fifo = Fifo("b");
        using RawHttp c = Blocked(s, "/started_then_block", fifo);
        AssertGatewayTimeout(c.ReadResponse());
        Release(fifo);
        s.WaitForLog($"Request timed out: GET /started_then_block?{fifo}");
    }

    [Fact]
    public void RequestTimeout_FirstByteSent_ResponseStaysTheApps()
    {
        using ServerProcess s = Start("--request-timeout", "1", "--threads", "2");
        string fifo = Fifo("c");
        using RawHttp c = Blocked(s, "/sent_then_block", fifo);
        string head = c.ReadUntil("first\n");
        Assert.StartsWith("HTTP/1.1 200 OK", head, StringComparison.Ordinal);
        s.WaitForLog("Request timeout (1 s): thread python-");
        // The interrupt lands when the read returns: too late for a 504, the body is cut instead.
        Release(fifo);
        string rest = c.ReadToClose();
        Assert.DoesNotContain("504", rest, StringComparison.Ordinal);
        Assert.DoesNotContain("0\r\n\r\n", rest, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestTimeout_BodyNeverArrives_504WhileTheAppWaitsForIt()
    {
        using ServerProcess s = Start("--request-timeout", "1", "--threads", "2");
        int pid = Pid(s.Port);
        using var c = new RawHttp(s.Port);
        c.Send("POST /read_body HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab");
        s.WaitForLog("reading body");
        AssertGatewayTimeout(c.ReadResponse());
        s.WaitForLog("read failed: request timed out");
        Assert.Equal(pid, Pid(s.Port));
    }

    [Fact]
    public void RequestTimeout_AllThreadsStuck_504sThenReplacedGracefully()
    {
        using ServerProcess s = Start("--request-timeout", "1", "--threads", "2", "--log-level", "debug");
        int first = Pid(s.Port);
        string fifo1 = Fifo("d1"), fifo2 = Fifo("d2");
        using RawHttp c1 = Blocked(s, "/block", fifo1);
        AssertGatewayTimeout(c1.ReadResponse());
        using RawHttp c2 = Blocked(s, "/block", fifo2);
        AssertGatewayTimeout(c2.ReadResponse());

        s.WaitForLog("python-0, python-1 did not stop after the interrupt: no thread left to serve, replacing this worker gracefully");
        // It drains as at max_requests: from here a connection waits in the kernel queue for the replacement.
        s.WaitForLog($"[{first}] [DEBUG] Stopped accepting; draining open connections");
        int next = Pid(s.Port);
        Assert.NotEqual(first, next);
        s.WaitForLog($"Worker exiting (pid: {first})");
        Assert.DoesNotContain("WORKER TIMEOUT", s.ErrorLog, StringComparison.Ordinal);
        Assert.DoesNotContain($"Worker (pid:{first}) exited with code", s.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeout_GthreadSlowRequestWithoutIo_WorkerKeptStackLogged()
    {
        // 3 s, not 1: the GIL probe refreshes the heartbeat once a second, so with --timeout 1 any
        // scheduling delay on a loaded machine aborted the worker (a 504 instead of the release).
        using ServerProcess s = Start("--timeout", "3", "--threads", "4");
        int pid = Pid(s.Port);
        string fifo1 = Fifo("e1"), fifo2 = Fifo("e2");
        using RawHttp c1 = Blocked(s, "/block", fifo1);
        s.WaitForLog("Request without I/O for longer than the timeout (3 s); the worker stays (gthread): thread python-");
        // The second request is logged a timeout after it started, so by then the first has gone
        // two timeouts without I/O: an arbiter counting it would have aborted the worker already.
        using RawHttp c2 = Blocked(s, "/block", fifo2);
        s.WaitForLogCount("Request without I/O for longer than the timeout", 2);
        Assert.Contains("_wait_on", s.ErrorLog, StringComparison.Ordinal);

        Release(fifo1);
        Release(fifo2);
        Assert.Equal("released:go", c1.ReadResponse().Body);
        Assert.Equal("released:go", c2.ReadResponse().Body);
        Assert.Equal(pid, Pid(s.Port));
        Assert.DoesNotContain("WORKER TIMEOUT", s.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeout_GthreadThreadHoldsTheGil_504ThenAborted()
    {
        using ServerProcess s = Start("--timeout", "2", "--threads", "2");
        int pid = Pid(s.Port);
        using var c = new RawHttp(s.Port);
        c.Send("GET /hog HTTP/1.1\r\nHost: t\r\n\r\n");
        s.WaitForLog("hogging the GIL");
        // No thread can run Python, so the worker is as dead as gunicorn's would be; the 504 needs no GIL.
        AssertGatewayTimeout(c.ReadResponse());
        s.WaitForLog($"[CRITICAL] WORKER TIMEOUT (pid:{pid})");
        Assert.NotEqual(pid, Pid(s.Port));
    }

    [Fact]
    public void Timeout_SyncWorkerStuck_504ThenAbortedAsGunicorn()
    {
        using ServerProcess s = Start("--timeout", "2");
        int pid = Pid(s.Port);
        string fifo = Fifo("f");
        using RawHttp c = Blocked(s, "/block", fifo);

        AssertGatewayTimeout(c.ReadResponse());
        // The abort answered the 504; the worker goes as gunicorn's does (stderr may lag the socket, so wait for it).
        s.WaitForLog($"[CRITICAL] WORKER TIMEOUT (pid:{pid})");
        s.WaitForLog($"Worker (pid:{pid}) exited with code 1.");
        Assert.Contains($"WORKER TIMEOUT: thread python-0 serving GET /block?{fifo} for", s.ErrorLog, StringComparison.Ordinal);
        Assert.Contains("_wait_on", s.ErrorLog, StringComparison.Ordinal);
        Assert.DoesNotContain("released from", s.ErrorLog, StringComparison.Ordinal);
        Assert.NotEqual(pid, Pid(s.Port));
    }
}
