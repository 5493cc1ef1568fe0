namespace Sharpicorn.Platform;

/// <summary>
/// Milliseconds on a <see cref="TimeProvider"/>'s monotonic timestamp. With
/// <see cref="TimeProvider.System"/> that is CLOCK_MONOTONIC, the clock Environment.TickCount64
/// reads too (coarse), and the same in every process of the machine: a worker's heartbeat
/// carries a time on it, and the arbiter compares that with its own "now".
/// </summary>
internal static class MonotonicClock
{
    public static long NowMs(TimeProvider time)
    {
        long ts = time.GetTimestamp(), freq = time.TimestampFrequency;
        // Split so that ts * 1000 cannot overflow (nanosecond timestamps would after ~106 days).
        return (ts / freq * 1000) + (ts % freq * 1000 / freq);
    }
}
