using Sharpicorn.Arbiter;
using Sharpicorn.Platform;
using Sharpicorn.Protocol;
using ArbiterLoop = Sharpicorn.Arbiter.Arbiter;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>gunicorn's murder_workers (timeout) and sharpicorn's boot timeout, on a fake clock.</summary>
public sealed class TimeoutTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void Timeout_NoProgressForTimeout_WorkerTimeoutLoggedAndAborted()
    {
        using var h = new ArbiterHarness(s => s.Timeout = 30);
        h.StartBooted();
        FakeChild w = h.Worker(1);

        h.TickFor(TimeSpan.FromSeconds(30));
        Assert.Empty(h.SignalsTo(w));

        h.Tick(Second);
        Assert.Equal([Posix.SIGABRT], h.SignalsTo(w));
        Assert.Contains($"[CRITICAL] WORKER TIMEOUT (pid:{w.Pid})", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeout_StillAliveAfterAbortGrace_Killed()
    {
        using var h = new ArbiterHarness(s => s.Timeout = 30);
        h.StartBooted();
        FakeChild w = h.Worker(1);
        h.Tick(TimeSpan.FromSeconds(31));
        Assert.Equal([Posix.SIGABRT], h.SignalsTo(w));

        h.TickFor(TimeSpan.FromMilliseconds(ArbiterLoop.AbortGraceMs));
        Assert.Equal([Posix.SIGABRT], h.SignalsTo(w));

        h.Tick(Second);
        Assert.Equal([Posix.SIGABRT, Posix.SIGKILL], h.SignalsTo(w));
        // Once only: the abort is not repeated.
        Assert.Single(h.Log.Split('\n'), l => l.Contains("WORKER TIMEOUT", StringComparison.Ordinal));
    }

    [Fact]
    public void Timeout_KilledWorkerReaped_LoggedAndReplaced()
    {
        using var h = new ArbiterHarness(s => s.Timeout = 30);
        h.StartBooted();
        FakeChild w = h.Worker(1);
        h.Tick(TimeSpan.FromSeconds(31));
        h.Tick(TimeSpan.FromSeconds(4));

        h.Exit(w, ChildExit.Killed(Posix.SIGKILL));

        Assert.Contains($"[ERROR] Worker (pid:{w.Pid}) was sent SIGKILL! Perhaps out of memory?", h.Log, StringComparison.Ordinal);
        Assert.Equal(2, h.Spawned.Count);
        Assert.False(h.Arbiter.Stopping);
    }

    [Fact]
    public void Timeout_HeartbeatsWithProgress_NeverAborted()
    {
        using var h = new ArbiterHarness(s => s.Timeout = 30);
        h.StartBooted();
        FakeChild w = h.Worker(1);

        for (int i = 0; i < 20; i++)
        {
            h.TickFor(TimeSpan.FromSeconds(10));
            h.Alive(w);
        }

        Assert.Empty(h.SignalsTo(w));
        Assert.DoesNotContain("WORKER TIMEOUT", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeout_HeartbeatsWithStuckRequest_Aborted()
    {
        // The heartbeat thread runs, but it reports a request whose last I/O is old.
        using var h = new ArbiterHarness(s => s.Timeout = 30);
        h.StartBooted();
        FakeChild w = h.Worker(1);
        long stuckSince = h.NowMs;

        for (int i = 0; i < 3; i++)
        {
            h.TickFor(TimeSpan.FromSeconds(10));
            h.Send(w, WorkerMessage.Heartbeat, stuckSince);
        }
        Assert.Empty(h.SignalsTo(w));
        h.Tick(Second);

        Assert.Equal([Posix.SIGABRT], h.SignalsTo(w));
    }

    [Fact]
    public void Timeout_Zero_NeverAborted()
    {
        using var h = new ArbiterHarness(s => s.Timeout = 0);
        h.StartBooted();

        h.Tick(TimeSpan.FromHours(1));

        Assert.Empty(h.Processes.Kills);
    }

    [Fact]
    public void BootTimeout_NotBootedInTime_BootTimeoutLoggedAndAborted()
    {
        using var h = new ArbiterHarness(s => s.BootTimeout = 10);
        h.Start();
        FakeChild w = h.Worker(1);

        h.TickFor(TimeSpan.FromSeconds(10));
        Assert.Empty(h.SignalsTo(w));
        h.Tick(Second);

        Assert.Equal([Posix.SIGABRT], h.SignalsTo(w));
        Assert.Contains($"[CRITICAL] WORKER BOOT TIMEOUT (pid:{w.Pid})", h.Log, StringComparison.Ordinal);
        h.Tick(TimeSpan.FromMilliseconds(ArbiterLoop.AbortGraceMs + 1));
        Assert.Equal([Posix.SIGABRT, Posix.SIGKILL], h.SignalsTo(w));
    }

    [Fact]
    public void BootTimeout_SlowBootUnderIt_TimeoutDoesNotApplyBeforeBoot()
    {
        // A slow import is governed by boot_timeout alone, not by the (shorter) request timeout.
        using var h = new ArbiterHarness(s =>
        {
            s.Timeout = 5;
            s.BootTimeout = 120;
        });
        h.Start();
        FakeChild w = h.Worker(1);

        h.TickFor(TimeSpan.FromSeconds(60));
        h.Booted(w);
        h.TickFor(TimeSpan.FromSeconds(4));

        Assert.Empty(h.SignalsTo(w));
    }
}
