using System.Text.Json;
using System.Text.RegularExpressions;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>gunicorn's process model with real processes and signals.</summary>
public sealed class ArbiterTests
{
    private const int SIGKILL = 9, SIGTERM = 15, SIGHUP = 1, SIGTTIN = 21, SIGTTOU = 22, SIGUSR2 = 12;

    private static ServerProcess Start(params string[] extra) =>
        ServerProcess.Start(["--python", Repo.DebianPython, .. extra, "wsgi_basic:app"]);

    private static int Pid(int port) => JsonDocument.Parse(RawHttp.Get(port, "/pid").Body).RootElement.GetProperty("pid").GetInt32();

    private static HashSet<int> PidsOverConcurrentConnections(int port, int connections)
    {
        var open = Enumerable.Range(0, connections).Select(_ => new RawHttp(port)).ToList();
        try
        {
            foreach (RawHttp c in open)
            {
                c.Send("GET /pid HTTP/1.1\r\nHost: t\r\n\r\n");
            }
            return [.. open.Select(c => JsonDocument.Parse(c.ReadResponse().Body).RootElement.GetProperty("pid").GetInt32())];
        }
        finally
        {
            open.ForEach(c => c.Dispose());
        }
    }

    private static List<int> BootedPids(ServerProcess s) =>
        [.. Regex.Matches(s.ErrorLog, @"Booting worker with pid: (\d+)").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];

    [Fact]
    public void TwoWorkers_DistinctPidsServe()
    {
        using ServerProcess s = Start("-w", "2", "--log-level", "debug");
        // The arbiter's own record that each worker has loaded the app and is accepting.
        s.WaitForLogCount(") booted", 2);
        var pids = new HashSet<int>();
        for (int round = 0; round < 20 && pids.Count < 2; round++)
        {
            pids.UnionWith(PidsOverConcurrentConnections(s.Port, 16));
        }
        Assert.Equal(2, pids.Count);
        Assert.DoesNotContain(s.Pid, pids);
        Assert.True(pids.IsSubsetOf(BootedPids(s)));
    }

