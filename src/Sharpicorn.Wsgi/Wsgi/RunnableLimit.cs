// Design notes
// ------------
// How many of a worker's Python threads may run a request at once. More threads than the GIL can
// keep busy only queue on it: with --threads 64, a CPU-bound app runs 64 threads that each wake,
// find the GIL taken and sleep again, and hello cost 42 µs of CPU per request against 27 µs at
// --threads 4. Fewer threads than requests that wait (time.sleep, a socket, a database) leave the
// GIL idle: io_wait at --threads 4 stays at 770 req/s where 64 threads serve 5,800.
//
// Two measurements over sampled requests decide, once per Window:
//   r = wall / cpu of a request: wall from the moment its thread holds the GIL to the end,
//       less the time the thread waited for a core (schedstat); cpu from the thread's CPU clock.
//       Waiting for the GIL before the request starts is not in it, so r is about 1 for a
//       CPU-bound app however many threads queue, and large for one that waits on I/O.
//       Little's law: 2 x r requests in flight keep the GIL busy (twice, so it is never idle
//       between hand-offs), at least Floor, at most --threads, rising by half per window.
//   u = the threads' CPU per second of wall clock, i.e. how busy the GIL is. Near one core,
//       more threads cannot help: the limit halves toward Floor instead.
// A first version counted the run-queue wait in wall and read CPU from schedstat, which only
// moves at context switches: r looked huge, and on a pinned core the limit sat at --threads
// (hello 21 -> 31 µs per request). With both fixed: hello pinned stays at 4 (r = 1.0), Django
// at 4 (u = 0.94-0.98), io_wait rises to 64 (r = 150-290).
//
// The averages only move when requests finish. When every admitted request is blocked for long
// (a long poll, a slow upstream) none finishes: once the oldest queued request has waited
// StarvedAfterMs and nothing has finished for as long, the pool admits it on one more thread
// (Starved), as the .NET thread pool injects threads on starvation; a new request or the
// worker's monitor (every 250 ms) notices. Nothing here blocks or takes the GIL; the pool calls
// it under its lock.
namespace Sharpicorn.Wsgi;

/// <summary>The adaptive cap on Python threads running requests at once (a worker's pool only).</summary>
internal sealed class RunnableLimit
{
    /// <summary>The fewest threads allowed: what --threads 4 (gunicorn's usual gthread setting) measured best at on hello.</summary>
    public const int Floor = 4;

    /// <summary>How long a queued request waits, with nothing finishing, before it is starved (the averages may be stale).</summary>
    public const long StarvedAfterMs = 20;

    /// <summary>How often the limit is reconsidered, in ns of the samples' own clock (100 ms).</summary>
    public const long Window = 100_000_000;

    /// <summary>How many requests beyond Little's-law minimum, so the GIL is never idle between hand-offs.</summary>
    private const double Headroom = 2.0;

    /// <summary>GIL busy above this share of one core: fewer threads (the GIL is the bottleneck).</summary>
    private const double Busy = 0.7;

    /// <summary>Weight of a new sample in the moving averages of r (1/8: a few dozen requests to settle).</summary>
    private const double Weight = 1.0 / 8;

    private readonly int _threads;
    private double _cpu;
    private double _wall;
    private long _windowCpu;
    private long _windowStart = -1;

    public RunnableLimit(int threads)
    {
        _threads = Math.Max(1, threads);
        Current = Math.Min(_threads, Floor);
    }

    /// <summary>Threads that may run a request now.</summary>
    public int Current { get; private set; }

    /// <summary>
    /// A sampled request's thread CPU and wall time (ns), with <paramref name="weight"/> requests
    /// finished per sample, at monotonic time <paramref name="now"/> (ns).
    /// </summary>
    public void Observe(long cpu, long wall, int weight, long now)
    {
        if (cpu < 0 || wall <= 0 || _threads <= Floor)
        {
            return;
        }
        _cpu += (Math.Max(cpu, 1) - _cpu) * Weight;
        _wall += (Math.Max(wall, cpu) - _wall) * Weight;
        if (_windowStart < 0)
        {
            _windowStart = now;
        }
        _windowCpu += cpu * weight;
        long span = now - _windowStart;
        if (span < Window)
        {
            return;
        }
        double busy = (double)_windowCpu / span;
        if (busy > Busy)
        {
            Current = Math.Max(Floor, Current / 2);
        }
        else
        {
            // Little's law, rising at most by half per window so one odd window cannot jump to --threads.
            double needed = Math.Ceiling(Headroom * _wall / _cpu);
            double ceiling = Math.Min(_threads, Math.Max(Current + 1, Math.Ceiling(Current * 1.5)));
            Current = (int)Math.Clamp(needed, Floor, ceiling);
        }
        _windowStart = now;
        _windowCpu = 0;
    }

    /// <summary>A request has waited too long behind the limit: allow one more thread until the averages say otherwise.</summary>
    public void Starved()
    {
        if (Current < _threads)
        {
            Current++;
        }
    }
}
