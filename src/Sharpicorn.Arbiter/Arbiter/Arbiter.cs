// Design notes
// ------------
// The arbiter is gunicorn's master, minus fork: it binds every socket once, then starts each
// worker as a new process of this executable (a .NET process must not fork without exec). A
// worker inherits the listening descriptors (FD_CLOEXEC cleared just for the spawn) and the
// write end of a pipe; it never binds, so a restart never refuses or resets a queued
// connection: the kernel queue belongs to the socket, not to any worker.
//
// One loop owns all state. Everything else only enqueues an ArbiterEvent: signal handlers,
// one pipe reader and one exit watcher per worker, and a 500 ms tick. The loop reacts (Step):
//   Tick     timeouts (SIGABRT, then SIGKILL), recycling limits, worker count
//   Signal   TERM graceful stop, INT/QUIT fast stop, HUP reload, TTIN/TTOU count, USR1 logs, USR2 re-exec
//   Message  heartbeat (progress time), booted, retire-me
//   Exited   reap, log like gunicorn, halt on boot errors (exit 3/4) instead of respawning
//
// Seams: processes and signals go through IProcessApi, every clock read and timer through a
// TimeProvider, so tests drive Step in-process with fakes and a fake clock. gunicorn's master
// hooks go through IArbiterHooks (null unless the config file defines one), called on the loop
// at gunicorn's points: pre_fork before each spawn, child_exit after each reap,
// nworkers_changed on every change of the target, on_reload, pre_exec, on_exit.
//
// Heartbeats go through the pipe, never a file, so a slow disk cannot stall them. A heartbeat
// carries the worker's last *progress* time (its requests' last I/O) on the shared monotonic
// clock (MonotonicClock), so a worker whose request is stuck stops being live even though its
// heartbeat thread still runs.
//
// Zero-drop replacement: a worker being replaced (HUP, max_requests, lifetime, memory) keeps
// serving until its replacement reports Booted; only then does it get SIGTERM, and it drains:
// it stops accepting, answers in-flight requests with Connection: close, then exits. Limits
// that can be foreseen are asked for ahead, so the replacement is serving when they end: a
// worker sends Retire when its request rate says max_requests is one lead away (and stops
// itself exactly at the limit), and the arbiter starts the replacement of a worker whose
// max_worker_lifetime ends within twice its measured boot time, and stops it at the end.
//
// Workers are keyed by age (spawn order), never by pid: a late message from a reaped worker's
// pipe cannot land on a new worker that happens to get the same pid.
using System.Threading.Channels;
using Sharpicorn.Cli;
using Sharpicorn.Logging;
using Sharpicorn.Platform;
using Sharpicorn.Protocol;

namespace Sharpicorn.Arbiter;

