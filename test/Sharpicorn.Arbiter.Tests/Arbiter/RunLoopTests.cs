using Sharpicorn.Platform;
using Sharpicorn.Protocol;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>
/// The real loop (channel, handlers that only enqueue, the tick timer on the injected clock)
/// on fakes: the callbacks a spawner and the signal handlers get do reach the loop.
/// </summary>
public sealed class RunLoopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_SignalHandlerEnqueuesInt_WorkersQuitAndLoopReturns0()
    {
        using var h = new ArbiterHarness(s => s.Workers = 2);
        h.Processes.ExitOn.Add(Posix.SIGQUIT);
        using IDisposable registration = h.Arbiter.RegisterSignals();
        Assert.Contains(Posix.SIGTTIN, h.Processes.RegisteredSignals);

        Task<int> run = Task.Run(h.Arbiter.RunAsync);
        await WaitUntil(() => h.Spawned.Count == 2);
        h.Processes.SignalHandler!(Posix.SIGINT);

        Assert.Equal(0, await run.WaitAsync(Patience));
        Assert.Contains("[INFO] Handling signal: int", h.Log, StringComparison.Ordinal);
        Assert.Contains("[INFO] Shutting down: Master", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FakeClockPassesTimeout_TickTimerAbortsStuckWorker()
    {
        using var h = new ArbiterHarness(s =>
        {
            s.Timeout = 30;
            // Only the timeout applies, however late the loop sees the Booted message.
            s.BootTimeout = 0;
        });
        h.Processes.ExitOn.Add(Posix.SIGABRT);
        h.Processes.ExitOn.Add(Posix.SIGQUIT);
        using IDisposable registration = h.Arbiter.RegisterSignals();
        Task<int> run = Task.Run(h.Arbiter.RunAsync);
        await WaitUntil(() => h.Spawned.Count == 1);
        h.Spawned[0].OnMessage(WorkerMessage.Booted, 0);

        // Each Advance fires the 500 ms PeriodicTimer on the fake clock; the replacement proves the tick ran.
        while (h.Spawned.Count < 2)
        {
            h.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(1);
            Assert.False(run.IsCompleted);
        }

        Assert.Contains("[CRITICAL] WORKER TIMEOUT (pid:101)", h.Log, StringComparison.Ordinal);
        h.Processes.SignalHandler!(Posix.SIGQUIT);
        Assert.Equal(0, await run.WaitAsync(Patience));
    }

    [Fact]
    public async Task RunAsync_FirstSpawnFails_Returns3WithoutWaitingForAnEvent()
    {
        using var h = new ArbiterHarness();
        h.Processes.SpawnFailure = "Exec format error";

        Assert.Equal(3, await h.Arbiter.RunAsync().WaitAsync(Patience));
        Assert.Contains("[INFO] Reason: Worker failed to boot.", h.Log, StringComparison.Ordinal);
    }

    /// <summary>Waits for the loop's thread to have done something (a state to reach, not a time to sleep).</summary>
    private static async Task WaitUntil(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (!condition())
        {
            await Task.Delay(1, cts.Token);
        }
    }
}
