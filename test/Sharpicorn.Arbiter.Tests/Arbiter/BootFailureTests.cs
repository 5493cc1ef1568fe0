using Sharpicorn.Arbiter;
using Sharpicorn.Platform;
using ArbiterLoop = Sharpicorn.Arbiter.Arbiter;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>gunicorn's HaltServer on WORKER_BOOT_ERROR and APP_LOAD_ERROR, plus the guard against respawning in a loop.</summary>
public sealed class BootFailureTests
{
    [Fact]
    public void Exit3_BeforeBoot_HaltsWithWorkerFailedToBoot()
    {
        using var h = new ArbiterHarness();
        h.Start();

        h.Exit(h.Worker(1), ChildExit.Exited(3));

        Assert.True(h.Done);
        Assert.Equal(3, h.Arbiter.ExitCode);
        Assert.Single(h.Spawned);
        string log = h.Log;
        Assert.Contains("[ERROR] Worker (pid:101) exited with code 3.", log, StringComparison.Ordinal);
        Assert.Contains("[INFO] Shutting down: Master", log, StringComparison.Ordinal);
        Assert.Contains("[INFO] Reason: Worker failed to boot.", log, StringComparison.Ordinal);
    }

    [Fact]
    public void Exit4_BeforeBoot_HaltsWithAppFailedToLoad()
    {
        using var h = new ArbiterHarness();
        h.Start();

        h.Exit(h.Worker(1), ChildExit.Exited(4));

        Assert.True(h.Done);
        Assert.Equal(4, h.Arbiter.ExitCode);
        Assert.Contains("[INFO] Reason: App failed to load.", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Exit4_OtherWorkersAlive_TheyAreTerminatedThenHalt()
    {
        using var h = new ArbiterHarness(s => s.Workers = 2);
        h.Start();

        h.Exit(h.Worker(1), ChildExit.Exited(4));

        Assert.False(h.Done);
        Assert.Equal([Posix.SIGTERM], h.SignalsTo(h.Worker(2)));
        Assert.Equal(2, h.Spawned.Count);
        h.Exit(h.Worker(2), ChildExit.Exited(0));
        Assert.True(h.Done);
        Assert.Equal(4, h.Arbiter.ExitCode);
    }

    [Fact]
    public void UnbootedDeaths_FourInARow_Respawned()
    {
        using var h = new ArbiterHarness();
        h.Start();

        for (int age = 1; age <= ArbiterLoop.MaxBootFailures - 1; age++)
        {
            h.Exit(h.Worker(age), ChildExit.Exited(1));
        }

        Assert.False(h.Done);
        Assert.Equal(ArbiterLoop.MaxBootFailures, h.Spawned.Count);
    }

    [Fact]
    public void UnbootedDeaths_FiveInARow_HaltsWithWorkerFailedToBoot()
    {
        using var h = new ArbiterHarness();
        h.Start();

        for (int age = 1; age <= ArbiterLoop.MaxBootFailures; age++)
        {
            h.Exit(h.Worker(age), ChildExit.Killed(Posix.SIGKILL));
        }

        Assert.True(h.Done);
        Assert.Equal(3, h.Arbiter.ExitCode);
        Assert.Equal(ArbiterLoop.MaxBootFailures, h.Spawned.Count);
        Assert.Contains("[INFO] Reason: Worker failed to boot.", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void UnbootedDeaths_ABootInBetween_CountStartsAgain()
    {
        using var h = new ArbiterHarness();
        h.Start();
        for (int age = 1; age <= 4; age++)
        {
            h.Exit(h.Worker(age), ChildExit.Exited(1));
        }
        h.Booted(h.Worker(5));
        h.Exit(h.Worker(5), ChildExit.Exited(1));

        for (int age = 6; age <= 9; age++)
        {
            h.Exit(h.Worker(age), ChildExit.Exited(1));
        }

        Assert.False(h.Done);
    }

    [Fact]
    public void Exit3_AfterBoot_Respawned()
    {
        using var h = new ArbiterHarness();
        h.StartBooted();

        h.Exit(h.Worker(1), ChildExit.Exited(3));

        Assert.False(h.Done);
        Assert.Equal(2, h.Spawned.Count);
    }

    [Fact]
    public void Exit3_AsSignalNumber_NotTakenForBootError()
    {
        // SIGQUIT is 3: a worker killed by it did not exit with WORKER_BOOT_ERROR.
        using var h = new ArbiterHarness();
        h.Start();

        h.Exit(h.Worker(1), ChildExit.Killed(Posix.SIGQUIT));

        Assert.False(h.Done);
        Assert.Equal(2, h.Spawned.Count);
    }

    [Fact]
    public void Spawn_Fails_HaltsWithWorkerFailedToBoot()
    {
        using var h = new ArbiterHarness();
        h.Processes.SpawnFailure = "No such file or directory";

        h.Start();

        Assert.True(h.Done);
        Assert.Equal(3, h.Arbiter.ExitCode);
        Assert.Contains("[ERROR] Exception spawning worker: No such file or directory", h.Log, StringComparison.Ordinal);
        Assert.Contains("[INFO] Reason: Worker failed to boot.", h.Log, StringComparison.Ordinal);
    }
}
