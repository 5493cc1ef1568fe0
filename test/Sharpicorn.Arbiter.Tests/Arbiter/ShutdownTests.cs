using Sharpicorn.Arbiter;
using Sharpicorn.Platform;
using ArbiterLoop = Sharpicorn.Arbiter.Arbiter;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>gunicorn's stop: TERM is graceful, INT/QUIT are fast, SIGKILL after graceful_timeout.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public void Term_AllWorkersGetSigterm_NoneRespawned()
    {
        using var h = new ArbiterHarness(s => s.Workers = 2);
        h.StartBooted();

        h.Signal(Posix.SIGTERM);

        Assert.Equal([Posix.SIGTERM], h.SignalsTo(h.Worker(1)));
        Assert.Equal([Posix.SIGTERM], h.SignalsTo(h.Worker(2)));
        h.Exit(h.Worker(1), ChildExit.Exited(0));
        Assert.False(h.Done);
        Assert.Equal(2, h.Spawned.Count);
        h.Exit(h.Worker(2), ChildExit.Exited(0));

        Assert.True(h.Done);
        Assert.Equal(0, h.Arbiter.ExitCode);
        Assert.Contains("[INFO] Handling signal: term", h.Log, StringComparison.Ordinal);
        Assert.Contains("[INFO] Shutting down: Master", h.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Reason:", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Term_WorkersOutlastGracefulTimeout_KilledOnce()
    {
        using var h = new ArbiterHarness(s =>
        {
            s.Workers = 2;
            s.GracefulTimeout = 30;
        });
        h.StartBooted();
        h.Signal(Posix.SIGTERM);

        h.TickFor(TimeSpan.FromSeconds(29.5));
        Assert.Equal([Posix.SIGTERM], h.SignalsTo(h.Worker(1)));
        h.TickFor(TimeSpan.FromSeconds(2));

        Assert.Equal([Posix.SIGTERM, Posix.SIGKILL], h.SignalsTo(h.Worker(1)));
        Assert.Equal([Posix.SIGTERM, Posix.SIGKILL], h.SignalsTo(h.Worker(2)));
        h.Exit(h.Worker(1), ChildExit.Killed(Posix.SIGKILL));
        h.Exit(h.Worker(2), ChildExit.Killed(Posix.SIGKILL));
        Assert.True(h.Done);
        Assert.Equal(0, h.Arbiter.ExitCode);
    }

    [Theory]
    [InlineData(Posix.SIGINT)]
    [InlineData(Posix.SIGQUIT)]
    public void IntOrQuit_WorkersGetSigquit_Exit0(int signal)
    {
        using var h = new ArbiterHarness(s => s.Workers = 2);
        h.StartBooted();

        h.Signal(signal);

        Assert.Equal([Posix.SIGQUIT], h.SignalsTo(h.Worker(1)));
        Assert.Equal([Posix.SIGQUIT], h.SignalsTo(h.Worker(2)));
        h.Exit(h.Worker(1), ChildExit.Exited(0));
        h.Exit(h.Worker(2), ChildExit.Exited(0));
        Assert.True(h.Done);
        Assert.Equal(0, h.Arbiter.ExitCode);
    }

    [Fact]
    public void IntDuringGracefulStop_QuickShutdown_KilledAfterTwoSeconds()
    {
        using var h = new ArbiterHarness(s => s.GracefulTimeout = 30);
        h.StartBooted();
        FakeChild w = h.Worker(1);
        h.Signal(Posix.SIGTERM);
        h.Tick(TimeSpan.FromSeconds(1));

        h.Signal(Posix.SIGINT);

        Assert.Equal([Posix.SIGTERM, Posix.SIGQUIT], h.SignalsTo(w));
        Assert.Contains("[INFO] Quick shutdown requested", h.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Handling signal: int", h.Log, StringComparison.Ordinal);
        h.TickFor(TimeSpan.FromMilliseconds(ArbiterLoop.QuickShutdownMs - 500));
        Assert.Equal([Posix.SIGTERM, Posix.SIGQUIT], h.SignalsTo(w));
        h.Tick(TimeSpan.FromMilliseconds(500));
        Assert.Equal([Posix.SIGTERM, Posix.SIGQUIT, Posix.SIGKILL], h.SignalsTo(w));
    }

    [Fact]
    public void SignalsDuringStop_OtherThanIntQuit_Ignored()
    {
        using var h = new ArbiterHarness();
        h.StartBooted();
        h.Signal(Posix.SIGTERM);

        h.Signal(Posix.SIGTTIN);
        h.Signal(Posix.SIGHUP);
        h.Signal(Posix.SIGTERM);

        Assert.Single(h.Spawned);
        Assert.Equal([Posix.SIGTERM], h.SignalsTo(h.Worker(1)));
    }

    [Fact]
    public void Usr1_WorkersGetUsr1()
    {
        using var h = new ArbiterHarness(s => s.Workers = 2);
        h.StartBooted();

        h.Signal(Posix.SIGUSR1);

        Assert.Equal([Posix.SIGUSR1], h.SignalsTo(h.Worker(1)));
        Assert.Equal([Posix.SIGUSR1], h.SignalsTo(h.Worker(2)));
        Assert.False(h.Arbiter.Stopping);
    }
}
