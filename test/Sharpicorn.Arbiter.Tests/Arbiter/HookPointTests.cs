using Sharpicorn.Arbiter;
using Sharpicorn.Platform;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>The master hooks are called at gunicorn's points of arbiter.py, in its order.</summary>
public sealed class HookPointTests
{
    [Fact]
    public void Start_EachSpawn_PreForkBeforeTheSpawn()
    {
        var hooks = new RecordingHooks();
        using var h = new ArbiterHarness(s => s.Workers = 2, hooks: hooks);

        h.Start();

        Assert.Equal(["pre_fork(1)", "spawned(1)", "pre_fork(2)", "spawned(2)"], hooks.Calls);
    }

    [Fact]
    public void TtinTtou_NumWorkersChangedThenTheSpawnOrTheStop()
    {
        var hooks = new RecordingHooks();
        using var h = new ArbiterHarness(s => s.Workers = 1, hooks: hooks);
        h.StartBooted();
        hooks.Calls.Clear();

        h.Signal(Posix.SIGTTIN);
        h.Booted(h.Worker(2));
        h.Signal(Posix.SIGTTOU);
        h.Exit(h.Worker(1), ChildExit.Exited(0));

        Assert.Equal(["nworkers_changed(2, 1)", "pre_fork(2)", "spawned(2)", "nworkers_changed(1, 2)", $"child_exit({h.Worker(1).Pid})"], hooks.Calls);
    }

    [Fact]
    public void Hup_ReloadedNumWorkersChangedOnReload_ThenTheNewWorkers()
    {
        var hooks = new RecordingHooks();
        using var h = new ArbiterHarness(s => s.Workers = 1, hooks: hooks);
        h.StartBooted();
        hooks.Calls.Clear();

        h.Signal(Posix.SIGHUP);

        // gunicorn's reload(): app.reload, setup (num_workers set again, even unchanged), on_reload, spawn.
        Assert.Equal(["reloaded", "nworkers_changed(1, 1)", "on_reload", "pre_fork(2)", "spawned(2)"], hooks.Calls);
    }

    [Fact]
    public void Timeout_AbortedBeforeTheKill_ChildExitAfterTheReap()
    {
        var hooks = new RecordingHooks();
        using var h = new ArbiterHarness(s => { s.Workers = 1; s.Timeout = 1; }, hooks: hooks);
        h.StartBooted();
        FakeChild w = h.Worker(1);

        h.TickFor(TimeSpan.FromSeconds(2));
        h.Exit(w, ChildExit.Killed(Posix.SIGABRT));

        Assert.Contains($"aborted({w.Pid})", hooks.Calls);
        Assert.True(hooks.Calls.IndexOf($"aborted({w.Pid})") < hooks.Calls.IndexOf($"child_exit({w.Pid})"));
    }

    [Fact]
    public void Usr2_PreExecBeforeTheNewMaster()
    {
        var hooks = new RecordingHooks();
        using var h = new ArbiterHarness(s => s.Workers = 1, hooks: hooks);
        h.StartBooted();
        hooks.Calls.Clear();

        h.Signal(Posix.SIGUSR2);

        Assert.Equal(["pre_exec"], hooks.Calls);
        Assert.Contains("Started new master with pid", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Term_EveryWorkerReaped_ChildExitEachThenOnExitLast()
    {
        var hooks = new RecordingHooks();
        using var h = new ArbiterHarness(s => s.Workers = 2, hooks: hooks);
        h.StartBooted();
        hooks.Calls.Clear();

        h.Signal(Posix.SIGTERM);
        h.Exit(h.Worker(1), ChildExit.Exited(0));
        Assert.DoesNotContain("on_exit", hooks.Calls);
        h.Exit(h.Worker(2), ChildExit.Exited(0));

        Assert.True(h.Done);
        Assert.Equal([$"child_exit({h.Worker(1).Pid})", $"child_exit({h.Worker(2).Pid})", "on_exit"], hooks.Calls);
    }
}
