// Design notes
// ------------
// A worker is this executable started by the arbiter with SHARPICORN_WORKER set. Boot order:
//   log "Booting worker" -> Python (exit 3 if unusable) -> the app (exit 4 if it fails to
//   load) -> Python threads -> Kestrel on the inherited sockets -> "booted" to the arbiter ->
//   monitor thread (heartbeats, request timeouts, max_requests).
// Signals are gunicorn's worker signals; handlers only enqueue, the main thread acts:
//   (internal)  max_requests reached (AcceptGate): as TERM, after asking to be replaced.
//   (internal)  every thread stuck past --request-timeout (WorkerMonitor): the same.
//   TERM        drain: stop accepting, Connection: close on every response, wait for the open
//               connections (at most keepalive + 1 s), then let in-flight requests finish
//               within graceful_timeout. Exit 0.
//   INT, QUIT   stop now. Exit 0.
//   ABRT        the arbiter's timeout: every in-flight request whose response has not started
//               gets a 504 (delivered before the worker goes, at most AbortFlush), then every busy
//               thread's Python stack and request is logged; exit 1, as gunicorn's handle_abort.
//   USR1        reopen the log files.
//   HUP, TTIN, TTOU, WINCH are the arbiter's business and are ignored here.
// Server hooks (WorkerHooks, only when the config file defines one) run where gunicorn runs
// them: post_fork after "Booting worker", before the app import; post_worker_init after it;
// worker_int on INT/QUIT, worker_abort on ABRT; worker_exit after "Worker exiting", on every exit.
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Sharpicorn.Asgi;
using Sharpicorn.Protocol;
using Sharpicorn.Cli;
using Sharpicorn.Http;
using Sharpicorn.Logging;
using Sharpicorn.Net;
using Sharpicorn.Platform;
using Sharpicorn.Python;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Worker;

