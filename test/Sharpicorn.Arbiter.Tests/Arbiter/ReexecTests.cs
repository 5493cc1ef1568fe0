using Sharpicorn.Platform;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>USR2: gunicorn's binary upgrade, one new master at a time, pidfile moved to .oldbin.</summary>
public sealed class ReexecTests
{
    [Fact]
    public void Usr2_NewMasterStartedPidfileMovedWorkersKept()
    {
        string pidfile = Path.Combine(Path.GetTempPath(), $"sharpicorn-{Guid.NewGuid():N}.pid");
        File.WriteAllText(pidfile, "42\n");
        try
        {
            using var h = new ArbiterHarness(s => s.PidFile = pidfile);
            h.StartBooted();

            h.Signal(Posix.SIGUSR2);

            FakeMaster master = Assert.Single(h.Processes.Masters);
            Assert.True(h.Arbiter.HandedOver);
            Assert.False(File.Exists(pidfile));
            Assert.Equal("42\n", File.ReadAllText(pidfile + ".oldbin"));
            Assert.Contains($"[INFO] Started new master with pid: {master.Pid}", h.Log, StringComparison.Ordinal);
            Assert.Empty(h.Processes.Kills);
        }
        finally
        {
            File.Delete(pidfile + ".oldbin");
        }
    }

    [Fact]
    public void Usr2_NewMasterStillRunning_Ignored()
    {
        using var h = new ArbiterHarness();
        h.StartBooted();
        h.Signal(Posix.SIGUSR2);

        h.Signal(Posix.SIGUSR2);

        Assert.Single(h.Processes.Masters);
        Assert.Contains("[WARNING] USR2 signal ignored. Child exists.", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Usr2_NewMasterExited_StartsAnother()
    {
        using var h = new ArbiterHarness();
        h.StartBooted();
        h.Signal(Posix.SIGUSR2);
        h.Processes.Masters[0].HasExited = true;
        Assert.False(h.Arbiter.HandedOver);

        h.Signal(Posix.SIGUSR2);

        Assert.Equal(2, h.Processes.Masters.Count);
    }

    [Fact]
    public void Usr2_StartFails_LoggedAndServingGoesOn()
    {
        using var h = new ArbiterHarness();
        h.StartBooted();
        h.Processes.SpawnFailure = "Permission denied";

        h.Signal(Posix.SIGUSR2);

        Assert.Contains("[ERROR] Re-exec failed: Permission denied", h.Log, StringComparison.Ordinal);
        Assert.False(h.Arbiter.HandedOver);
        Assert.False(h.Arbiter.Stopping);
    }
}
