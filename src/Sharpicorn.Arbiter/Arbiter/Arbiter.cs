// Design notes
// ------------
// The arbiter is gunicorn's master, minus fork: it binds every socket once, then starts each
// worker as a new process of this executable (a .NET process must not fork without exec). A
// worker inherits the listening descriptors (FD_CLOEXEC cleared just for the spawn) and the
// write end of a pipe; it never binds, so a restart never refuses or resets a queued
// connection: the kernel queue belongs to the socket, not to any worker.
//
// One loop owns all state. Everything else only enqueues an ArbiterEvent: signal handlers,
// one pipe reader and one exit watcher per worker, and a 500 ms tick. The loop reacts:
//   Tick     timeouts (SIGABRT, then SIGKILL), recycling limits, worker count
//   Signal   TERM graceful stop, INT/QUIT fast stop, HUP reload, TTIN/TTOU count, USR1 logs, USR2 re-exec
//   Message  heartbeat (progress time), booted, retire-me
//   Exited   reap, log like gunicorn, halt on boot errors (exit 3/4) instead of respawning
//
// Heartbeats go through the pipe, never a file, so a slow disk cannot stall them. A heartbeat
// carries the worker's last *progress* time (its requests' last I/O), so a worker whose request
// is stuck stops being live even though its heartbeat thread still runs.
//
// Zero-drop replacement: a worker being replaced (HUP, max_requests, lifetime, memory) keeps
// serving until its replacement reports Booted; only then does it get SIGTERM, and it drains:
// it stops accepting, answers in-flight requests with Connection: close, then exits.
using System.Diagnostics;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Sharpicorn.Cli;
using Sharpicorn.Net;
using Sharpicorn.Logging;
using Sharpicorn.Platform;

using Sharpicorn.Protocol;

namespace Sharpicorn.Arbiter;

internal sealed partial class Arbiter(ServerSettings settings, string[] args, List<Listener> listeners, ErrorLog log)
{
    /// <summary>How often the loop looks at timeouts and limits.</summary>
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>After SIGABRT a timed-out worker gets this long to log its stacks before SIGKILL.</summary>
    private const long AbortGraceMs = 3000;

    /// <summary>Workers in a row that die before booting before the arbiter gives up instead of respawning in a loop.</summary>
    private const int MaxBootFailures = 5;

    private readonly Channel<ArbiterEvent> _events = Channel.CreateUnbounded<ArbiterEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<int, WorkerProcess> _workers = [];
    private ServerSettings _settings = settings;
    private int _numWorkers = settings.Workers;
    private int _age;
    private int _bootFailures;
    private bool _stopping;
    private long _stopDeadline;
    private bool _killedAtDeadline;
    private int _exitCode;
    private string? _haltReason;

    public IReadOnlyCollection<WorkerProcess> Workers => _workers.Values;