internal static class WorkerHost
{
    public static async Task<int> RunAsync(ServerSettings settings, ForwardedScheme forwarded, ErrorLog log, string[] args)
    {
        int pid = Environment.ProcessId;
        if (Environment.GetEnvironmentVariable(WorkerEnvironment.PreloadCheck) is not null)
        {
            // --preload: prove the app loads, before any worker is started.
            PythonWorkerPool? loaded = Boot(settings, log, null, args, null, out _, out int code, out _);
            return loaded is null ? code : ExitCodes.Ok;
        }
        log.Info($"Booting worker with pid: {pid}");
        if (SwitchUser(settings, log) is int denied)
        {
            return denied;
        }
        using var channel = new WorkerChannel(Environment.GetEnvironmentVariable(WorkerEnvironment.PipeFd) ?? throw new InvalidOperationException("no pipe to the arbiter"));
        try
        {
            // After the user switch, so the file belongs to the worker's user (gunicorn chowns it).
            channel.Tmp = WorkerTmp.Create(settings.WorkerTmpDir);
        }
        catch (IOException e)
        {
            log.Exception($"Exception in worker process\nRuntimeError: {e.Message}");
            log.Info($"Worker exiting (pid: {pid})");
            return ExitCodes.WorkerBootError;
        }
        int masterPid = int.Parse(Environment.GetEnvironmentVariable(WorkerEnvironment.MasterPid) ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        List<int> fdNumbers = (Environment.GetEnvironmentVariable(WorkerEnvironment.ListenFds) ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(f => int.Parse(f, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        var fds = fdNumbers.Select(Listener.Inherited).ToList();
        var identity = new WorkerIdentity(
            masterPid,
            int.TryParse(Environment.GetEnvironmentVariable(WorkerEnvironment.Role), out int age) ? age : 0,
            int.TryParse(Environment.GetEnvironmentVariable(WorkerEnvironment.Workers), out int count) ? count : settings.Workers,
            channel.Tmp.Fd,
            fdNumbers);

        TlsSetup? tls;
        try
        {
            // Read fresh by every worker: after a HUP, the new workers serve the renewed files.
            tls = TlsSetup.Load(settings);
        }
        catch (TlsSetupException e)
        {
            log.Error($"Worker failed to boot: {e.Message}");
            log.Info($"Worker exiting (pid: {pid})");
            return ExitCodes.WorkerBootError;
        }

        WorkerStatsReporter? stats = null;
        var signals = Channel.CreateUnbounded<int>();
        using IDisposable registrations = RegisterSignals(signals.Writer);

        AccessLog? access = AccessLog.Create(settings);
        PythonWorkerPool? pool = Boot(settings, log, access, args, identity, out WorkerHooks? hooks, out int failure, out nint asgiApp);
        if (pool is null && asgiApp == 0)
        {
            return Exit(failure);
        }
        if (hooks is not null && !hooks.Run("post_worker_init"))
        {
            // gunicorn: an exception before the worker booted is a boot failure; the arbiter halts.
            return Exit(ExitCodes.WorkerBootError);
        }
        if (pool is null)
        {
            // An ASGI app: one event loop instead of the Python threads (AsgiWorkerHost).
            return await AsgiWorkerHost.RunAsync(settings, forwarded, log, access, asgiApp, channel, masterPid, fds, tls, signals, hooks, Exit).ConfigureAwait(false);
        }

        long maxRequests = WorkerMonitor.JitteredMaxRequests(settings);
        WorkerMonitor? monitor = null;
        var gate = AcceptGate.Create(settings, pool, maxRequests, () => signals.Writer.TryWrite(LimitReached), started => monitor?.Checkpoint(started));
        pool.Observer = gate;
        KestrelFront front = await KestrelFront.StartAsync(fds, settings, new WsgiHttpApplication(pool, settings, forwarded, log), gate, forwarded, tls, log, new KestrelLoggerFactory(log)).ConfigureAwait(false);
        long bootMs = BootMilliseconds();
        channel.Send(WorkerMessage.Booted);
        // gthread's heartbeat is its main loop's, which needs the GIL (see WorkerMonitor); sync's is per request.
        GilProbe? gilProbe = AcceptGate.IsSync(settings) ? null : new GilProbe();
        gilProbe?.Start();
        monitor = new WorkerMonitor(pool, channel, settings, log, masterPid, () => signals.Writer.TryWrite(Posix.SIGQUIT), maxRequests, bootMs, gilProbe, () => signals.Writer.TryWrite(AllThreadsStuck));
        monitor.Start();
        stats = new WorkerStatsReporter(pool, channel);
        stats.Start();

        while (true)
        {
            int signal = await signals.Reader.ReadAsync().ConfigureAwait(false);
            switch (signal)
            {
                case Posix.SIGUSR1:
                    log.Reopen();
                    access?.Reopen();
                    continue;
                case Posix.SIGABRT:
                    await AnswerInFlightAsync(front, pool).ConfigureAwait(false);
                    DumpBusyThreads(pool, log);
                    hooks?.Run("worker_abort");
                    return Exit(1);
                case LimitReached:
                    // gunicorn's words when max_requests is reached. The gate already stopped
                    // accepting; the arbiter spawned (or now spawns) the replacement.
                    log.Info("Autorestarting worker after current request.");
                    monitor.Retire();
                    await GracefulStopAsync(front, pool, settings, log).ConfigureAwait(false);
                    break;
                case AllThreadsStuck:
                    // As at max_requests: stop accepting and drain now (connections wait in the
                    // kernel queue for the replacement the monitor asked for). The stuck requests
                    // were answered 504, so Kestrel is not waiting for them; their threads die with the process.
                    await GracefulStopAsync(front, pool, settings, log).ConfigureAwait(false);
                    break;
                case Posix.SIGTERM:
                    await GracefulStopAsync(front, pool, settings, log).ConfigureAwait(false);
                    break;
                default:
                    hooks?.Run("worker_int");
                    using (var now = new CancellationTokenSource(TimeSpan.Zero))
                    {
                        await front.StopAsync(now.Token).ConfigureAwait(false);
                    }
                    break;
            }
            monitor.Stop();
            return Exit(ExitCodes.Ok);
        }

        // gunicorn's spawn_worker "finally": the line, then worker_exit, whatever ended the worker.
        int Exit(int code)
        {
            stats?.SendFinal();
            log.Info($"Worker exiting (pid: {pid})");
            hooks?.Run("worker_exit");
            return code;
        }
    }

    /// <summary>Not a signal: the accept gate's "max_requests reached", queued on the same loop.</summary>
    private const int LimitReached = -1;

    /// <summary>Not a signal: every Python thread is stuck past --request-timeout (WorkerMonitor), queued on the same loop.</summary>
    private const int AllThreadsStuck = -2;

    /// <summary>From process start to serving: what a replacement will take too (its request for one is timed by it).</summary>
    private static long BootMilliseconds()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return Math.Max(0, (long)(DateTime.Now - self.StartTime).TotalMilliseconds);
    }

    /// <summary>-g then -u, before Python starts, so the app never runs with the arbiter's privileges (gunicorn's set_owner_process).</summary>
    private static int? SwitchUser(ServerSettings settings, ErrorLog log)
    {
        if (settings.Group is string group)
        {
            if (Posix.ResolveGroup(group) is not uint gid
                || (settings.Initgroups && settings.User is string member && Posix.InitGroups(Posix.UserName(member) ?? member, gid) != 0)
                || Posix.SetGid(gid) != 0)
            {
                log.Error($"Worker failed to boot: cannot switch to group '{group}' (errno {Marshal.GetLastPInvokeError()})");
                return ExitCodes.WorkerBootError;
            }
        }
        if (settings.User is string user)
        {
            if (Posix.ResolveUser(user) is not uint uid || Posix.SetUid(uid) != 0)
            {
                log.Error($"Worker failed to boot: cannot switch to user '{user}' (errno {Marshal.GetLastPInvokeError()})");
                return ExitCodes.WorkerBootError;
            }
        }
        return null;
    }

    private static async Task GracefulStopAsync(KestrelFront front, PythonWorkerPool pool, ServerSettings settings, ErrorLog log)
    {
        long deadline = Environment.TickCount64 + (settings.GracefulTimeout * 1000L);
        pool.Draining = true;
        await front.DrainAsync(TimeSpan.FromSeconds(Math.Min(settings.GracefulTimeout, settings.KeepAlive + 1)), () => log.Debug("Stopped accepting; draining open connections")).ConfigureAwait(false);
        using var rest = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64)));
        await front.StopAsync(rest.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// How long a timed-out worker waits for its 504s to reach the clients before it logs its
    /// stacks and exits: well inside the 3 s the arbiter gives it before SIGKILL (Arbiter.AbortGraceMs).
    /// </summary>
    private static readonly TimeSpan AbortFlush = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The arbiter's SIGABRT: a 504 for every request, running or queued, whose response has not
    /// started (none needs the GIL), then Kestrel stops so the 504s are on the wire before the
    /// process goes. Responses already started are cut, as gunicorn's exit cuts them.
    /// </summary>
    private static async Task AnswerInFlightAsync(KestrelFront front, PythonWorkerPool pool)
    {
        using var flush = new CancellationTokenSource(AbortFlush);
        // Stop accepting first: a connection that comes now waits in the kernel queue for the
        // other workers or the replacement, rather than meeting a worker that cannot serve it.
        Task stopping = front.StopAsync(flush.Token);
        foreach (WsgiRequest req in pool.BeginAbort())
        {
            DeadlineAnswer.TryAnswer(req, pool.Settings.AccessLog);
        }
        try
        {
            await stopping.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // What did not finish within AbortFlush is cut by the exit, as in gunicorn.
        }
    }

    /// <summary>The arbiter's SIGABRT: every busy thread's stack and request, then exit (gunicorn's worker_abort path).</summary>
    private static void DumpBusyThreads(PythonWorkerPool pool, ErrorLog log)
    {
        foreach (PythonWorker t in pool.Workers)
        {
            if (t.Current is { } req)
            {
                log.Error($"WORKER TIMEOUT: {StackDump.Describe(t, req)}\n{StackDump.Stack(pool, t).TrimEnd('\n')}");
            }
        }
    }

    /// <summary>
    /// Python, post_fork, the app and the Python threads; null with gunicorn's exit code on failure. <paramref name="hooks"/> is set once loaded, even then.
    /// An ASGI app (detected, or forced by --interface / -k) gives null with <paramref name="asgiApp"/> set: no Python threads are started for it.
    /// </summary>
    private static PythonWorkerPool? Boot(ServerSettings settings, ErrorLog log, AccessLog? access, string[] args, WorkerIdentity? identity, out WorkerHooks? hooks, out int failure, out nint asgiApp)
    {
        failure = ExitCodes.Ok;
        hooks = null;
        asgiApp = 0;
        try
        {
            InterpreterInfo info = EmbeddedPython.Start(settings, args);
            log.Debug($"Embedded CPython {info.Version} from {info.Interpreter}");
        }
        catch (PythonBootException e)
        {
            log.Error($"Worker failed to boot: {e.Message}");
            failure = ExitCodes.WorkerBootError;
            return null;
        }

        // gunicorn's Logger is set up before anything else runs in the worker: post_fork and the
        // app import already find gunicorn.error with the server's handlers.
        try
        {
            PythonLogging.Attach(settings, log, access);
        }
        catch (PythonException e)
        {
            // gunicorn's words for a logging configuration that fails (its RuntimeError).
            log.Error($"Worker failed to boot: {e.PythonMessage}");
            failure = ExitCodes.WorkerBootError;
            return null;
        }

        if (identity is not null && WorkerHooks.Configured(settings))
        {
            using (GilScope.Acquire())
            {
                try
                {
                    hooks = WorkerHooks.Load(settings, log, identity);
                }
                catch (PythonException e)
                {
                    log.Exception($"Exception in worker process\n{e.Traceback.TrimEnd('\n')}");
                    failure = ExitCodes.WorkerBootError;
                    return null;
                }
            }
            // gunicorn calls post_fork before the worker imports the app.
            if (!hooks.Run("post_fork"))
            {
                failure = ExitCodes.WorkerBootError;
                return null;
            }
        }

        WsgiApp app;
        using (GilScope.Acquire())
        {
            try
            {
                Func<nint, nint>? wrap = hooks is { WrapsRequests: true } ? hooks.Wrap : null;
                if (wrap is not null && settings.Interface != "wsgi")
                {
                    // pre_request/post_request wrap a WSGI call; an ASGI app is served unwrapped.
                    Func<nint, nint> wsgiWrap = wrap;
                    wrap = c => settings.ForcesAsgi || AsgiLoop.IsAsgi(c) ? c : wsgiWrap(c);
                }
                app = WsgiApp.Load(settings.AppModule, log.Raw, wrap, settings.Paste, settings.PasteGlobalConf, settings.Spew);
                if (settings.ForcesAsgi || (settings.Interface == "auto" && AsgiLoop.IsAsgi(app.Callable)))
                {
                    asgiApp = app.Callable;
                }
            }
            catch (PythonException e)
            {
                if (e.TypeName == "AppImportError")
                {
                    log.Error($"Failed to load the application: {e.PythonMessage}");
                    Console.Error.WriteLine(e.PythonMessage);
                }
                else
                {
                    log.Exception($"Exception in worker process\n{e.Traceback.TrimEnd('\n')}");
                }
                failure = ExitCodes.AppLoadError;
                return null;
            }
        }

        if (asgiApp != 0)
        {
            return null;
        }
        int workers = int.TryParse(Environment.GetEnvironmentVariable(WorkerEnvironment.Workers), out int n) ? n : settings.Workers;
        var workerSettings = new WorkerSettings
        {
            Threads = settings.Threads,
            Workers = workers,
            ServerSoftware = "sharpicorn/" + ProcessInfo.Version,
            ScriptName = Environment.GetEnvironmentVariable("SCRIPT_NAME") ?? "",
            ErrorLog = log,
            AccessLog = access,
            Statsd = log.Statsd,
            ClientCertificates = settings.IsSsl && settings.CertReqs > 0,
            KeepUnderscoreHeaders = settings.HeaderMap == "dangerous",
            ForwarderHeaders = settings.ForwarderHeaders,
            Sendfile = settings.UseSendfile,
            Spew = settings.Spew,
        };
        var pool = new PythonWorkerPool(app, workerSettings);
        pool.Start();
        return pool;
    }

    private static IDisposable RegisterSignals(ChannelWriter<int> writer) => SignalRegistrations.Create(
        [Posix.SIGTERM, Posix.SIGINT, Posix.SIGQUIT, Posix.SIGABRT, Posix.SIGUSR1],
        s => writer.TryWrite(s),
        [Posix.SIGHUP, Posix.SIGTTIN, Posix.SIGTTOU, Posix.SIGWINCH, Posix.SIGUSR2]);
}