    [Fact]
    public void KillNine_WorkerRespawned_ServiceContinues()
    {
        using ServerProcess s = Start();
        int first = Pid(s.Port);
        ServerProcess.Signal(first, SIGKILL);
        s.WaitForLog($"Worker (pid:{first}) was sent SIGKILL! Perhaps out of memory?");
        s.WaitForLogCount("Booting worker with pid", 2);
        int second = Pid(s.Port);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Hup_UnderLoad_ZeroFailuresAndNewPids()
    {
        using ServerProcess s = Start("-w", "2", "--threads", "4");
        s.WaitForLogCount("Booting worker with pid", 2);
        List<int> before = BootedPids(s);
        // The load runs until the new workers have answered part of it, however long they take to boot.
        var load = new LoadGenerator(s.Port, 64, ServerProcess.Patience);
        Task run = load.RunAsync();
        load.WaitForOk(500);
        s.Signal(SIGHUP);
        s.WaitForLog("Hang up: Master");
        s.WaitForLogCount("Booting worker with pid", 4);
        s.WaitForLogCount("Worker exiting", 2);
        List<int> after = BootedPids(s).Except(before).ToList();
        load.WaitUntil(() => load.Pids.Keys.Any(after.Contains), "a new worker answered");
        load.Stop();
        await run;
        Assert.True(load.Failed == 0, $"{load.Failed} failed of {load.Ok + load.Failed}: {string.Join("; ", load.Errors.Take(5))}");
        Assert.Equal(2, after.Count);
        Assert.Contains(load.Pids.Keys, p => after.Contains(p));
        Assert.Contains(load.Pids.Keys, p => before.Contains(p));
    }

    [Fact]
    public async Task MaxRequests_UnderLoad_PidsChangeZeroFailures()
    {
        using ServerProcess s = Start("-w", "2", "--max-requests", "50");
        s.WaitForLogCount("Booting worker with pid", 2);
        // The load runs until a third worker has answered, however long replacements take to boot.
        var load = new LoadGenerator(s.Port, 16, ServerProcess.Patience);
        Task run = load.RunAsync();
        load.WaitUntil(() => load.Pids.Count > 2, "a third worker answered");
        load.Stop();
        await run;
        Assert.True(load.Failed == 0, $"{load.Failed} failed of {load.Ok + load.Failed}: {string.Join("; ", load.Errors.Take(5))}");
        Assert.True(load.Pids.Count > 2, $"only {load.Pids.Count} worker pids served {load.Ok} requests");
        Assert.Contains("Autorestarting worker after current request.", s.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public void TtinTtou_ChangeWorkerCount()
    {
        using ServerProcess s = Start("-w", "1", "--log-level", "debug");
        s.WaitForLogCount("Booting worker with pid", 1);
        s.Signal(SIGTTIN);
        s.WaitForLogCount("Booting worker with pid", 2);
        s.Signal(SIGTTIN);
        s.WaitForLogCount("Booting worker with pid", 3);
        // "Booting worker" is the worker's first line, before it handles TERM: a worker that gets
        // TERM then may exit before it ever reports booted. Wait for all three to be up first.
        s.WaitForLogCount(") booted", 3);
        s.Signal(SIGTTOU);
        s.WaitForLogCount("Worker exiting", 1);
        s.Signal(SIGTERM);
        Assert.Equal(0, s.WaitForExit());
        // The two that remained exit with the master.
        Assert.Equal(3, s.CountLog("Worker exiting"));
    }

    [Fact]
    public void Timeout_HangingRequest_StackLoggedWorkerReplaced()
    {
        // The sync worker (gunicorn's: its heartbeat is per request); gthread keeps a worker whose request waits.
        using ServerProcess s = Start("--timeout", "2");
        int first = Pid(s.Port);
        using var c = new RawHttp(s.Port);
        c.Send("GET /hang HTTP/1.1\r\nHost: t\r\n\r\n");
        s.WaitForLog("hang started");
        s.WaitForLog($"WORKER TIMEOUT (pid:{first})");
        s.WaitForLog("threading.Event().wait(3600)");
        s.WaitForLogCount("Booting worker with pid", 2);
        Assert.Contains("serving GET /hang for", s.ErrorLog, StringComparison.Ordinal);
        Assert.NotEqual(first, Pid(s.Port));
    }

    [Fact]
    public void Timeout_LongStreamThatKeepsWriting_NotKilled()
    {
        using ServerProcess s = Start("--timeout", "2");
        int pid = Pid(s.Port);
        HttpReply r = RawHttp.Get(s.Port, "/slow_stream");
        Assert.Equal(string.Concat(Enumerable.Range(0, 8).Select(i => $"tick{i}\n")), r.Body);
        Assert.DoesNotContain("WORKER TIMEOUT", s.ErrorLog, StringComparison.Ordinal);
        Assert.Equal(pid, Pid(s.Port));
    }

    [Fact]
    public void RequestTimeout_Spin_504AndSameWorkerGoesOn()
    {
        using ServerProcess s = Start("--request-timeout", "1", "--threads", "2");
        int pid = Pid(s.Port);
        HttpReply r = RawHttp.Get(s.Port, "/spin");
        Assert.Equal("HTTP/1.1 504 Gateway Timeout", r.StatusLine);
        s.WaitForLog("Request timeout (1 s): thread python-");
        s.WaitForLog("while True:");
        Assert.Equal(pid, Pid(s.Port));
    }

    [Fact]
    public void BadApp_Exit4_NoRespawnStorm()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "-w", "2", "no_such_module:app"], waitReady: false);
        Assert.Equal(4, s.WaitForExit());
        Assert.Contains("Reason: App failed to load.", s.ErrorLog, StringComparison.Ordinal);
        Assert.InRange(s.CountLog("Booting worker with pid"), 1, 2);
    }

