using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Workers;

/// <summary>
/// The worker-side server hooks of a gunicorn.conf.py (test/apps/hooks_conf.py): each hook
/// writes a JSON marker (pid, role, what it read of its arguments) that these tests check.
/// Each test runs the same file under Debian's gunicorn 20.1 too, so the expectations are gunicorn's.
/// </summary>
public sealed class ServerHookTests
{
    private const int SIGINT = 2;
    private const int SIGABRT = 6;
    private const int SIGTERM = 15;

    private static ServerProcess Start(string server, string dir, string fail = "")
    {
        string conf = Path.Combine(Repo.Apps, "hooks_conf.py");
        var env = new Dictionary<string, string> { ["HOOKS_DIR"] = dir, ["HOOKS_FAIL"] = fail };
        bool waitReady = fail != "post_fork";
        if (server == "sharpicorn")
        {
            return ServerProcess.Start(["--python", Repo.DebianPython, "-c", conf, "wsgi_basic:app"], env, waitReady);
        }
        ProcessStartInfo psi = ServerProcess.StartInfo(Repo.DebianPython);
        foreach (string a in (string[])["-m", "gunicorn", "-c", conf, "-b", "127.0.0.1:0", "--chdir", Repo.Apps, "wsgi_basic:app"])
        {
            psi.ArgumentList.Add(a);
        }
        foreach ((string k, string v) in env)
        {
            psi.Environment[k] = v;
        }
        return ServerProcess.Run(psi, waitReady);
    }