    /// <summary>Runs the loop until the arbiter stops. Signals must be registered first (<see cref="RegisterSignals"/>).</summary>
    public async Task<int> RunAsync()
    {
        using IDisposable? watcher = _settings.Reload ? WatchSources() : null;
        using var timer = new PeriodicTimer(TickInterval);
        _ = TickAsync(timer);
        ManageWorkers();
        while (true)
        {
            ArbiterEvent e = await _events.Reader.ReadAsync().ConfigureAwait(false);
            switch (e.Kind)
            {
                case ArbiterEventKind.Tick:
                    OnTick();
                    break;
                case ArbiterEventKind.Signal:
                    OnSignal(e.Signal);
                    break;
                case ArbiterEventKind.Message:
                    OnMessage(e.Worker!, e.Message, e.Payload);
                    break;
                case ArbiterEventKind.Exited:
                    OnExited(e.Worker!);
                    break;
                case ArbiterEventKind.FileChanged:
                    OnFileChanged(e.File!);
                    break;
            }
            if (_stopping && _workers.Count == 0)
            {
                log.Info("Shutting down: Master");
                if (_haltReason is not null)
                {
                    log.Info("Reason: " + _haltReason);
                }
                return _exitCode;
            }
            if (!_stopping)
            {
                ManageWorkers();
            }
        }
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
        long now = Environment.TickCount64;
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
                w.AbortedAt = now;
                Signal(w, Posix.SIGABRT);
            }
            return;
        }
        if (_settings.Timeout > 0 && w.TerminatedAt is null && now - w.LastProgress > _settings.Timeout * 1000L)
        {
            log.Critical($"WORKER TIMEOUT (pid:{w.Pid})");
            w.AbortedAt = now;
            Signal(w, Posix.SIGABRT);
        }
    }

    /// <summary>max_worker_lifetime and max_worker_memory: replace the worker gracefully.</summary>
    private void CheckLimits(WorkerProcess w, long now)
    {
        if (!w.Booted || w.Retiring || w.TerminatedAt is not null || w.AbortedAt is not null)
        {
            return;
        }
        if (w.LifetimeLimit > 0 && now - w.SpawnedAt > w.LifetimeLimit)
        {
            log.Info($"Worker (pid:{w.Pid}) reached max_worker_lifetime ({w.LifetimeLimit / 1000} s); replacing it");
            w.Retiring = true;
        }
        else if (w.MemoryLimitKiB > 0 && ReadRssKiB(w.Pid) is long rss && rss > w.MemoryLimitKiB)
        {
            log.Info($"Worker (pid:{w.Pid}) uses {rss / 1024} MiB, over max_worker_memory ({w.MemoryLimitKiB / 1024} MiB); replacing it");
            w.Retiring = true;
        }
    }

    private static long? ReadRssKiB(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().ToString().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    private void OnMessage(WorkerProcess w, WorkerMessage message, long payload)
    {
        switch (message)
        {
            case WorkerMessage.Heartbeat:
                w.LastProgress = payload;
                break;
            case WorkerMessage.Booted:
                log.Debug($"Worker (pid:{w.Pid}) booted");
                w.Booted = true;
                w.LastProgress = Environment.TickCount64;
                _bootFailures = 0;
                // A booted worker takes over from one that is being replaced.
                WorkerProcess? retiring = _workers.Values.Where(x => x.Retiring && x.TerminatedAt is null).OrderBy(x => x.Age).FirstOrDefault();
                if (retiring is not null)
                {
                    Terminate(retiring);
                }
                break;
            case WorkerMessage.Retire:
                w.Retiring = true;
                break;
        }
    }

    /// <summary>gunicorn's reap_workers: log how the worker ended, and halt on boot and load errors.</summary>
    private void OnExited(WorkerProcess w)
    {
        if (!_workers.Remove(w.Pid))
        {
            return;
        }
        int code = w.Process.ExitCode;
        w.Pipe.Dispose();
        w.Process.Dispose();
        // .NET reports a child killed by signal N as 128 + N.
        if (code > 128 && code < 160)
        {
            int signal = code - 128;
            bool expected = signal == Posix.SIGKILL && w.AbortedAt is not null || signal == Posix.SIGTERM && (w.TerminatedAt is not null || _stopping);
            string msg = $"Worker (pid:{w.Pid}) was sent SIG{Posix.Name(signal).ToUpperInvariant()}!";
            if (signal == Posix.SIGKILL)
            {
                msg += " Perhaps out of memory?";
            }
            if (!expected || signal == Posix.SIGKILL)
            {
                log.Error(msg);
            }
        }
        else if (code != 0)
        {
            log.Error($"Worker (pid:{w.Pid}) exited with code {code}.");
        }
        if (_stopping)
        {
            return;
        }
        if (!w.Booted && code == ExitCodes.WorkerBootError)
        {
            Halt("Worker failed to boot.", ExitCodes.WorkerBootError);
            return;
        }
        if (!w.Booted && code == ExitCodes.AppLoadError)
        {
            Halt("App failed to load.", ExitCodes.AppLoadError);
            return;
        }
        if (!w.Booted && ++_bootFailures >= MaxBootFailures)
        {
            Halt("Worker failed to boot.", ExitCodes.WorkerBootError);
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
    }

    private WorkerProcess? SpawnWorker()
    {
        var pipe = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.Inheritable);
        ProcessStartInfo psi = SelfProcess.StartInfo(args);
        int age = ++_age;
        psi.Environment[WorkerEnvironment.Role] = age.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment[WorkerEnvironment.ListenFds] = string.Join(',', listeners.Select(l => l.Fd));
        psi.Environment[WorkerEnvironment.PipeFd] = pipe.GetClientHandleAsString();
        psi.Environment[WorkerEnvironment.MasterPid] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment[WorkerEnvironment.Workers] = _numWorkers.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment.Remove("LISTEN_FDS");
        psi.Environment.Remove("LISTEN_PID");
        psi.Environment.Remove(WorkerEnvironment.InheritedFds);
        Process process;
        try
        {
            foreach (Listener l in listeners)
            {
                Posix.SetInheritable(l.Fd, inheritable: true);
            }
            process = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            log.Error($"Exception spawning worker: {e.Message}");
            pipe.Dispose();
            Halt("Worker failed to boot.", ExitCodes.WorkerBootError);
            return null;
        }
        finally
        {
            foreach (Listener l in listeners)
            {
                Posix.SetInheritable(l.Fd, inheritable: false);
            }
            pipe.DisposeLocalCopyOfClientHandle();
        }
        long now = Environment.TickCount64;
        var w = new WorkerProcess(process, pipe, age, now)
        {
            LifetimeLimit = Jittered(_settings.MaxWorkerLifetime, _settings.MaxWorkerLifetimeJitter) * 1000L,
            MemoryLimitKiB = Jittered(_settings.MaxWorkerMemory, _settings.MaxWorkerMemoryJitter) * 1024L,
        };
        _workers[w.Pid] = w;
        _ = ReadPipeAsync(w);
        _ = WatchExitAsync(w);
        return w;
    }

    private static long Jittered(long limit, long jitter) => limit <= 0 ? 0 : limit + (jitter > 0 ? Random.Shared.NextInt64(0, jitter + 1) : 0);

    private async Task ReadPipeAsync(WorkerProcess w)
    {
        var frame = new byte[9];
        try
        {
            while (true)
            {
                await w.Pipe.ReadExactlyAsync(frame).ConfigureAwait(false);
                long payload = BitConverter.ToInt64(frame, 1);
                _events.Writer.TryWrite(new ArbiterEvent(ArbiterEventKind.Message, Worker: w, Message: (WorkerMessage)frame[0], Payload: payload));
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ObjectDisposedException)
        {
            // The worker is gone or going; its exit watcher reports it.
        }
    }

    private async Task WatchExitAsync(WorkerProcess w)
    {
        await w.Process.WaitForExitAsync().ConfigureAwait(false);
        _events.Writer.TryWrite(new ArbiterEvent(ArbiterEventKind.Exited, Worker: w));
    }

    private void Terminate(WorkerProcess w)
    {
        if (w.TerminatedAt is null)
        {
            w.TerminatedAt = Environment.TickCount64;
            Signal(w, Posix.SIGTERM);
        }
    }

    private void Signal(WorkerProcess w, int signal)
    {
        if (Posix.Kill(w.Pid, signal) != 0 && log.IsEnabled(Logging.LogLevel.Debug))
        {
            log.Debug($"kill({w.Pid}, {Posix.Name(signal)}) failed: errno {Marshal.GetLastPInvokeError()}");
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
        _exitCode = exitCode;
        _stopDeadline = Environment.TickCount64 + (_settings.GracefulTimeout * 1000L);
        foreach (WorkerProcess w in _workers.Values)
        {
            w.TerminatedAt ??= Environment.TickCount64;
        }
        KillAll(graceful ? Posix.SIGTERM : Posix.SIGQUIT);
    }
}
