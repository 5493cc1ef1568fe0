using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Workers;

/// <summary>
/// The master-side server hooks of test/apps/hooks_conf.py, --preload in the master, and
/// prometheus_client's multiprocess mode (a metrics server a master hook starts). Where gunicorn
/// 20.1 has the behaviour, the same test runs under it too, so the expectations are gunicorn's.
/// </summary>
public sealed partial class MasterHookTests
{
    private const int SIGHUP = 1;
    private const int SIGTERM = 15;
    private const int SIGUSR2 = 12;
    private const int SIGTTIN = 21;
    private const int SIGTTOU = 22;

    private static ServerProcess Start(string server, IEnumerable<string> args, Dictionary<string, string> env, bool waitReady = true)
    {
        if (server == "sharpicorn")
        {
            return ServerProcess.Start(["--python", Repo.DebianPython, .. args], env, waitReady);
        }
        ProcessStartInfo psi = ServerProcess.StartInfo(Repo.DebianPython);
        foreach (string a in (string[])["-m", "gunicorn", "-b", "127.0.0.1:0", "--chdir", Repo.Apps, .. args])
        {
            psi.ArgumentList.Add(a);
        }
        foreach ((string k, string v) in env)
        {
            psi.Environment[k] = v;
        }
        return ServerProcess.Run(psi, waitReady);
    }

    private static ServerProcess StartHooks(string server, string dir, string fail = "", bool waitReady = true, string failType = "") =>
        Start(server, ["-c", Path.Combine(Repo.Apps, "hooks_conf.py"), "wsgi_basic:app"], new() { ["HOOKS_DIR"] = dir, ["HOOKS_FAIL"] = fail, ["HOOKS_FAIL_TYPE"] = failType }, waitReady);

    private static string TempDir() => Directory.CreateTempSubdirectory("sharpicorn-mhooks-").FullName;

