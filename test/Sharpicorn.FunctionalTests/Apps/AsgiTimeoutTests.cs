using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Apps;

/// <summary>
/// --request-timeout and --timeout on an ASGI worker (test/apps/asgi_timeout_app.py), with real
/// processes. The app says on stderr when it is stuck, and the test waits for that line, the
/// 504 and the log records, never for a clock: a coroutine that awaits forever and a loop
/// blocked in time.sleep(100) stay stuck for as long as any of these tests runs.
/// </summary>
public sealed class AsgiTimeoutTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharpicorn-asgi-timeouts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ServerProcess Start(params string[] extra) =>
        ServerProcess.Start(["--python", Repo.DebianPython, .. extra, "asgi_timeout_app:app"]);

    private static int Pid(int port) => JsonDocument.Parse(RawHttp.Get(port, "/pid").Body).RootElement.GetProperty("pid").GetInt32();

    /// <summary>The app's line that holds <paramref name="code"/>, as its stack shows it: 'asgi_timeout_app.py", line N, in FUNCTION'.</summary>
    private static string FrameOf(string code, string function)
    {
        string[] lines = File.ReadAllLines(Path.Combine(Repo.Apps, "asgi_timeout_app.py"));
        int n = Array.FindIndex(lines, l => l.Contains(code, StringComparison.Ordinal)) + 1;
        Assert.True(n > 0, code + " is not in asgi_timeout_app.py");
        return $"asgi_timeout_app.py\", line {n}, in {function}";
    }

    private static RawHttp Stuck(ServerProcess s, string target, string said)
    {
        var c = new RawHttp(s.Port);
        c.Send($"GET {target} HTTP/1.1\r\nHost: t\r\n\r\n");
        s.WaitForLog(said);
        return c;
    }

    /// <summary>What the WSGI worker answers at the deadline (TimeoutTests): gunicorn's page, 504, Connection: close.</summary>
    private static void AssertGatewayTimeout(HttpReply r)
    {
        Assert.Equal("HTTP/1.1 504 Gateway Timeout", r.StatusLine);
        Assert.Equal("close", r.Header("Connection"));
        Assert.Contains("<h1><p>Gateway Timeout</p></h1>", r.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestTimeout_TaskAwaitsForever_504CoroutineStackLoggedTaskCancelledWorkerStays()
    {
        string access = Path.Combine(_dir, "access.log");
        using ServerProcess s = Start("--request-timeout", "1", "--access-logfile", access);
        int pid = Pid(s.Port);
        using RawHttp c = Stuck(s, "/forever", "awaiting forever");

        AssertGatewayTimeout(c.ReadResponse());
        // The WSGI path's words, with the task for the thread, then the coroutine's await chain
        // down to the line it waits on (Task.get_stack alone stops at the outermost coroutine).
        // (A record's lines reach the test one by one: each is waited for.)
        s.WaitForLog("Request timeout (1 s): task Task-");
        Assert.Contains("serving GET /forever for", s.ErrorLog, StringComparison.Ordinal);
        s.WaitForLog(FrameOf("await wait_for_nothing()", "app"));
        s.WaitForLog(FrameOf("await asyncio.Event().wait()", "wait_for_nothing"));
        // The task was cancelled, so the loop is free: the same worker answers the next request.
        s.WaitForLog("Request timed out: GET /forever (its task was cancelled)");
        Assert.Equal(pid, Pid(s.Port));
        Assert.Contains("\"GET /forever HTTP/1.1\" 504 ", LogFile.WaitFor(access, "\"GET /pid HTTP/1.1\" 200 "), StringComparison.Ordinal);
        Assert.DoesNotContain("WORKER TIMEOUT", s.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestTimeout_LoopBlockedBySyncCode_504WhileItStillBlocks()
    {
        // The loop's own timer cannot fire while time.sleep(100) holds its thread: the heartbeat
        // answers instead. The 504 arrives while the app still sleeps (--timeout is far off), so
        // no clock is involved.
        using ServerProcess s = Start("--request-timeout", "1", "--timeout", "300");
        using RawHttp c = Stuck(s, "/block", "blocking the loop");
        // A request that reaches the worker meanwhile waits for the loop; its deadline is kept too.
        using var queued = new RawHttp(s.Port);
        queued.Send("GET /pid HTTP/1.1\r\nHost: t\r\n\r\n");

        AssertGatewayTimeout(c.ReadResponse());
        AssertGatewayTimeout(queued.ReadResponse());
        s.WaitForLog("Request timeout (1 s): GET /pid for ");
        s.WaitForLog("still queued for the event loop, which is blocked");
        s.WaitForLog("(the event loop is blocked)");
        Assert.Contains("Request timeout (1 s): task Task-", s.ErrorLog, StringComparison.Ordinal);
        Assert.Contains("serving GET /block for", s.ErrorLog, StringComparison.Ordinal);
        s.WaitForLog(FrameOf("await blocking_handler()", "app"));
        s.WaitForLog(FrameOf("time.sleep(100)", "blocking_handler"));
        Assert.DoesNotContain("WORKER TIMEOUT", s.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeout_LoopBlockedBySyncCode_504sStacksOfLoopAndTasksThenReplaced()
    {
        using ServerProcess s = Start("--timeout", "2");
        int pid = Pid(s.Port);
        // A task that waits politely, so the report has a pending task besides the blocking one.
        using RawHttp waiting = Stuck(s, "/forever", "awaiting forever");
        using RawHttp blocking = Stuck(s, "/block", "blocking the loop");

        // No wake-up of the loop means no heartbeat progress: the arbiter aborts the worker, which
        // answers what it can (nothing was sent on either) before it goes.
        AssertGatewayTimeout(blocking.ReadResponse());
        AssertGatewayTimeout(waiting.ReadResponse());
        s.WaitForLog($"[CRITICAL] WORKER TIMEOUT (pid:{pid})");
        s.WaitForLog($"Worker (pid:{pid}) exited with code 1.");
        string log = s.ErrorLog;
        // The loop thread's Python stack, down to the sync call that blocks it...
        Assert.Contains("serving GET /block for", log, StringComparison.Ordinal);
        Assert.Contains(", blocking the event loop", log, StringComparison.Ordinal);
        Assert.Contains(FrameOf("time.sleep(100)", "blocking_handler"), log, StringComparison.Ordinal);
        // ...then every other pending task with its await chain.
        Assert.Contains("WORKER TIMEOUT: pending task Task-", log, StringComparison.Ordinal);
        Assert.Contains("serving GET /forever for", log, StringComparison.Ordinal);
        Assert.Contains(FrameOf("await asyncio.Event().wait()", "wait_for_nothing"), log, StringComparison.Ordinal);

        // The replacement serves (this request waits in the kernel queue until it has booted).
        Assert.NotEqual(pid, Pid(s.Port));
    }
}
