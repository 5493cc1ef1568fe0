// Design notes
// ------------
// A Python thread that must wait for Kestrel (a flush the client has not drained, a body read
// with no bytes yet) blocks here, with the GIL released. Task.Wait and GetAwaiter().GetResult()
// on an unfinished task spin first, calling sched_yield in a loop: perf showed that spin as 10%
// of a worker's CPU on 1 MiB responses, time taken from the Kestrel threads that would finish
// the very I/O being waited for (2 cores). This parks at once on a per-thread event with no
// spinning, and the task's continuation sets it.
namespace Sharpicorn.Platform;

/// <summary>Blocks the calling thread until a task completes, without spinning.</summary>
internal static class ParkingWait
{
    [ThreadStatic]
    private static ManualResetEventSlim? t_done;

    [ThreadStatic]
    private static Action? t_set;

    /// <summary>The result of <paramref name="pending"/>, parking until it is there; exceptions propagate as from GetResult.</summary>
    public static T Wait<T>(ValueTask<T> pending)
    {
        if (!pending.IsCompleted)
        {
            ManualResetEventSlim done = Prepare(out Action set);
            pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(set);
            done.Wait();
        }
        return pending.GetAwaiter().GetResult();
    }

    /// <summary>Waits for <paramref name="pending"/>; exceptions propagate as from GetResult.</summary>
    public static void Wait(Task pending)
    {
        if (!pending.IsCompleted)
        {
            ManualResetEventSlim done = Prepare(out Action set);
            pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(set);
            done.Wait();
        }
        pending.GetAwaiter().GetResult();
    }

    private static ManualResetEventSlim Prepare(out Action set)
    {
        ManualResetEventSlim done = t_done ??= new ManualResetEventSlim(false, spinCount: 0);
        set = t_set ??= done.Set;
        done.Reset();
        return done;
    }
}
