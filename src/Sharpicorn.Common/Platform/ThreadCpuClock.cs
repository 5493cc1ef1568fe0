using System.Runtime.InteropServices;

namespace Sharpicorn.Platform;

/// <summary>The calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), which .NET does not expose per thread.</summary>
internal static unsafe partial class ThreadCpuClock
{
    /// <summary>Linux's CLOCK_THREAD_CPUTIME_ID.</summary>
    private const int ClockThreadCpuTime = 3;

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, long* timespec);

    /// <summary>CPU nanoseconds this thread has used, or -1 when the clock is not there.</summary>
    public static long NowNs()
    {
        long* ts = stackalloc long[2];
        return ClockGetTime(ClockThreadCpuTime, ts) == 0 ? (ts[0] * 1_000_000_000) + ts[1] : -1;
    }
}