internal sealed partial class Arbiter(
    ServerSettings settings,
    ErrorLog log,
    IProcessApi processes,
    TimeProvider time,
    Func<ServerSettings> reloadSettings)
{
    /// <summary>How often the loop looks at timeouts and limits (gunicorn's arbiter sleeps at most 1 s; half that here).</summary>
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>After SIGABRT a timed-out worker gets this long to log its stacks before SIGKILL.</summary>
    internal const long AbortGraceMs = 3000;

    /// <summary>gunicorn's quick shutdown: INT/QUIT during a graceful stop leaves the workers this long (2 s) before SIGKILL.</summary>
    internal const long QuickShutdownMs = 2000;

    /// <summary>Workers in a row that die before booting before the arbiter gives up instead of respawning in a loop.</summary>
    internal const int MaxBootFailures = 5;

    private readonly Channel<ArbiterEvent> _events = Channel.CreateUnbounded<ArbiterEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<int, WorkerProcess> _workers = [];
    private ServerSettings _settings = settings;
    private int _numWorkers = settings.Workers;
    private int _age;
    private int _bootFailures;
    private bool _stopping;
    private bool _quickShutdown;
    private long _stopDeadline;
    private bool _killedAtDeadline;
    private int _exitCode;
    private string? _haltReason;
    private int _loggedWorkerCount = -1;

    /// <summary>--enable-backlog-metric: the listeners' accept-queue length, as gunicorn sums it (-1 when none can be read).</summary>
    public Func<int>? Backlog { get; init; }

    /// <summary>The master's server hooks; null when the config file defines none (the master then runs no Python).</summary>
    public IArbiterHooks? Hooks { get; init; }

    /// <summary>The worker count the arbiter aims for (workers, TTIN/TTOU).</summary>
    public int TargetWorkers => _numWorkers;

    public bool Stopping => _stopping;

    public int ExitCode => _exitCode;

    private long Now => MonotonicClock.NowMs(time);

    /// <summary>Runs the loop until the arbiter stops. Signals must be registered first (<see cref="RegisterSignals"/>).</summary>
    public async Task<int> RunAsync()
    {
        using IDisposable? watcher = _settings.Reload ? WatchSources() : null;
        using var timer = new PeriodicTimer(TickInterval, time);
        _ = TickAsync(timer);
        _startedAt = Now;
        processes.StatsSink = (age, stats) => _events.Writer.TryWrite(new ArbiterEvent(ArbiterEventKind.Stats, Age: age, Stats: stats));
        if (Start())
        {
            return _exitCode;
        }
        // After the first workers, as gunicorn starts its control server.
        using ControlServer? control = _settings.ControlSocketDisable || OperatingSystem.IsWindows() ? null : ControlServer.Start(this, _settings.ControlSocket, _settings.ControlSocketMode, log);
        using MetricsServer? metrics = _settings.MetricsBind is string bind ? MetricsServer.Start(this, bind, log) : null;
        while (true)
        {
            ArbiterEvent e = await _events.Reader.ReadAsync().ConfigureAwait(false);
            if (Step(e))
            {
                return _exitCode;
            }
        }
    }

    /// <summary>Spawns the first workers. True when that already ended the arbiter (a spawn failed).</summary>
    internal bool Start()
    {
        ManageWorkers();
        return Finished();
    }

    /// <summary>Handles one event on the loop. True when the arbiter is done (<see cref="ExitCode"/>).</summary>
    internal bool Step(ArbiterEvent e)
    {
        switch (e.Kind)
        {
            case ArbiterEventKind.Tick:
                OnTick();
                break;
            case ArbiterEventKind.Signal:
                OnSignal(e.Signal);
                break;
            case ArbiterEventKind.Message:
                if (_workers.TryGetValue(e.Age, out WorkerProcess? w))
                {
                    OnMessage(w, e.Message, e.Payload);
                }
                break;
            case ArbiterEventKind.Exited:
                OnExited(e.Age);
                break;
            case ArbiterEventKind.FileChanged:
                OnFileChanged(e.File!);
                break;
            case ArbiterEventKind.Stats:
                if (_workers.TryGetValue(e.Age, out WorkerProcess? reporting))
                {
                    reporting.Stats = e.Stats;
                }
                break;
            case ArbiterEventKind.Invoke:
                e.Run!();
                break;
        }
        if (!_stopping)
        {
            ManageWorkers();
            if (e.Kind == ArbiterEventKind.Tick)
            {
                ReportBacklog();
            }
        }
        return Finished();
    }

    /// <summary>gunicorn's halt: once stopping and every worker is reaped, the master says goodbye.</summary>
    private bool Finished()
    {
        if (!_stopping || _workers.Count > 0)
        {
            return false;
        }
        log.Info("Shutting down: Master");
        if (_haltReason is not null)
        {
            log.Info("Reason: " + _haltReason);
        }
        Hooks?.OnExit();
        return true;
    }

    private async Task TickAsync(PeriodicTimer timer)
    {
        while (await timer.WaitForNextTickAsync().ConfigureAwait(false))
        {
            _events.Writer.TryWrite(new ArbiterEvent(ArbiterEventKind.Tick));
        }
    }

    private void OnTick()
    {
        long now = Now;
        if (_stopping)
        {
            if (!_killedAtDeadline && now >= _stopDeadline)
            {
                _killedAtDeadline = true;
                KillAll(Posix.SIGKILL);
            }
            return;
        }
        foreach (WorkerProcess w in _workers.Values)
        {
            Murder(w, now);
            CheckLimits(w, now);
        }
    }

    /// <summary>gunicorn's murder_workers: SIGABRT on timeout, SIGKILL if that did not end it.</summary>
    private void Murder(WorkerProcess w, long now)
    {
        if (w.TerminatedAt is long term && now - term > _settings.GracefulTimeout * 1000L)
        {
            Signal(w, Posix.SIGKILL);
            return;
        }
        if (w.AbortedAt is long aborted)
        {
            if (now - aborted > AbortGraceMs)
            {
                Signal(w, Posix.SIGKILL);
            }
            return;
        }
        if (!w.Booted)
        {
            if (_settings.BootTimeout > 0 && now - w.SpawnedAt > _settings.BootTimeout * 1000L)
            {
                log.Critical($"WORKER BOOT TIMEOUT (pid:{w.Pid})");
                w.RestartReason ??= "timeout";
                w.AbortedAt = now;
                Hooks?.Aborted(w.Pid);
                Signal(w, Posix.SIGABRT);
            }
            return;
        }
        if (_settings.Timeout > 0 && w.TerminatedAt is null && now - w.LastProgress > _settings.Timeout * 1000L)
        {
            log.Critical($"WORKER TIMEOUT (pid:{w.Pid})");
            w.RestartReason ??= "timeout";
            w.AbortedAt = now;
            Hooks?.Aborted(w.Pid);
            Signal(w, Posix.SIGABRT);
        }
    }

    /// <summary>
    /// max_worker_lifetime: the replacement is spawned a lead ahead (twice this worker's own
    /// measured boot time, plus a tick), so it is serving when the lifetime ends; at the end the
    /// old worker is stopped (a drain) even if the replacement is late: its queue waits in the
    /// kernel, nothing is dropped. max_worker_memory cannot be foreseen: the worker is replaced
    /// the zero-drop way, serving until its replacement has booted.
    /// </summary>
    private void CheckLimits(WorkerProcess w, long now)
    {
        if (!w.Booted || w.TerminatedAt is not null || w.AbortedAt is not null)
        {
            return;
        }
        long age = now - w.SpawnedAt;
        if (w.LifetimeLimit > 0 && age > w.LifetimeLimit)
        {
            log.Info($"Worker (pid:{w.Pid}) reached max_worker_lifetime ({w.LifetimeLimit / 1000} s); replacing it");
            w.RestartReason ??= "lifetime";
            w.Retiring = true;
            Terminate(w);
            return;
        }
        if (w.Retiring)
        {
            return;
        }
        long lead = (2 * (w.BootedAt!.Value - w.SpawnedAt)) + (long)TickInterval.TotalMilliseconds;
        if (w.LifetimeLimit > 0 && age > w.LifetimeLimit - lead)
        {
            log.Info($"Worker (pid:{w.Pid}) reaches max_worker_lifetime ({w.LifetimeLimit / 1000} s) in {Math.Max(0, w.LifetimeLimit - age)} ms; starting its replacement");
            w.RestartReason ??= "lifetime";
            w.Retiring = true;
        }
        else if (w.MemoryLimitKiB > 0 && processes.ReadRssKiB(w.Pid) is long rss && rss > w.MemoryLimitKiB)
        {
            log.Info($"Worker (pid:{w.Pid}) uses {rss / 1024} MiB, over max_worker_memory ({w.MemoryLimitKiB / 1024} MiB); replacing it");
            w.RestartReason ??= "memory";
            w.Retiring = true;
        }
    }

    private void OnMessage(WorkerProcess w, WorkerMessage message, long payload)
    {
        switch (message)
        {
            case WorkerMessage.Heartbeat:
                w.LastProgress = payload;
                w.LastHeartbeat = Now;
                break;
            case WorkerMessage.Booted:
                log.Debug($"Worker (pid:{w.Pid}) booted");
                w.BootedAt = Now;
                w.LastProgress = Now;
                _bootFailures = 0;
                // A booted worker takes over from one that is being replaced.
                WorkerProcess? retiring = _workers.Values.Where(x => x.Retiring && x.TerminatedAt is null).OrderBy(x => x.Age).FirstOrDefault();
                if (retiring is not null)
                {
                    Terminate(retiring);
                }
                break;
            case WorkerMessage.Retire:
                w.RestartReason ??= "max-requests";
                w.Retiring = true;
                break;
        }
    }

    /// <summary>gunicorn's reap_workers: log how the worker ended, and halt on boot and load errors.</summary>
    private void OnExited(int age)
    {
        if (!_workers.Remove(age, out WorkerProcess? w))
        {
            return;
        }
        ChildExit exit = w.Child.Reap();
        w.Child.Dispose();
        LogExit(w.Pid, exit);
        Retired(w, exit);
        // Every reaped worker, a failed boot and a stopping master included, so a hook that
        // cleans up after workers (prometheus' mark_process_dead) sees each one.
        Hooks?.ChildExit(w.Pid);
        if (_stopping)
        {
            return;
        }
        if (!w.Booted && exit.ExitCode == ExitCodes.WorkerBootError)
        {
            Halt("Worker failed to boot.", ExitCodes.WorkerBootError);
            return;
        }
        if (!w.Booted && exit.ExitCode == ExitCodes.AppLoadError)
        {
            Halt("App failed to load.", ExitCodes.AppLoadError);
            return;
        }
        if (!w.Booted && ++_bootFailures >= MaxBootFailures)
        {
            Halt("Worker failed to boot.", ExitCodes.WorkerBootError);
        }
    }

    /// <summary>gunicorn 26's reap_workers messages and levels, word for word.</summary>
    private void LogExit(int pid, ChildExit exit)
    {
        if (exit.Signal is int sig)
        {
            string msg = $"Worker (pid:{pid}) was sent {ChildExit.SignalName(sig)}!";
            if (sig == Posix.SIGKILL)
            {
                // SIGKILL suggests the OOM killer (or our own timeout kill).
                log.Error(msg + " Perhaps out of memory?");
            }
            else if (sig == Posix.SIGTERM)
            {
                log.Info(msg);
            }
            else
            {
                log.Warning(msg);
            }
        }
        if (exit.ExitCode is int code && code != 0)
        {
            log.Error($"Worker (pid:{pid}) exited with code {code}.");
        }
    }

    private void Halt(string reason, int code)
    {
        _haltReason = reason;
        Stop(graceful: true, code);
    }

    /// <summary>gunicorn's manage_workers: spawn up to the target, retire the oldest beyond it.</summary>
    private void ManageWorkers()
    {
        var serving = _workers.Values.Where(w => w.TerminatedAt is null && !w.Retiring).OrderBy(w => w.Age).ToList();
        if (serving.Count(w => w.Booted) >= _numWorkers)
        {
            // Enough replacements are serving: whatever is still being replaced can go now.
            foreach (WorkerProcess old in _workers.Values.Where(w => w.Retiring && w.TerminatedAt is null).ToList())
            {
                Terminate(old);
            }
        }
        for (int i = serving.Count; i < _numWorkers; i++)
        {
            if (SpawnWorker() is null)
            {
                return;
            }
        }
        for (int i = 0; i < serving.Count - _numWorkers; i++)
        {
            Terminate(serving[i]);
        }
        ReportWorkerCount();
    }

    /// <summary>gunicorn's "N workers" debug line and gunicorn.workers gauge, sent when the count of serving workers changes.</summary>
    private void ReportWorkerCount()
    {
        int active = _workers.Values.Count(w => w.TerminatedAt is null && !w.Retiring);
        if (active == _loggedWorkerCount)
        {
            return;
        }
        _loggedWorkerCount = active;
        log.Debug($"{active} workers");
        log.Statsd?.Gauge("gunicorn.workers", active);
    }

    /// <summary>gunicorn's gunicorn.backlog histogram and "socket backlog: N" debug line, once per tick.</summary>
    private void ReportBacklog()
    {
        if (!_settings.EnableBacklogMetric || Backlog is null)
        {
            return;
        }
        int backlog = Backlog();
        if (backlog >= 0)
        {
            if (log.IsEnabled(Logging.LogLevel.Debug))
            {
                log.Debug($"socket backlog: {backlog}");
            }
            log.Statsd?.Histogram("gunicorn.backlog", backlog);
        }
    }

    private WorkerProcess? SpawnWorker()
    {
        int age = ++_age;
        IWorkerChild child;
        Hooks?.PreFork(age);
        try
        {
            _spawned++;
            child = processes.Spawn(
                age,
                _numWorkers,
                (message, payload) => _events.Writer.TryWrite(new ArbiterEvent(ArbiterEventKind.Message, Age: age, Message: message, Payload: payload)),
                () => _events.Writer.TryWrite(new ArbiterEvent(ArbiterEventKind.Exited, Age: age)));
        }
        catch (SpawnException e)
        {
            log.Error($"Exception spawning worker: {e.Message}");
            Halt("Worker failed to boot.", ExitCodes.WorkerBootError);
            return null;
        }
        var w = new WorkerProcess(child, age, Now)
        {
            LifetimeLimit = Jittered(_settings.MaxWorkerLifetime, _settings.MaxWorkerLifetimeJitter) * 1000L,
            MemoryLimitKiB = Jittered(_settings.MaxWorkerMemory, _settings.MaxWorkerMemoryJitter) * 1024L,
        };
        _workers[age] = w;
        Hooks?.Spawned(age, w.Pid);
        return w;
    }

    /// <summary>gunicorn's num_workers setter: every change of the target count goes to nworkers_changed.</summary>
    private void SetNumWorkers(int value)
    {
        int old = _numWorkers;
        _numWorkers = value;
        Hooks?.NumWorkersChanged(value, old);
    }

    private static long Jittered(long limit, long jitter) => limit <= 0 ? 0 : limit + (jitter > 0 ? Random.Shared.NextInt64(0, jitter + 1) : 0);

    private void Terminate(WorkerProcess w)
    {
        if (w.TerminatedAt is null)
        {
            w.TerminatedAt = Now;
            Signal(w, Posix.SIGTERM);
        }
    }

    private void Signal(WorkerProcess w, int signal)
    {
        int errno = processes.Kill(w.Pid, signal);
        if (errno == 0 && signal is Posix.SIGTERM or Posix.SIGKILL)
        {
            // gunicorn's workers_killed: kills that are terminations.
            _killed++;
        }
        else if (errno != 0 && log.IsEnabled(Logging.LogLevel.Debug))
        {
            log.Debug($"kill({w.Pid}, {Posix.Name(signal)}) failed: errno {errno}");
        }
    }

    private void KillAll(int signal)
    {
        foreach (WorkerProcess w in _workers.Values)
        {
            Signal(w, signal);
        }
    }

    /// <summary>gunicorn's stop: workers get TERM (graceful) or QUIT, then KILL after graceful_timeout.</summary>
    private void Stop(bool graceful, int exitCode)
    {
        if (_stopping)
        {
            return;
        }
        _stopping = true;
        _quickShutdown = !graceful;
        _exitCode = exitCode;
        long now = Now;
        _stopDeadline = now + (_settings.GracefulTimeout * 1000L);
        foreach (WorkerProcess w in _workers.Values)
        {
            w.TerminatedAt ??= now;
        }
        KillAll(graceful ? Posix.SIGTERM : Posix.SIGQUIT);
    }

    /// <summary>gunicorn's stop loop: INT or QUIT during a graceful stop sends QUIT and cuts the wait to 2 s.</summary>
    private void QuickShutdown()
    {
        if (_quickShutdown)
        {
            return;
        }
        _quickShutdown = true;
        log.Info("Quick shutdown requested");
        KillAll(Posix.SIGQUIT);
        _stopDeadline = Math.Min(_stopDeadline, Now + QuickShutdownMs);
    }
}