    private static int WorkerPid(ServerProcess s, int nth = 0)
    {
        s.WaitForLogCount("Booting worker with pid", nth + 1);
        return int.Parse(Regex.Matches(s.ErrorLog, @"Booting worker with pid: (\d+)")[nth].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>The marker a hook wrote in <paramref name="pid"/>; the file appearing is the hook's signal that it ran.</summary>
    private static JsonElement Marker(string dir, string hook, int pid)
    {
        string path = Path.Combine(dir, $"{hook}-{pid}.json");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            Assert.True(clock.Elapsed < ServerProcess.Patience, $"{hook} never ran in {pid}: {string.Join(", ", Directory.GetFiles(dir).Select(Path.GetFileName))}");
            // Only paces the polling: the marker is written (atomically) by the worker.
            Thread.Sleep(20);
        }
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    }

    private static string Json(JsonElement e, string key) => e.GetProperty(key).GetRawText();

    [Theory]
    [InlineData("sharpicorn")]
    [InlineData("gunicorn")]
    public void Hooks_ConfigDefinesEveryWorkerHook_EachRunsInTheWorkerWithGunicornsArguments(string server)
    {
        string dir = Directory.CreateTempSubdirectory("sharpicorn-hooks-").FullName;
        using ServerProcess s = Start(server, dir);
        int worker = WorkerPid(s);

        JsonElement fork = Marker(dir, "post_fork", worker);
        Assert.Equal("\"worker\"", Json(fork, "role"));
        Assert.Equal(worker, fork.GetProperty("pid").GetInt32());
        Assert.False(fork.GetProperty("app_imported").GetBoolean());
        Assert.False(fork.GetProperty("worker.booted").GetBoolean());
        Assert.Equal(s.Pid, fork.GetProperty("server.pid").GetInt32());
        Assert.Equal(s.Pid, fork.GetProperty("worker.ppid").GetInt32());
        Assert.Equal(worker, fork.GetProperty("worker.pid").GetInt32());
        Assert.Equal(1, fork.GetProperty("worker.age").GetInt32());
        Assert.Equal(1, fork.GetProperty("server.num_workers").GetInt32());
        Assert.Equal(1, fork.GetProperty("server.cfg.workers").GetInt32());
        Assert.Equal(30, fork.GetProperty("server.app.cfg.timeout").GetInt32());
        Assert.Equal($"[\"http://127.0.0.1:{s.Port}\"]", Json(fork, "server.LISTENERS"));
        Assert.True(fork.GetProperty("worker.tmp.fileno").GetInt32() > 2);
        Assert.Equal(1, fork.GetProperty("worker.cfg.threads").GetInt32());
        s.WaitForLog($"[INFO] post_fork hook: worker {worker}");

        JsonElement init = Marker(dir, "post_worker_init", worker);
        Assert.True(init.GetProperty("app_imported").GetBoolean());
        Assert.False(init.GetProperty("worker.booted").GetBoolean());

        HttpReply reply = RawHttp.Get(s.Port, "/environ?x=1", "X-Trace: abc\r\n");
        Assert.Equal(200, reply.Status);
        JsonElement pre = Marker(dir, "pre_request", worker);
        Assert.True(pre.GetProperty("worker.booted").GetBoolean());
        Assert.Equal("\"GET\"", Json(pre, "req.method"));
        Assert.Equal("\"/environ?x=1\"", Json(pre, "req.uri"));
        Assert.Equal("\"/environ\"", Json(pre, "req.path"));
        Assert.Equal("\"x=1\"", Json(pre, "req.query"));
        Assert.Equal("[1,1]", Json(pre, "req.version").Replace(" ", "", StringComparison.Ordinal));
        Assert.Contains("[\"X-TRACE\", \"abc\"]", Json(pre, "req.headers"), StringComparison.Ordinal);
        Assert.Contains("[\"HOST\", \"test\"]", Json(pre, "req.headers"), StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", pre.GetProperty("req.remote_addr")[0].GetString());

        JsonElement post = Marker(dir, "post_request", worker);
        Assert.Equal("\"200 OK\"", Json(post, "resp.status"));
        Assert.Equal(200, post.GetProperty("resp.status_code").GetInt32());
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(reply.Body), post.GetProperty("resp.sent").GetInt32());
        Assert.Contains("[\"Content-Type\", \"application/json\"]", Json(post, "resp.headers"), StringComparison.Ordinal);
        Assert.Equal("\"/environ\"", Json(post, "environ.PATH_INFO"));

        // SIGINT: worker_int, then worker_exit; the arbiter replaces the worker.
        ServerProcess.Signal(worker, SIGINT);
        Assert.False(Marker(dir, "worker_int", worker).GetProperty("worker.alive").GetBoolean());
        JsonElement exit = Marker(dir, "worker_exit", worker);
        Assert.Equal(s.Pid, exit.GetProperty("server.pid").GetInt32());
        s.WaitForLogCount("Booting worker with pid", 2);
        int second = WorkerPid(s, 1);
        Assert.Equal(2, Marker(dir, "post_worker_init", second).GetProperty("worker.age").GetInt32());

        // SIGABRT (what the arbiter sends on a timeout): worker_abort, then worker_exit.
        ServerProcess.Signal(second, SIGABRT);
        Assert.False(Marker(dir, "worker_abort", second).GetProperty("worker.alive").GetBoolean());
        Assert.Equal(second, Marker(dir, "worker_exit", second).GetProperty("worker.pid").GetInt32());
        s.WaitForLogCount("Booting worker with pid", 3);
    }

    [Fact]
    public void Hooks_AsgiApp_WorkerHooksRunAsInAnyWorker()
    {
        // gunicorn's uvicorn worker is a gunicorn Worker: post_fork, post_worker_init,
        // worker_int, worker_abort and worker_exit run for an ASGI app as for a WSGI one.
        string dir = Directory.CreateTempSubdirectory("sharpicorn-hooks-").FullName;
        string conf = Path.Combine(Repo.Apps, "hooks_conf.py");
        var env = new Dictionary<string, string> { ["HOOKS_DIR"] = dir, ["HOOKS_FAIL"] = "" };
        using ServerProcess s = ServerProcess.Start(["--python", Repo.DebianPython, "-c", conf, "asgi_raw:app"], env);
        int worker = WorkerPid(s);
        Assert.Equal(worker, Marker(dir, "post_fork", worker).GetProperty("pid").GetInt32());
        Assert.Equal(worker, Marker(dir, "post_worker_init", worker).GetProperty("pid").GetInt32());
        Assert.Equal(200, RawHttp.Get(s.Port, "/").Status);

        ServerProcess.Signal(worker, SIGINT);
        Assert.Equal(worker, Marker(dir, "worker_int", worker).GetProperty("pid").GetInt32());
        Assert.Equal(worker, Marker(dir, "worker_exit", worker).GetProperty("pid").GetInt32());
        int second = WorkerPid(s, 1);
        Marker(dir, "post_worker_init", second);

        ServerProcess.Signal(second, SIGABRT);
        Assert.Equal(second, Marker(dir, "worker_abort", second).GetProperty("pid").GetInt32());
        Assert.Equal(second, Marker(dir, "worker_exit", second).GetProperty("pid").GetInt32());
    }

    [Theory]
    [InlineData("sharpicorn")]
    [InlineData("gunicorn")]
    public void PreRequest_Raises_500WithTracebackAndTheNextRequestIsServed(string server)
    {
        string dir = Directory.CreateTempSubdirectory("sharpicorn-hooks-").FullName;
        using ServerProcess s = Start(server, dir, "post_request,worker_exit");
        int worker = WorkerPid(s);

        HttpReply failed = RawHttp.Get(s.Port, "/fail-pre");
        Assert.Equal(500, failed.Status);
        Assert.Contains("<h1><p>Internal Server Error</p></h1>", failed.Body, StringComparison.Ordinal);
        s.WaitForLog("ValueError: pre_request refused this one");
        Assert.Contains("[ERROR] Error handling request /fail-pre\nTraceback", s.ErrorLog, StringComparison.Ordinal);
        // gunicorn still calls post_request, with resp=None.
        Marker(dir, "post_request_noresp", worker);

        Assert.Equal(200, RawHttp.Get(s.Port, "/environ").Status);
        // A post_request that raises is logged; the response was already the app's.
        Marker(dir, "post_request", worker);
        s.WaitForLog("[ERROR] Exception in post_request hook");
        Assert.Equal(1, s.CountLog("Booting worker with pid"));

        s.Signal(SIGTERM);
        Assert.Equal(0, s.WaitForExit());
        Marker(dir, "worker_exit", worker);
        Assert.Contains("[WARNING] Exception during worker exit:\nTraceback", s.ErrorLog, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sharpicorn")]
    [InlineData("gunicorn")]
    public void PostFork_Raises_WorkerFailsToBootAndTheMasterHalts(string server)
    {
        string dir = Directory.CreateTempSubdirectory("sharpicorn-hooks-").FullName;
        using ServerProcess s = Start(server, dir, "post_fork");
        Assert.Equal(3, s.WaitForExit());
        int worker = WorkerPid(s);
        Assert.False(Marker(dir, "post_fork", worker).GetProperty("app_imported").GetBoolean());
        Assert.Contains("[ERROR] Exception in worker process\nTraceback", s.ErrorLog, StringComparison.Ordinal);
        Assert.Contains("RuntimeError: hook post_fork failed on purpose", s.ErrorLog, StringComparison.Ordinal);
        Assert.Contains("Reason: Worker failed to boot.", s.ErrorLog, StringComparison.Ordinal);
        // gunicorn's spawn_worker calls worker_exit in its "finally", a failed boot included.
        Marker(dir, "worker_exit", worker);
        Assert.False(File.Exists(Path.Combine(dir, $"post_worker_init-{worker}.json")));
    }
}
