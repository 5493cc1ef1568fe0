// Design notes
// ------------
// One background thread per worker, never holding the GIL except through StackDump's bounded
// helper. Every 250 ms it:
//   - sends the arbiter a heartbeat whose payload is the worker's last *progress*: now when
//     idle, else the oldest "last I/O" among running requests (a body read or a flush). A
//     request that does no I/O for longer than --timeout therefore makes the worker look dead
//     even though this thread is fine, while a long download that keeps streaming does not;
//   - exits the worker if its parent changed (the arbiter died), as gunicorn's workers do;
//   - applies --request-timeout: logs the stuck thread's stack, raises RequestTimeout in it
//     (PyThreadState_SetAsyncExc), and if the thread does not give way within the grace period,
//     asks the arbiter to replace this worker gracefully;
//   - with max_requests, asks for its replacement early: when the requests left are fewer than
//     its request rate times the lead (twice its own measured boot time, as a replacement boots
//     beside a busy worker, plus two periods of this loop), so the replacement is serving when
//     this worker reaches its limit. The limit itself is enforced exactly by AcceptGate.
// Its clock and its period come from a TimeProvider. Times are ms on MonotonicClock, which for
// TimeProvider.System is CLOCK_MONOTONIC: the clock the arbiter compares heartbeats with, and
// the one Environment.TickCount64 (the requests' start and last-I/O stamps) reads, coarsely.
using Sharpicorn.Protocol;
using Sharpicorn.Cli;
using Sharpicorn.Logging;
using Sharpicorn.Platform;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Worker;

internal sealed class WorkerMonitor(PythonWorkerPool pool, WorkerChannel channel, ServerSettings settings, ErrorLog log, int masterPid, Action parentGone, long maxRequests, long bootMs, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    /// <summary>How long an interrupted thread gets to unwind before the worker gives up on it (a guard, not a measurement).</summary>
    private const long InterruptGraceMs = 2000;

    private int _retireSent;
    private volatile bool _stopped;
    private long _lastTick;
    private long _lastCompleted;

    /// <summary>Requests per ms: follows a rise at once, decays by a quarter per period.</summary>
    private double _rate;

    /// <summary>max_requests plus this worker's jitter (gunicorn's: 0 to max_requests_jitter); 0 is no limit.</summary>
    public static long JitteredMaxRequests(ServerSettings s) =>
        s.MaxRequests <= 0 ? 0 : s.MaxRequests + (s.MaxRequestsJitter > 0 ? Random.Shared.Next(0, s.MaxRequestsJitter + 1) : 0);

    public void Start()
    {
        new Thread(Run) { IsBackground = true, Name = "worker-monitor" }.Start();
    }

    public void Stop() => _stopped = true;

    private void Run()
    {
        while (!_stopped)
        {
            long now = MonotonicClock.NowMs(_time);
            long progress = now;
            foreach (PythonWorker t in pool.Workers)
            {
                if (t.Current is { } req)
                {
                    progress = Math.Min(progress, req.LastActivityTick);
                    CheckRequestTimeout(t, req, now);
                }
            }
            if (!channel.Send(WorkerMessage.Heartbeat, progress) || Posix.GetParentPid() != masterPid)
            {
                log.Info($"Parent changed, shutting down: worker {Environment.ProcessId}");
                parentGone();
                return;
            }
            if (maxRequests > 0 && Volatile.Read(ref _retireSent) == 0)
            {
                AskForReplacementEarly(now);
            }
            // A dedicated thread: blocking on the provider's timer is what Thread.Sleep was.
            Task.Delay(Period, _time).GetAwaiter().GetResult();
        }
    }

    private void CheckRequestTimeout(PythonWorker t, WsgiRequest req, long now)
    {
        if (settings.RequestTimeout <= 0)
        {
            return;
        }
        long limit = settings.RequestTimeout * 1000L;
        long elapsed = now - req.StartTick;
        if (elapsed <= limit)
        {
            return;
        }
        if (!req.TimedOut)
        {
            req.TimedOut = true;
            log.Error($"Request timeout ({settings.RequestTimeout} s): {StackDump.Describe(t, req)}\n{StackDump.Stack(pool, t).TrimEnd('\n')}");
            if (!StackDump.Interrupt(pool, t))
            {
                log.Error($"Could not interrupt {t.Name}: it holds the GIL in C code");
            }
        }
        else if (!req.RetireRequested && elapsed > limit + InterruptGraceMs && ReferenceEquals(t.Current, req))
        {
            req.RetireRequested = true;
            log.Error($"{t.Name} did not stop after the interrupt ({StackDump.Describe(t, req)}); replacing this worker gracefully");
            Retire();
        }
    }

    private readonly long _startedAt = MonotonicClock.NowMs(timeProvider ?? TimeProvider.System);

    /// <summary>
    /// The accept gate's early samples (at 1, 2, 4, 8, ... requests started): a worker whose
    /// limit is only a few hundred ms of requests away must not wait for the first period to
    /// ask. The rate since boot is a lower bound when the load started later.
    /// </summary>
    public void Checkpoint(long started)
    {
        if (Volatile.Read(ref _retireSent) != 0 || started < 4)
        {
            return;
        }
        long elapsed = Math.Max(1, MonotonicClock.NowMs(_time) - _startedAt);
        AskIfWithinLead(started / (double)elapsed, maxRequests - started);
    }

    private void AskIfWithinLead(double rate, long left)
    {
        long lead = (2 * bootMs) + (2 * (long)Period.TotalMilliseconds);
        if (left <= rate * lead)
        {
            log.Debug($"{left} requests left at ~{rate * 1000:0} req/s, boot {bootMs} ms: asking for a replacement");
            Retire();
        }
    }

    private void AskForReplacementEarly(long now)
    {
        long done = pool.Completed;
        if (_lastTick != 0 && now > _lastTick)
        {
            _rate = Math.Max((done - _lastCompleted) / (double)(now - _lastTick), _rate * 0.75);
        }
        _lastTick = now;
        _lastCompleted = done;
        AskIfWithinLead(_rate, maxRequests - done);
    }

    /// <summary>Asks the arbiter for a replacement (once); it then stops this worker gracefully. Any thread.</summary>
    public void Retire()
    {
        if (Interlocked.Exchange(ref _retireSent, 1) == 0)
        {
            channel.Send(WorkerMessage.Retire);
        }
    }
}
