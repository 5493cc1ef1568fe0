using Sharpicorn.Cli;
using Sharpicorn.Platform;
using Sharpicorn.Protocol;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>Zero-drop replacement: an old worker gets SIGTERM only once its replacement reports Booted.</summary>
public sealed class ReplacementTests
{
    [Fact]
    public void Hup_ReplacementsNotBooted_OldWorkersKeepServing()
    {
        using var h = new ArbiterHarness(s => s.Workers = 2);
        h.StartBooted();

        h.Signal(Posix.SIGHUP);

        Assert.Equal(4, h.Spawned.Count);
        Assert.Empty(h.Processes.Kills);
        Assert.Contains("[INFO] Handling signal: hup", h.Log, StringComparison.Ordinal);
        Assert.Contains("[INFO] Hang up: Master", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Hup_EachReplacementBoots_OneOldWorkerTerminatedEach()
    {
        using var h = new ArbiterHarness(s => s.Workers = 2);
        h.StartBooted();
        h.Signal(Posix.SIGHUP);

        h.Booted(h.Worker(3));
        Assert.Equal([Posix.SIGTERM], h.SignalsTo(h.Worker(1)));
        Assert.Empty(h.SignalsTo(h.Worker(2)));

        h.Booted(h.Worker(4));
        Assert.Equal([Posix.SIGTERM], h.SignalsTo(h.Worker(2)));
        Assert.Empty(h.SignalsTo(h.Worker(3)));
        Assert.Empty(h.SignalsTo(h.Worker(4)));
    }

    [Fact]
    public void Hup_ReloadedConfigurationChangesWorkers_NewCountSpawned()
    {
        var reloaded = new Cli.ServerSettings { Workers = 3 };
        using var h = new ArbiterHarness(s => s.Workers = 1, () => reloaded);
        h.StartBooted();

        h.Signal(Posix.SIGHUP);

        Assert.Equal(4, h.Spawned.Count);
        Assert.Equal(3, h.Arbiter.TargetWorkers);
    }

    [Fact]
    public void Hup_ReloadFails_OldConfigurationKeptAndWorkersReplaced()
    {
        using var h = new ArbiterHarness(s => s.Workers = 1, () => throw new FormatException("bad workers"));
        h.StartBooted();

        h.Signal(Posix.SIGHUP);

        Assert.Contains("[ERROR] Reloading the configuration failed, keeping the old one: bad workers", h.Log, StringComparison.Ordinal);
        Assert.Equal(2, h.Spawned.Count);
    }

    [Fact]
    public void Hup_ReloadRefused_OldWorkersKeptNoneSpawned()
    {
        using var h = new ArbiterHarness(s => s.Workers = 1, () => throw new ReloadRefusedException("certfile \"/x.pem\" does not exist"));
        h.StartBooted();

        h.Signal(Posix.SIGHUP);

        Assert.Contains("[ERROR] Reloading the configuration failed, keeping the old workers: certfile \"/x.pem\" does not exist", h.Log, StringComparison.Ordinal);
        Assert.Single(h.Spawned);
        Assert.Empty(h.Processes.Kills);
    }

    [Fact]
    public void RetireMessage_MaxRequests_OldTerminatedOnlyAfterReplacementBoots()
    {
        using var h = new ArbiterHarness();
        h.StartBooted();
        FakeChild old = h.Worker(1);

        h.Send(old, WorkerMessage.Retire);
        Assert.Equal(2, h.Spawned.Count);
        h.Tick(TimeSpan.FromSeconds(5));
        Assert.Empty(h.SignalsTo(old));

        h.Booted(h.Worker(2));
        Assert.Equal([Posix.SIGTERM], h.SignalsTo(old));

        h.Exit(old, Sharpicorn.Arbiter.ChildExit.Exited(0));
        Assert.Equal(2, h.Spawned.Count);
        Assert.DoesNotContain("[ERROR]", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void RetiredWorker_IgnoresTerm_KilledAfterGracefulTimeout()
    {
        using var h = new ArbiterHarness(s => s.GracefulTimeout = 10);
        h.StartBooted();
        FakeChild old = h.Worker(1);
        h.Send(old, WorkerMessage.Retire);
        h.Booted(h.Worker(2));

        h.TickFor(TimeSpan.FromSeconds(10));
        Assert.Equal([Posix.SIGTERM], h.SignalsTo(old));
        h.Tick(TimeSpan.FromSeconds(1));

        Assert.Equal([Posix.SIGTERM, Posix.SIGKILL], h.SignalsTo(old));
    }

    [Fact]
    public void MaxWorkerLifetime_BootTook2s_ReplacementSpawnedTwiceThatPlusATickAhead()
    {
        using var h = new ArbiterHarness(s =>
        {
            s.MaxWorkerLifetime = 60;
            s.Timeout = 0;
        });
        h.Start();
        FakeChild old = h.Worker(1);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        h.Booted(old);

        // Spawned at 0, booted at 2 s: the lead is 2 x 2 s + 0.5 s, so the replacement starts after 55.5 s.
        h.TickFor(TimeSpan.FromSeconds(53.5));
        Assert.Single(h.Spawned);
        h.Tick(TimeSpan.FromSeconds(0.5));

        Assert.Equal(2, h.Spawned.Count);
        Assert.Contains($"Worker (pid:{old.Pid}) reaches max_worker_lifetime (60 s) in 4000 ms; starting its replacement", h.Log, StringComparison.Ordinal);
        Assert.Empty(h.SignalsTo(old));
        h.Time.Advance(TimeSpan.FromSeconds(2));
        h.Booted(h.Worker(2));
        Assert.Equal([Posix.SIGTERM], h.SignalsTo(old));
    }

    [Fact]
    public void MaxWorkerLifetime_ReplacementLate_OldStoppedAtItsLifetime()
    {
        using var h = new ArbiterHarness(s =>
        {
            s.MaxWorkerLifetime = 60;
            s.Timeout = 0;
            s.BootTimeout = 0;
        });
        h.StartBooted();
        FakeChild old = h.Worker(1);

        h.TickFor(TimeSpan.FromSeconds(60));
        Assert.Equal(2, h.Spawned.Count);
        Assert.Empty(h.SignalsTo(old));
        h.Tick(TimeSpan.FromSeconds(0.5));

        Assert.Equal([Posix.SIGTERM], h.SignalsTo(old));
        Assert.Contains($"Worker (pid:{old.Pid}) reached max_worker_lifetime (60 s); replacing it", h.Log, StringComparison.Ordinal);
        // Its replacement was already started: stopping the old one spawns nothing more.
        Assert.Equal(2, h.Spawned.Count);
        h.Booted(h.Worker(2));
        Assert.Empty(h.SignalsTo(h.Worker(2)));
    }

    [Fact]
    public void RetireMessage_WorkerStopsItselfAtMaxRequests_OneReplacementOnly()
    {
        using var h = new ArbiterHarness(s => s.Workers = 2);
        h.StartBooted();
        FakeChild old = h.Worker(1);

        // max_requests: the worker asks early, then drains and exits on its own at its limit.
        h.Send(old, WorkerMessage.Retire);
        h.Exit(old, Sharpicorn.Arbiter.ChildExit.Exited(0));
        h.Tick(TimeSpan.FromSeconds(1));
        Assert.Equal(3, h.Spawned.Count);
        h.Booted(h.Worker(3));

        Assert.Equal(3, h.Spawned.Count);
        Assert.Empty(h.SignalsTo(h.Worker(2)));
        Assert.DoesNotContain("[ERROR]", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxWorkerMemory_Exceeded_ReplacedGracefully()
    {
        using var h = new ArbiterHarness(s => s.MaxWorkerMemory = 100);
        h.StartBooted();
        FakeChild old = h.Worker(1);
        h.Processes.RssKiB[old.Pid] = 100 * 1024;
        h.Tick(TimeSpan.FromSeconds(1));
        Assert.Single(h.Spawned);

        h.Processes.RssKiB[old.Pid] = 101 * 1024;
        h.Tick(TimeSpan.FromSeconds(1));

        Assert.Equal(2, h.Spawned.Count);
        Assert.Contains($"Worker (pid:{old.Pid}) uses 101 MiB, over max_worker_memory (100 MiB); replacing it", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void FileChanged_Burst_OneReload()
    {
        using var h = new ArbiterHarness();
        h.StartBooted();

        h.Step(new Sharpicorn.Arbiter.ArbiterEvent(Sharpicorn.Arbiter.ArbiterEventKind.FileChanged, File: "/app/a.py"));
        h.Time.Advance(TimeSpan.FromMilliseconds(200));
        h.Step(new Sharpicorn.Arbiter.ArbiterEvent(Sharpicorn.Arbiter.ArbiterEventKind.FileChanged, File: "/app/b.py"));

        Assert.Equal(2, h.Spawned.Count);
        Assert.Contains("[INFO] Worker reloading: /app/a.py modified", h.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("b.py", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void LateMessage_FromReapedWorker_Ignored()
    {
        using var h = new ArbiterHarness();
        h.StartBooted();
        FakeChild old = h.Worker(1);
        h.Exit(old, Sharpicorn.Arbiter.ChildExit.Killed(Posix.SIGKILL));
        FakeChild next = h.Worker(2);

        h.Send(old, WorkerMessage.Booted);
        h.Send(old, WorkerMessage.Retire);

        Assert.Equal(2, h.Spawned.Count);
        Assert.Empty(h.SignalsTo(next));
    }
}
