using Sharpicorn.Wsgi;

namespace Sharpicorn.Tests.Wsgi;

public sealed class RunnableLimitTests
{
    /// <summary>Feeds <paramref name="samples"/> samples (each standing for 4 requests), one every <paramref name="interval"/> ns.</summary>
    private static RunnableLimit Feed(RunnableLimit limit, long cpu, long wall, long interval, int samples = 2000)
    {
        long now = 1_000_000_000;
        for (int i = 0; i < samples; i++)
        {
            now += interval;
            limit.Observe(cpu, wall, 4, now);
        }
        return limit;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 4)]
    [InlineData(64, RunnableLimit.Floor)]
    public void New_StartsAtTheFloorOrTheThreadCount(int threads, int expected) =>
        Assert.Equal(expected, new RunnableLimit(threads).Current);

    [Fact]
    public void RequestsThatWait_GilMostlyIdle_RiseToTheThreadCount() =>
        // io_wait: 150 µs of CPU in a 10 ms request; 4 x 150 µs of CPU every 6 ms is 10% of a core.
        Assert.Equal(64, Feed(new RunnableLimit(64), cpu: 150_000, wall: 10_150_000, interval: 6_000_000).Current);

    [Fact]
    public void CpuBound_GilNotSaturated_StaysAtTheFloor() =>
        // hello-like: the request holds the GIL from start to end (wall about cpu); the cores, not the GIL, are busy.
        Assert.Equal(RunnableLimit.Floor, Feed(new RunnableLimit(64), cpu: 10_000, wall: 12_000, interval: 130_000).Current);

    [Fact]
    public void HalfWaiting_AllowsHeadroomTimesLittlesLaw() =>
        // wall/cpu = 4.5, twice that in flight.
        Assert.Equal(9, Feed(new RunnableLimit(64), cpu: 100_000, wall: 450_000, interval: 2_000_000).Current);

    [Fact]
    public void GilBusy_FallsBackToTheFloor_EvenWithWaits()
    {
        var limit = new RunnableLimit(64);
        for (int i = 0; i < 60; i++)
        {
            limit.Starved();
        }
        Assert.Equal(64, limit.Current);
        // 4 x 400 µs of CPU every 1.7 ms: the GIL is busy 94% of the time, whatever wall says.
        Assert.Equal(RunnableLimit.Floor, Feed(limit, cpu: 400_000, wall: 8_000_000, interval: 1_700_000).Current);
    }

    [Fact]
    public void FewThreads_NeverMove()
    {
        var limit = new RunnableLimit(2);
        limit.Starved();
        Assert.Equal(2, Feed(limit, cpu: 1_000, wall: 1_000_000, interval: 1_000_000).Current);
    }

    [Fact]
    public void Starved_AddsOneUpToTheThreadCount()
    {
        var limit = new RunnableLimit(6);
        limit.Starved();
        limit.Starved();
        limit.Starved();
        Assert.Equal(6, limit.Current);
    }
}