    [Fact]
    public void MaxWorkerLifetime_WorkerReplacedGracefully()
    {
        using ServerProcess s = Start("--max-worker-lifetime", "1");
        int first = Pid(s.Port);
        // A 1 s lifetime is shorter than twice a boot: the replacement is started at once
        // ("reaches ... in N ms"), or, after a slow boot, the lifetime is already over ("reached").
        s.WaitForLog($"Worker (pid:{first}) reach");
        s.WaitForLog($"Worker exiting (pid: {first})");
        Assert.NotEqual(first, Pid(s.Port));
    }

    [Fact]
    public void MaxWorkerMemory_WorkerOverLimitReplaced()
    {
        using ServerProcess s = Start("--max-worker-memory", "1");
        int first = Pid(s.Port);
        s.WaitForLog($"Worker (pid:{first}) uses");
        s.WaitForLog($"Worker exiting (pid: {first})");
    }

    [Fact]
    public void Usr2_NewMasterOnSameSockets()
    {
        using ServerProcess s = Start();
        int oldWorker = Pid(s.Port);
        s.Signal(SIGUSR2);
        s.WaitForLog("Started new master with pid: ");
        int newMaster = int.Parse(Regex.Match(s.ErrorLog, @"Started new master with pid: (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            s.WaitForLogCount("Booting worker with pid", 2);
            s.Signal(SIGTERM);
            // The new master shares the test's stderr pipe, so wait for the old one's last line, not for EOF.
            s.WaitForLog($"[{s.Pid}] [INFO] Shutting down: Master");
            // The old master is gone; the new one answers on the same port.
            int newWorker = Pid(s.Port);
            Assert.NotEqual(oldWorker, newWorker);
            Assert.Contains($"[{newMaster}] [INFO] Listening at: http://127.0.0.1:{s.Port}", s.ErrorLog, StringComparison.Ordinal);
        }
        finally
        {
            ServerProcess.Signal(newMaster, SIGTERM);
        }
    }

    [Fact]
    public void RequestTimeout_Uninterruptible_WorkerReplacedGracefully()
    {
        // One thread: it is stuck, so none is left and the worker is replaced (with two, it would go on).
        using ServerProcess s = Start("--request-timeout", "1", "--log-level", "debug");
        int first = Pid(s.Port);
        using var c = new RawHttp(s.Port);
        c.Send("GET /sleep_forever HTTP/1.1\r\nHost: t\r\n\r\n");
        s.WaitForLog("sleep_forever started");
        s.WaitForLog("did not stop after the interrupt");
        s.WaitForLogCount(") booted", 2);
        // The stuck worker has let go of the socket; only its stuck request keeps it alive.
        s.WaitForLog($"[{first}] [DEBUG] Stopped accepting; draining open connections");
        Assert.NotEqual(first, Pid(s.Port));
    }

    [Fact]
    public void BootTimeout_SlowImport_KilledApartFromTimeout()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--boot-timeout", "1", "--timeout", "60", "slow_import:app"]);
        s.WaitForLog("WORKER BOOT TIMEOUT (pid:");
        s.WaitForLogCount("Booting worker with pid", 2);
    }

    [Fact]
    public void ReusePort_SecondServerMayBindSamePort()
    {
        using ServerProcess a = Start("--reuse-port");
        using ServerProcess b = ServerProcess.Start(["-b", $"127.0.0.1:{a.Port}", "--python", Repo.DebianPython, "--reuse-port", "wsgi_basic:app"]);
        Assert.Equal(a.Port, b.Port);
        Assert.Equal(200, RawHttp.Get(a.Port, "/pid").Status);
    }

    [Fact]
    public void FdBind_InheritedDescriptor_Served()
    {
        using var sock = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        sock.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        sock.Listen(16);
        int fd = (int)sock.SafeHandle.DangerousGetHandle();
        Assert.Equal(0, Fcntl(fd, 2 /* F_SETFD */, 0));
        using var s = ServerProcess.Start(["-b", $"fd://{fd}", "--python", Repo.DebianPython, "wsgi_basic:app"]);
        Assert.Equal(((System.Net.IPEndPoint)sock.LocalEndPoint!).Port, s.Port);
        Assert.Equal(200, RawHttp.Get(s.Port, "/pid").Status);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "fcntl")]
    private static extern int Fcntl(int fd, int cmd, int arg);
}
