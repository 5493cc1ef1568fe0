using Sharpicorn.Platform;
using Sharpicorn.Python;

namespace Sharpicorn.Worker;

/// <summary>
/// gthread's liveness as gunicorn has it: its heartbeat comes from a main loop that needs the GIL
/// at least once a second, so a thread that holds the GIL in C code for longer than --timeout
/// gets the worker killed, while threads that wait without it (time.sleep, a socket, a database)
/// do not. This thread takes and releases the GIL once a second and keeps the time it last had it.
/// </summary>
internal sealed class GilProbe(TimeProvider? timeProvider = null)
{
    /// <summary>gunicorn's gthread main loop wakes at least this often (poller.select(1.0)).</summary>
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private long _lastHeld;
    private volatile bool _stopped;

    /// <summary>Monotonic ms when this thread last held the GIL (MonotonicClock).</summary>
    public long LastHeld => Volatile.Read(ref _lastHeld);

    public void Start()
    {
        Volatile.Write(ref _lastHeld, MonotonicClock.NowMs(_time));
        new Thread(Run) { IsBackground = true, Name = "gil-probe" }.Start();
    }

    public void Stop() => _stopped = true;

    private void Run()
    {
        while (!_stopped)
        {
            using (GilScope.Acquire())
            {
            }
            Volatile.Write(ref _lastHeld, MonotonicClock.NowMs(_time));
            Task.Delay(Period, _time).GetAwaiter().GetResult();
        }
    }
}