    /// <summary>The marker <paramref name="stem"/>.json; the file appearing is the hook's signal that it ran.</summary>
    private static JsonElement Marker(string dir, string stem)
    {
        string path = Path.Combine(dir, stem + ".json");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            Assert.True(clock.Elapsed < ServerProcess.Patience, $"{stem} never written: {string.Join(", ", Directory.GetFiles(dir).Select(Path.GetFileName))}");
            // Only paces the polling: the marker is written (atomically) by the hook.
            Thread.Sleep(20);
        }
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    }

    private static string Json(JsonElement e, string key) => e.GetProperty(key).GetRawText();

    private static void AssertMaster(JsonElement marker, ServerProcess s)
    {
        Assert.Equal("\"master\"", Json(marker, "role"));
        Assert.Equal(s.Pid, marker.GetProperty("pid").GetInt32());
        Assert.Equal(s.Pid, marker.GetProperty("server.pid").GetInt32());
        Assert.Equal(30, marker.GetProperty("server.app.cfg.timeout").GetInt32());
    }

    private static List<int> WorkerPids(ServerProcess s) =>
        [.. WorkerPidPattern().Matches(s.ErrorLog).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    [Theory]
    [InlineData("sharpicorn")]
    [InlineData("gunicorn")]
    public void MasterHooks_EveryHook_RunsInTheMasterWithGunicornsArguments(string server)
    {
        string dir = TempDir();
        using ServerProcess s = StartHooks(server, dir);
        int pid = s.Pid;

        // gunicorn's setup() sets num_workers from None before anything else.
        JsonElement first = Marker(dir, $"nworkers_changed-{pid}-1-None");
        Assert.Equal("\"master\"", Json(first, "role"));
        Assert.Equal(pid, first.GetProperty("pid").GetInt32());
        Assert.Equal("null", Json(first, "old_value"));
        Assert.Equal(1, first.GetProperty("server.num_workers").GetInt32());

        JsonElement starting = Marker(dir, $"on_starting-{pid}");
        AssertMaster(starting, s);
        Assert.False(starting.GetProperty("app_imported").GetBoolean());
        Assert.Equal("[]", Json(starting, "server.LISTENERS"));
        Assert.Equal(1, starting.GetProperty("server.cfg.workers").GetInt32());
        Assert.Equal("[\"127.0.0.1:0\"]", Json(starting, "server.cfg.bind").Replace(" ", "", StringComparison.Ordinal));
        s.WaitForLog("[INFO] on_starting hook");

        JsonElement ready = Marker(dir, $"when_ready-{pid}");
        Assert.Equal($"[\"http://127.0.0.1:{s.Port}\"]", Json(ready, "server.LISTENERS"));
        Assert.Equal("[]", Json(ready, "server.WORKERS"));

        JsonElement fork = Marker(dir, $"pre_fork-{pid}-1");
        AssertMaster(fork, s);
        Assert.Equal("\"[booting]\"", Json(fork, "worker.pid"));
        Assert.Equal("\"<Worker [booting]>\"", Json(fork, "worker.str"));
        Assert.Equal(1, fork.GetProperty("worker.age").GetInt32());
        Assert.Equal(pid, fork.GetProperty("worker.ppid").GetInt32());
        Assert.True(fork.GetProperty("worker.alive").GetBoolean());
        Assert.False(fork.GetProperty("worker.booted").GetBoolean());
        Assert.False(fork.GetProperty("worker.aborted").GetBoolean());
        Assert.True(fork.GetProperty("worker.tmp.fileno").GetInt32() > 2);
        Assert.Equal(1, fork.GetProperty("worker.cfg.threads").GetInt32());
        s.WaitForLog("[INFO] pre_fork hook: age 1");
        s.WaitForLogCount("Booting worker with pid", 1);
        int worker1 = WorkerPids(s)[0];
        Assert.Equal(200, RawHttp.Get(s.Port, "/pid").Status);

        // TTIN: nworkers_changed(2, 1), then a second pre_fork; the first worker is in WORKERS.
        s.Signal(SIGTTIN);
        Assert.Equal(2, Marker(dir, $"nworkers_changed-{pid}-2-1").GetProperty("server.num_workers").GetInt32());
        JsonElement fork2 = Marker(dir, $"pre_fork-{pid}-2");
        Assert.Equal($"[{worker1}]", Json(fork2, "server.WORKERS"));
        s.WaitForLogCount("Booting worker with pid", 2);

        // TTOU: nworkers_changed(1, 2); the oldest worker goes, and child_exit sees it.
        s.Signal(SIGTTOU);
        Marker(dir, $"nworkers_changed-{pid}-1-2");
        JsonElement exited = Marker(dir, $"child_exit-{worker1}");
        AssertMaster(exited, s);
        Assert.Equal(worker1, exited.GetProperty("worker.pid").GetInt32());
        Assert.Equal(1, exited.GetProperty("worker.age").GetInt32());
        // gunicorn closes worker.tmp before child_exit, and has taken the worker out of WORKERS.
        Assert.Equal("null", Json(exited, "worker.tmp.fileno"));
        Assert.DoesNotContain(worker1.ToString(CultureInfo.InvariantCulture), Json(exited, "server.WORKERS"), StringComparison.Ordinal);
        s.WaitForLog($"[INFO] child_exit hook: worker {worker1}");

        // HUP: the file is read again, nworkers_changed(1, 1), then on_reload, then the new worker's pre_fork.
        s.Signal(SIGHUP);
        AssertMaster(Marker(dir, $"on_reload-{pid}"), s);
        Marker(dir, $"nworkers_changed-{pid}-1-1");
        Marker(dir, $"pre_fork-{pid}-3");

        s.Signal(SIGTERM);
        Assert.Equal(0, s.WaitForExit());
        AssertMaster(Marker(dir, $"on_exit-{pid}"), s);
    }

    [Theory]
    [InlineData("sharpicorn")]
    [InlineData("gunicorn")]
    public void PreExec_Usr2_RunsBeforeTheNewMasterStarts(string server)
    {
        string dir = TempDir();
        using ServerProcess s = StartHooks(server, dir);
        Marker(dir, $"pre_fork-{s.Pid}-1");
        s.Signal(SIGUSR2);
        string key = FindPreExec(dir);
        if (server == "sharpicorn")
        {
            // No fork: the old master itself runs it, then starts the new one.
            Assert.Equal(s.Pid.ToString(CultureInfo.InvariantCulture), key);
        }
        JsonElement exec = Marker(dir, "pre_exec-" + key);
        Assert.Equal("\"master\"", Json(exec, "role"));
        Assert.Equal(s.Pid, exec.GetProperty("server.pid").GetInt32());
        // The new master runs the whole file again: its own on_starting, under its own pid.
        int newMaster = WaitForOtherMaster(dir, s.Pid);
        try
        {
            Marker(dir, $"when_ready-{newMaster}");
        }
        finally
        {
            ServerProcess.Signal(newMaster, SIGTERM);
        }
        Marker(dir, $"on_exit-{newMaster}");
        s.Signal(SIGTERM);
        Assert.Equal(0, s.WaitForExit());
    }

    /// <summary>gunicorn runs pre_exec in the forked child that becomes the new master: its marker is named after that pid.</summary>
    private static string FindPreExec(string dir)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (Directory.GetFiles(dir, "pre_exec-*.json").FirstOrDefault() is string f)
            {
                return Path.GetFileNameWithoutExtension(f)["pre_exec-".Length..];
            }
            Assert.True(clock.Elapsed < ServerProcess.Patience, "pre_exec never ran");
            Thread.Sleep(20);
        }
    }

    private static int WaitForOtherMaster(string dir, int oldMaster)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            foreach (string f in Directory.GetFiles(dir, "on_starting-*.json"))
            {
                int pid = int.Parse(Path.GetFileNameWithoutExtension(f)["on_starting-".Length..], CultureInfo.InvariantCulture);
                if (pid != oldMaster)
                {
                    return pid;
                }
            }
            Assert.True(clock.Elapsed < ServerProcess.Patience, "the new master never ran on_starting");
            Thread.Sleep(20);
        }
    }

    [Theory]
    [InlineData("sharpicorn", "on_starting")]
    [InlineData("gunicorn", "on_starting")]
    [InlineData("sharpicorn", "when_ready")]
    [InlineData("gunicorn", "when_ready")]
    public void StartupHook_RaisesValueError_MasterExits1WithTheTraceback(string server, string hook)
    {
        string dir = TempDir();
        using ServerProcess s = StartHooks(server, dir, hook, waitReady: false, failType: "ValueError");
        Assert.Equal(1, s.WaitForExit());
        Marker(dir, $"{hook}-{s.Pid}");
        Assert.Contains("Traceback (most recent call last):", s.ErrorLog, StringComparison.Ordinal);
        Assert.Contains($"ValueError: hook {hook} failed on purpose", s.ErrorLog, StringComparison.Ordinal);
        Assert.Equal(0, s.CountLog("Booting worker with pid"));
        Assert.Equal(hook == "when_ready" ? 1 : 0, s.CountLog("Listening at:"));
    }

    [Theory]
    [InlineData("sharpicorn", "on_starting")]
    [InlineData("gunicorn", "on_starting")]
    [InlineData("sharpicorn", "when_ready")]
    [InlineData("gunicorn", "when_ready")]
    public void StartupHook_RaisesRuntimeError_MasterExits1WithGunicornsErrorLine(string server, string hook)
    {
        string dir = TempDir();
        using ServerProcess s = StartHooks(server, dir, hook, waitReady: false);
        Assert.Equal(1, s.WaitForExit());
        Marker(dir, $"{hook}-{s.Pid}");
        Assert.Contains($"\nError: hook {hook} failed on purpose\n", s.ErrorLog, StringComparison.Ordinal);
        Assert.DoesNotContain("Traceback", s.ErrorLog, StringComparison.Ordinal);
        Assert.Equal(0, s.CountLog("Booting worker with pid"));
    }

    [Fact]
    public void OtherMasterHooks_Raise_LoggedWithTracebackAndTheServerGoesOn()
    {
        string dir = TempDir();
        using ServerProcess s = StartHooks("sharpicorn", dir, "pre_fork,child_exit,nworkers_changed,on_exit");
        s.WaitForLog("[ERROR] Exception in nworkers_changed hook\nTraceback (most recent call last):");
        s.WaitForLog("[ERROR] Exception in pre_fork hook\nTraceback (most recent call last):");
        Assert.Equal(200, RawHttp.Get(s.Port, "/pid").Status);
        s.WaitForLogCount("Booting worker with pid", 1);
        int worker = WorkerPids(s)[0];
        ServerProcess.Signal(worker, SIGTERM);
        Marker(dir, $"child_exit-{worker}");
        s.WaitForLog("[ERROR] Exception in child_exit hook");
        s.WaitForLogCount("Booting worker with pid", 2);
        Assert.Equal(200, RawHttp.Get(s.Port, "/pid").Status);
        s.Signal(SIGTERM);
        Assert.Equal(0, s.WaitForExit());
        Assert.Contains("[ERROR] Exception in on_exit hook", s.ErrorLog, StringComparison.Ordinal);
        Assert.Contains("RuntimeError: hook child_exit failed on purpose", s.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public void Master_NoHooksNoPreload_StaysPythonFree()
    {
        using var plain = ServerProcess.Start(["--python", Repo.DebianPython, "wsgi_basic:app"]);
        Assert.Equal(200, RawHttp.Get(plain.Port, "/pid").Status);
        Assert.DoesNotContain("libpython", File.ReadAllText($"/proc/{plain.Pid}/maps"), StringComparison.Ordinal);

        string dir = TempDir();
        using ServerProcess hooked = StartHooks("sharpicorn", dir);
        Marker(dir, $"when_ready-{hooked.Pid}");
        Assert.Contains("libpython", File.ReadAllText($"/proc/{hooked.Pid}/maps"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sharpicorn")]
    [InlineData("gunicorn")]
    public void Preload_GoodApp_ImportedInTheMasterAndAgainInEachWorker(string server)
    {
        string dir = TempDir();
        using ServerProcess s = Start(server, ["--preload", "-w", "2", "preload_app:app"], new() { ["PRELOAD_DIR"] = dir });
        Assert.Equal(200, RawHttp.Get(s.Port, "/").Status);
        Assert.True(File.Exists(Path.Combine(dir, $"import-{s.Pid}")), "the master did not import the app");
        s.WaitForLogCount("Booting worker with pid", 2);
        List<int> workers = WorkerPids(s);
        if (server == "sharpicorn")
        {
            // Without fork, each worker imports the app again (gunicorn's forks inherit the master's import).
            var clock = Stopwatch.StartNew();
            while (!workers.All(w => File.Exists(Path.Combine(dir, $"import-{w}"))))
            {
                Assert.True(clock.Elapsed < ServerProcess.Patience, "a worker never imported the app");
                Thread.Sleep(20);
            }
        }
        else
        {
            Assert.All(workers, w => Assert.False(File.Exists(Path.Combine(dir, $"import-{w}"))));
        }
    }

    [Theory]
    [InlineData("sharpicorn")]
    [InlineData("gunicorn")]
    public void Preload_BrokenApp_TracebackAndExit1BeforeStarting(string server)
    {
        using ServerProcess s = Start(server, ["--preload", "-w", "2", "broken_import:app"], [], waitReady: false);
        Assert.Equal(1, s.WaitForExit());
        Assert.Contains("Traceback (most recent call last):", s.ErrorLog, StringComparison.Ordinal);
        Assert.Contains("ModuleNotFoundError: No module named 'this_module_does_not_exist'", s.ErrorLog, StringComparison.Ordinal);
        Assert.Equal(0, s.CountLog("Starting "));
        Assert.Equal(0, s.CountLog("Booting worker with pid"));
    }

    [Fact]
    public void Prometheus_MultiprocessAcrossTwoWorkersAndRestarts_CountersExact()
    {
        string dir = TempDir();
        int metricsPort = FreePort();
        using ServerProcess s = ServerProcess.Start(
            ["--python", Repo.DebianPython, "-c", Path.Combine(Repo.Apps, "prometheus_conf.py"), "-w", "2", "--max-requests", "5", "prometheus_app:app"],
            new Dictionary<string, string> { ["PROMETHEUS_MULTIPROC_DIR"] = dir, ["METRICS_PORT"] = metricsPort.ToString(CultureInfo.InvariantCulture) });
        const int Requests = 23;
        for (int i = 0; i < Requests; i++)
        {
            Assert.Equal(200, RawHttp.Get(s.Port, "/count").Status);
        }
        // Two workers with 5 requests each: at least two of them reached max_requests and were replaced.
        s.WaitForLogCount("Autorestarting worker after current request.", 2);
        int restarts = s.CountLog("Autorestarting worker after current request.");
        s.WaitForLogCount("Booting worker with pid", 2 + restarts);

        // The metrics come from the master's HTTP server, which a when_ready thread runs while
        // the arbiter loop goes on: the loop must not hold the GIL. Dead workers' live gauges
        // stop counting once child_exit marked them dead, so the gauge settles at 2.
        var clock = Stopwatch.StartNew();
        string metrics = Scrape(metricsPort);
        while (Gauge(metrics, "app_workers") != 2)
        {
            Assert.True(clock.Elapsed < ServerProcess.Patience, "app_workers never settled at 2:\n" + metrics);
            Thread.Sleep(100);
            metrics = Scrape(metricsPort);
        }
        Assert.Contains($"app_requests_total{{path=\"/count\"}} {Requests}.0\n", metrics, StringComparison.Ordinal);
    }

    private static double Gauge(string metrics, string name)
    {
        Match m = Regex.Match(metrics, "^" + name + @" (\S+)$", RegexOptions.Multiline);
        return m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
    }

    private static string Scrape(int port)
    {
        HttpReply reply = RawHttp.Get(port, "/metrics");
        Assert.Equal(200, reply.Status);
        return reply.Body;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"Booting worker with pid: (\d+)")]
    private static partial Regex WorkerPidPattern();
}
