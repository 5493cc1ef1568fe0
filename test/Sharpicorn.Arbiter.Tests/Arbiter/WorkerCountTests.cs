using Sharpicorn.Arbiter;
using Sharpicorn.Platform;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>gunicorn's manage_workers with TTIN/TTOU.</summary>
public sealed class WorkerCountTests
{
    [Fact]
    public void Start_Workers_SpawnsThatManyInAgeOrder()
    {
        using var h = new ArbiterHarness(s => s.Workers = 3);

        h.Start();

        Assert.Equal([1, 2, 3], h.Spawned.Select(c => c.Age));
    }

    [Fact]
    public void Ttin_OneMoreWorker()
    {
        using var h = new ArbiterHarness(s => s.Workers = 2);
        h.StartBooted();

        h.Signal(Posix.SIGTTIN);

        Assert.Equal(3, h.Arbiter.TargetWorkers);
        Assert.Equal(3, h.Spawned.Count);
        Assert.Contains("[INFO] Handling signal: ttin", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Ttou_OneFewerWorker_OldestTerminated()
    {
        using var h = new ArbiterHarness(s => s.Workers = 3);
        h.StartBooted();

        h.Signal(Posix.SIGTTOU);

        Assert.Equal(2, h.Arbiter.TargetWorkers);
        Assert.Equal([Posix.SIGTERM], h.SignalsTo(h.Worker(1)));
        Assert.Empty(h.SignalsTo(h.Worker(2)));
        Assert.Empty(h.SignalsTo(h.Worker(3)));
        Assert.Contains("[INFO] Handling signal: ttou", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Ttou_TerminatedWorkerExits_NotRespawned()
    {
        using var h = new ArbiterHarness(s => s.Workers = 2);
        h.StartBooted();
        h.Signal(Posix.SIGTTOU);

        h.Exit(h.Worker(1), ChildExit.Exited(0));

        Assert.Equal(2, h.Spawned.Count);
        Assert.Single(h.Live);
    }

    [Fact]
    public void Ttou_OneWorker_KeepsOne()
    {
        using var h = new ArbiterHarness(s => s.Workers = 1);
        h.StartBooted();

        h.Signal(Posix.SIGTTOU);

        Assert.Equal(1, h.Arbiter.TargetWorkers);
        Assert.Empty(h.Processes.Kills);
    }

    [Fact]
    public void WorkerDies_AfterBoot_Respawned()
    {
        using var h = new ArbiterHarness(s => s.Workers = 2);
        h.StartBooted();

        h.Exit(h.Worker(2), ChildExit.Killed(Posix.SIGKILL));

        Assert.Equal(3, h.Spawned.Count);
        Assert.Equal(2, h.Live.Count);
        Assert.False(h.Arbiter.Stopping);
    }

    [Fact]
    public void Winch_NotDaemonized_IgnoredAtDebug()
    {
        using var h = new ArbiterHarness(s => s.Workers = 2);
        h.StartBooted();

        h.Signal(Posix.SIGWINCH);

        Assert.Empty(h.Processes.Kills);
        Assert.Contains("[DEBUG] SIGWINCH ignored. Not daemonized", h.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Handling signal: winch", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Winch_Daemonized_WorkersStoppedMasterKept()
    {
        using var h = new ArbiterHarness(s =>
        {
            s.Workers = 2;
            s.Daemon = true;
        });
        h.StartBooted();

        h.Signal(Posix.SIGWINCH);
        h.Exit(h.Worker(1), ChildExit.Exited(0));
        h.Exit(h.Worker(2), ChildExit.Exited(0));

        Assert.Equal(0, h.Arbiter.TargetWorkers);
        Assert.Equal(2, h.Spawned.Count);
        Assert.False(h.Done);
        Assert.Contains("[INFO] graceful stop of workers", h.Log, StringComparison.Ordinal);
    }
}
