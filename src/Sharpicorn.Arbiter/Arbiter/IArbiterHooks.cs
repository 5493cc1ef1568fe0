using Sharpicorn.Cli;

namespace Sharpicorn.Arbiter;

/// <summary>
/// gunicorn's master-side server hooks, at the points of gunicorn's arbiter.py. The arbiter
/// knows nothing of Python: the composition root passes an implementation only when the config
/// file defines a master hook, and each call runs on the loop, blocking it for the hook's length,
/// as gunicorn's single-threaded master does. A hook that raises is the implementation's to log.
/// </summary>
internal interface IArbiterHooks
{
    /// <summary>Before a worker is spawned (gunicorn's pre_fork, just before the fork).</summary>
    void PreFork(int age);

    /// <summary>The worker of <paramref name="age"/> got its pid (gunicorn's WORKERS[pid] = worker).</summary>
    void Spawned(int age, int pid);

    /// <summary>The arbiter sent SIGABRT for a timeout (gunicorn's worker.aborted = True).</summary>
    void Aborted(int pid);

    /// <summary>A worker was reaped (gunicorn's child_exit).</summary>
    void ChildExit(int pid);

    /// <summary>The target worker count changed: TTIN, TTOU, WINCH, HUP (gunicorn's num_workers setter).</summary>
    void NumWorkersChanged(int newValue, int? oldValue);

    /// <summary>HUP read the configuration again: the hooks see the new file (gunicorn's app.reload).</summary>
    void Reloaded(ServerSettings settings);

    /// <summary>HUP, once the new configuration is in place and before the new workers are spawned (gunicorn's on_reload).</summary>
    void OnReload();

    /// <summary>USR2, just before the new master is started (gunicorn's pre_exec).</summary>
    void PreExec();

    /// <summary>The master is done, after "Shutting down: Master" (gunicorn's on_exit).</summary>
    void OnExit();
}
