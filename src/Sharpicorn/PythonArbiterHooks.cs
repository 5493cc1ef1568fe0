using Sharpicorn.Arbiter;
using Sharpicorn.Cli;
using Sharpicorn.Logging;
using Sharpicorn.Wsgi;

namespace Sharpicorn;

/// <summary>
/// The arbiter's hooks, run by the master's embedded Python (<see cref="MasterHooks"/>). A hook
/// that raises is logged with its traceback and the master goes on; on_starting and when_ready,
/// which stop the master in gunicorn, are the composition root's (<see cref="Fatal"/>).
/// </summary>
internal sealed class PythonArbiterHooks(MasterHooks hooks, ErrorLog log) : IArbiterHooks
{
    public void PreFork(int age) => Run("pre_fork", JsonArg.From(age));

    public void Spawned(int age, int pid) => Run("spawned", JsonArg.From(age), JsonArg.From(pid));

    public void Aborted(int pid) => Run("aborted", JsonArg.From(pid));

    public void ChildExit(int pid) => Run("child_exit", JsonArg.From(pid));

    public void NumWorkersChanged(int newValue, int? oldValue) => Run("nworkers_changed", JsonArg.From(newValue), JsonArg.From(oldValue));

    public void Reloaded(ServerSettings settings)
    {
        if (hooks.Event("reload", JsonArg.From(MasterHooks.Spec(settings))) is string traceback)
        {
            log.Exception($"Exception while reading the config file again; the master keeps its hooks\n{traceback.TrimEnd('\n')}");
        }
    }

    public void OnReload() => Run("on_reload");

    public void PreExec() => Run("pre_exec");

    public void OnExit() => Run("on_exit");

    /// <summary>The sockets are bound: server.LISTENERS, as when_ready sees them.</summary>
    public void Listening(IReadOnlyList<int> fds) => Run("listening", JsonArg.From(fds));

    /// <summary>on_starting or when_ready: null when it ran, else what gunicorn prints on stderr before it exits 1 (the traceback, or "Error: ..." for a RuntimeError).</summary>
    public string? Fatal(string name) => hooks.Event(name);

    private void Run(string name, params ReadOnlySpan<JsonArg> args)
    {
        if (hooks.Event(name, args) is string traceback)
        {
            log.Exception($"Exception in {name} hook\n{traceback.TrimEnd('\n')}");
        }
    }
}
