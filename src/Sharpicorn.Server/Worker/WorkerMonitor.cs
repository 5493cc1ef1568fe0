// Design notes
// ------------
// One background thread per worker, never holding the GIL except through StackDump's bounded
// helper. Every 250 ms it:
//   - sends the arbiter a heartbeat whose payload is the worker's last *progress*, in gunicorn's
//     meaning for the worker class (AcceptGate.IsSync: sync is -k sync with one thread):
//       sync     gunicorn notifies only between requests, so a request stuck past --timeout
//                gets the worker aborted. Here: now when idle, else the request's last I/O (a
//                body read or a flush): a stuck request stops the heartbeat, a long download
//                that keeps streaming does not.
//       gthread  gunicorn notifies from its main loop, whatever its requests do, so a slow
//                request (a database wait) leaves the worker alive. Here: the last time the
//                GilProbe held the GIL, as that loop needs it, so only a thread holding the
//                GIL past --timeout gets the worker aborted. A request without I/O for
//                --timeout gets its stack logged once instead (sharpicorn's addition);
//   - exits the worker if its parent changed (the arbiter died), as gunicorn's workers do;
//   - applies --request-timeout's second half: the 504 went out at the deadline from the Kestrel
//     side (WsgiHttpApplication's timer; answered here too if that timer is late), then this
//     thread logs the stuck thread's stack and raises RequestTimeout in it
//     (PyThreadState_SetAsyncExc). A thread that has not given way after the grace period is
//     stuck; when every thread is, the worker asks the arbiter for a replacement and drains, as
//     it does at max_requests: it stops accepting at once, so new connections wait in the
//     kernel queue for the replacement (or go to the other workers) instead of being dropped;
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

internal sealed class WorkerMonitor(PythonWorkerPool pool, WorkerChannel channel, ServerSettings settings, ErrorLog log, int masterPid, Action parentGone, long maxRequests, long bootMs, GilProbe? gilProbe, Action allStuck, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    /// <summary>How long an interrupted thread gets to unwind before the worker gives up on it (a guard, not a measurement).</summary>
    private const long InterruptGraceMs = 2000;

    private int _retireSent;
    private bool _stuckLogged;
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
            long progress = gilProbe is null ? now : Math.Min(now, gilProbe.LastHeld);
            int stuck = 0;
            foreach (PythonWorker t in pool.Workers)
            {
                if (t.Current is { } req)
                {
                    if (gilProbe is null)
                    {
                        progress = Math.Min(progress, req.LastActivityTick);
                    }
                    else
                    {
                        LogIfStalled(t, req, now);
                    }
                    if (CheckRequestTimeout(t, req, now))
                    {
                        stuck++;
                    }
                }
            }
            ReplaceIfAllStuck(stuck);
            // The backstop for requests queued behind the runnable limit while no new request arrives to notice.
            pool.CheckStarved();
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

    /// <summary>gthread: a request without I/O for --timeout keeps its worker (gunicorn's meaning), but its stack is logged once.</summary>
    private void LogIfStalled(PythonWorker t, WsgiRequest req, long now)
    {
        if (settings.Timeout <= 0 || req.StuckLogged || now - req.LastActivityTick <= settings.Timeout * 1000L)
        {
            return;
        }
        req.StuckLogged = true;
        log.Warning($"Request without I/O for longer than the timeout ({settings.Timeout} s); the worker stays (gthread): {StackDump.Describe(t, req)}\n{StackDump.Stack(pool, t).TrimEnd('\n')}");
    }

    /// <summary>--request-timeout for one running request; true when its thread is stuck (interrupted and still there after the grace period).</summary>
    private bool CheckRequestTimeout(PythonWorker t, WsgiRequest req, long now)
    {
        if (settings.RequestTimeout <= 0)
        {
            return false;
        }
        long limit = settings.RequestTimeout * 1000L;
        long elapsed = now - req.StartTick;
        if (elapsed <= limit)
        {
            return false;
        }
        if (!req.TimedOut)
        {
            // Normally the Kestrel side's timer has answered already; this only covers a late one.
            DeadlineAnswer.TryAnswer(req, pool.Settings.AccessLog);
            req.Timeout = TimeoutStage.Interrupted;
            string? stack = StackDump.StackThenInterrupt(pool, t, req);
            log.Error($"Request timeout ({settings.RequestTimeout} s): {StackDump.Describe(t, req)}\n{(stack ?? "  (no stack: the GIL was not released within 2 s; a thread is stuck in C code holding it)\n").TrimEnd('\n')}");
            if (stack is null)
            {
                log.Error($"Could not interrupt {t.Name}: it holds the GIL in C code");
            }
            return false;
        }
        return elapsed > limit + InterruptGraceMs && ReferenceEquals(t.Current, req);
    }

    /// <summary>
    /// Stuck threads had their requests answered (the 504 went out) but serve nothing more; while
    /// one thread is free the worker goes on. With none left it asks for a replacement and drains
    /// (max_requests' way: the kernel queue keeps new connections for the replacement).
    /// </summary>
    private void ReplaceIfAllStuck(int stuck)
    {
        if (stuck == 0 || stuck < pool.Workers.Count || _stuckLogged)
        {
            return;
        }
        _stuckLogged = true;
        string names = string.Join(", ", pool.Workers.Select(w => w.Name));
        log.Error($"{names} did not stop after the interrupt: no thread left to serve, replacing this worker gracefully");
        allStuck();
        Retire();
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
