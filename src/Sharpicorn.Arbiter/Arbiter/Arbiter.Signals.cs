using Sharpicorn.Cli;
using Sharpicorn.Platform;

namespace Sharpicorn.Arbiter;

/// <summary>gunicorn's master signals. Handlers only enqueue; <see cref="OnSignal"/> runs on the loop.</summary>
internal sealed partial class Arbiter
{
    private static readonly int[] HandledSignals =
        [Posix.SIGHUP, Posix.SIGINT, Posix.SIGQUIT, Posix.SIGTERM, Posix.SIGTTIN, Posix.SIGTTOU, Posix.SIGUSR1, Posix.SIGUSR2, Posix.SIGWINCH];

    private IMasterProcess? _reexec;

    /// <summary>A USR2 master is running on our sockets: leave its unix socket files in place.</summary>
    public bool HandedOver => _reexec is { HasExited: false };

    /// <summary>
    /// Before "Listening at:" is printed (gunicorn's init_signals comes first too): from then on a
    /// supervisor may send TERM, and it must be handled, not kill the process by default.
    /// </summary>
    public IDisposable RegisterSignals() =>
        processes.RegisterSignals(HandledSignals, s => _events.Writer.TryWrite(new ArbiterEvent(ArbiterEventKind.Signal, Signal: s)));

    private void OnSignal(int signal)
    {
        if (_stopping)
        {
            // gunicorn's stop loop reads the signal queue itself: INT/QUIT hurry it, the rest is dropped.
            if (signal is Posix.SIGINT or Posix.SIGQUIT)
            {
                QuickShutdown();
            }
            return;
        }
        if (signal != Posix.SIGWINCH || _settings.Daemon)
        {
            log.Info($"Handling signal: {Posix.Name(signal)}");
        }
        switch (signal)
        {
            case Posix.SIGTERM:
                Stop(graceful: true, ExitCodes.Ok);
                break;
            case Posix.SIGINT:
            case Posix.SIGQUIT:
                Stop(graceful: false, ExitCodes.Ok);
                break;
            case Posix.SIGHUP:
                Reload();
                break;
            case Posix.SIGTTIN:
                SetNumWorkers(_numWorkers + 1);
                break;
            case Posix.SIGTTOU:
                if (_numWorkers > 1)
                {
                    SetNumWorkers(_numWorkers - 1);
                }
                break;
            case Posix.SIGUSR1:
                log.Reopen();
                KillAll(Posix.SIGUSR1);
                break;
            case Posix.SIGUSR2:
                Reexec();
                break;
            case Posix.SIGWINCH:
                if (_settings.Daemon)
                {
                    // gunicorn's WINCH: stop the workers gracefully, keep the master (for a USR2 upgrade).
                    log.Info("graceful stop of workers");
                    SetNumWorkers(0);
                    foreach (WorkerProcess w in _workers.Values)
                    {
                        Terminate(w);
                    }
                }
                else
                {
                    log.Debug("SIGWINCH ignored. Not daemonized");
                }
                break;
        }
    }

    /// <summary>
    /// HUP: read the configuration again and replace every worker with a new one that loads the
    /// app afresh. Old workers keep serving until their replacements have booted.
    /// </summary>
    private void Reload()
    {
        log.Info("Hang up: Master");
        _reloads++;
        try
        {
            ServerSettings reloaded = reloadSettings();
            if (!reloaded.Bind.SequenceEqual(_settings.Bind))
            {
                log.Warning("bind changed in the reloaded configuration; sharpicorn keeps its sockets until a restart (or USR2)");
            }
            _settings = reloaded;
            Hooks?.Reloaded(reloaded);
            // gunicorn's setup() sets num_workers again, so nworkers_changed runs on every HUP.
            SetNumWorkers(reloaded.Workers);
        }
        catch (ReloadRefusedException e)
        {
            log.Error($"Reloading the configuration failed, keeping the old workers: {e.Message}");
            return;
        }
        catch (Exception e) when (e is UsageException or FormatException or IOException)
        {
            log.Error($"Reloading the configuration failed, keeping the old one: {e.Message}");
        }
        Hooks?.OnReload();
        ReplaceAllWorkers();
    }

    /// <summary>
    /// USR2: start a new master of the current executable on the same listening sockets (a binary
    /// upgrade). The old master keeps running; TERM it once the new one serves. The pidfile
    /// becomes PIDFILE.oldbin meanwhile, as in gunicorn.
    /// </summary>
    private void Reexec()
    {
        if (_reexec is { HasExited: false })
        {
            log.Warning("USR2 signal ignored. Child exists.");
            return;
        }
        Hooks?.PreExec();
        try
        {
            _reexec = processes.StartMaster();
        }
        catch (SpawnException e)
        {
            log.Error($"Re-exec failed: {e.Message}");
            return;
        }
        if (_settings.PidFile is string pidfile && File.Exists(pidfile))
        {
            File.Move(pidfile, pidfile + ".oldbin", overwrite: true);
        }
        log.Info($"Started new master with pid: {_reexec.Pid}");
    }
}
