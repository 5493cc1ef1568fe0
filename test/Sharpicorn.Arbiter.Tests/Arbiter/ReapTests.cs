using Sharpicorn.Arbiter;
using Sharpicorn.Platform;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>gunicorn 26's reap_workers lines, with their levels, from a decoded exit.</summary>
public sealed class ReapTests
{
    [Theory]
    [InlineData(Posix.SIGKILL, "[ERROR] Worker (pid:101) was sent SIGKILL! Perhaps out of memory?")]
    [InlineData(Posix.SIGTERM, "[INFO] Worker (pid:101) was sent SIGTERM!")]
    [InlineData(11, "[WARNING] Worker (pid:101) was sent SIGSEGV!")]
    [InlineData(Posix.SIGABRT, "[WARNING] Worker (pid:101) was sent SIGABRT!")]
    [InlineData(40, "[WARNING] Worker (pid:101) was sent signal 40!")]
    public void Reap_KilledBySignal_GunicornsLineAndLevel(int signal, string expected)
    {
        using var h = new ArbiterHarness();
        h.StartBooted();

        h.Exit(h.Worker(1), ChildExit.Killed(signal));

        Assert.Contains(expected, h.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("exited with code", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Reap_Exit137_ExitCodeNotMistakenForSigkill()
    {
        using var h = new ArbiterHarness();
        h.StartBooted();

        h.Exit(h.Worker(1), ChildExit.Exited(137));

        Assert.Contains("[ERROR] Worker (pid:101) exited with code 137.", h.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("was sent", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Reap_Exit0_NothingLogged()
    {
        using var h = new ArbiterHarness();
        h.StartBooted();

        h.Exit(h.Worker(1), ChildExit.Exited(0));

        Assert.DoesNotContain("Worker (pid:101) was sent", h.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Worker (pid:101) exited", h.Log, StringComparison.Ordinal);
        Assert.True(h.Worker(1).Disposed);
        Assert.Equal(1, h.Worker(1).Reaps);
    }

    [Fact]
    public void Reap_SameWorkerReportedTwice_ReapedOnce()
    {
        using var h = new ArbiterHarness();
        h.StartBooted();

        h.Exit(h.Worker(1), ChildExit.Exited(1));
        h.Exit(h.Worker(1), ChildExit.Exited(1));

        Assert.Equal(1, h.Worker(1).Reaps);
        Assert.Equal(2, h.Spawned.Count);
    }
}
