using Sharpicorn.Wsgi;

namespace Sharpicorn.Tests.Wsgi;

public sealed class RunnableLimitTests
{
    private static RunnableLimit After(int threads, long cpu, long wall, int samples = 64)
    {
        var limit = new RunnableLimit(threads);
        for (int i = 0; i < samples; i++)
        {
            limit.Observe(cpu, wall);
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
    public void CpuBoundRequests_StayAtTheFloor() =>
        Assert.Equal(RunnableLimit.Floor, After(64, cpu: 100_000, wall: 105_000).Current);

    [Fact]
    public void RequestsThatWait_RiseToTheThreadCount() =>
        // io_wait: 150 µs of CPU in a 10 ms request.
        Assert.Equal(64, After(64, cpu: 150_000, wall: 10_150_000).Current);

    [Fact]
    public void HalfWaiting_AllowsHeadroomTimesLittlesLaw() =>
        // wall/cpu = 4.5, twice that in flight.
        Assert.Equal(9, After(64, cpu: 100_000, wall: 450_000).Current);

    [Fact]
    public void FewThreads_NeverMove()
    {
        RunnableLimit limit = After(2, cpu: 1, wall: 1_000_000);
        limit.Starved();
        Assert.Equal(2, limit.Current);
    }

    [Fact]
    public void Starved_AddsOneUpToTheThreadCount_AndTheAveragesTakeItBack()
    {
        var limit = new RunnableLimit(6);
        limit.Starved();
        limit.Starved();
        limit.Starved();
        Assert.Equal(6, limit.Current);
        limit.Observe(100_000, 100_000);
        Assert.Equal(RunnableLimit.Floor, limit.Current);
    }

    [Fact]
    public void AWorkloadThatTurnsCpuBound_FallsBackToTheFloor()
    {
        RunnableLimit limit = After(64, cpu: 150_000, wall: 10_150_000);
        for (int i = 0; i < 64; i++)
        {
            limit.Observe(100_000, 100_000);
        }
        Assert.Equal(RunnableLimit.Floor, limit.Current);
    }
}
