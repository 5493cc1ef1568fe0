// Design notes
// ------------
// How many of a worker's Python threads may run a request at once. More threads than the GIL can
// keep busy only queue on it: with --threads 64, a CPU-bound app runs 64 threads that each wake,
// find the GIL taken and sleep again, and hello cost 42 µs of CPU per request against 27 µs at
// --threads 4. Fewer threads than requests that wait (time.sleep, a socket, a database) leave the
// GIL idle: io_wait at --threads 4 stays at 770 req/s where 64 threads serve 5,700.
//
// Little's law gives the number in between: to keep one GIL busy, a worker needs wall/cpu
// requests in flight, where cpu is the thread CPU a request uses and wall its time from start to
// end. This keeps moving averages of both, over sampled requests, and allows Headroom times that
// many, never fewer than Floor (what --threads 4 measured best on hello) and never more than
// --threads. A request that waits on something slow raises wall/cpu, so the limit rises with it.
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

    /// <summary>How many requests beyond Little's-law minimum, so the GIL is never idle between hand-offs.</summary>
    private const double Headroom = 2.0;

    /// <summary>Weight of a new sample in the moving averages (1/8: a few dozen requests to settle).</summary>
    private const double Weight = 1.0 / 8;

    /// <summary>How long a queued request waits, with nothing finishing, before it is starved (the averages may be stale).</summary>
    public const long StarvedAfterMs = 20;

    private readonly int _threads;
    private double _cpu;
    private double _wall;

    public RunnableLimit(int threads)
    {
        _threads = Math.Max(1, threads);
        Current = Math.Min(_threads, Floor);
    }

    /// <summary>Threads that may run a request now.</summary>
    public int Current { get; private set; }

    /// <summary>A finished request's thread CPU and wall time (any unit, the same for both).</summary>
    public void Observe(long cpu, long wall)
    {
        if (cpu < 0 || wall <= 0 || _threads <= Floor)
        {
            return;
        }
        _cpu += (Math.Max(cpu, 1) - _cpu) * Weight;
        _wall += (Math.Max(wall, cpu) - _wall) * Weight;
        double needed = Math.Ceiling(Headroom * _wall / _cpu);
        Current = (int)Math.Clamp(needed, Floor, _threads);
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
