// Design notes
// ------------
// Kestrel threads hand requests to N long-lived Python threads and never wait for the GIL:
// Dispatch only takes a short lock and either gives the request to an idle thread and wakes
// it, or queues it. A Python thread looks for queued work before it parks, so a burst never
// waits for a wake-up. Parked threads block on their own event with no spinning (spinning
// idle threads cost more CPU than the requests on this 2-core machine, EMBEDDING-NOTES) and
// always without the GIL.
//
// At most RunnableLimit.Current threads run requests at once (RunnableLimit has why); a request
// over it waits in the queue, and a finishing thread takes it. Idle threads past the limit stay
// parked, costing nothing.
using System.Diagnostics.CodeAnalysis;

namespace Sharpicorn.Wsgi;

internal sealed class PythonWorkerPool
{
    private readonly Lock _lock = new();
    private readonly Queue<WsgiRequest> _pending = new();
    private readonly Stack<PythonWorker> _idle = new();
    private readonly List<PythonWorker> _workers = [];
    private readonly RunnableLimit _limit;

    /// <summary>Threads that hold a request (under _lock).</summary>
    private int _running;

    public PythonWorkerPool(WsgiApp app, WorkerSettings settings)
    {
        App = app;
        Settings = settings;
        _limit = new RunnableLimit(settings.Threads);
        for (int i = 0; i < settings.Threads; i++)
        {
            _workers.Add(new PythonWorker(this, i));
        }
    }

    public WsgiApp App { get; }

    /// <summary>Fixed before the threads start; every thread reads the same.</summary>
    public WorkerSettings Settings { get; }

    private long _completed;

    /// <summary>Requests finished since the worker started (for max_requests).</summary>
    public long Completed => Interlocked.Read(ref _completed);

    internal void CountCompleted()
    {
        Interlocked.Increment(ref _completed);
        Observer?.Completed();
    }

    /// <summary>The transport's accept gate, set before the first request; null when nothing gates accepts.</summary>
    public IRequestObserver? Observer { get; set; }

    /// <summary>Set when the worker is stopping: every response from now on says Connection: close.</summary>
    public bool Draining
    {
        get => Volatile.Read(ref _draining);
        set => Volatile.Write(ref _draining, value);
    }

    private bool _draining;

    public IReadOnlyList<PythonWorker> Workers => _workers;

    /// <summary>Starts the threads and returns once every one has its thread state.</summary>
    public void Start()
    {
        foreach (PythonWorker w in _workers)
        {
            w.Start();
        }
        foreach (PythonWorker w in _workers)
        {
            w.Ready.Wait();
        }
    }

    public void Dispatch(WsgiRequest request)
    {
        Observer?.Dispatched(request);
        PythonWorker? worker;
        WsgiRequest handed = request;
        lock (_lock)
        {
            if (_aborting)
            {
                worker = null;
            }
            else if (_running < _limit.Current && _idle.TryPop(out worker))
            {
                _running++;
            }
            else
            {
                _pending.Enqueue(request);
                if (!TryAdmitStarved(out worker, out WsgiRequest? starved))
                {
                    return;
                }
                handed = starved;
            }
        }
        if (worker is null)
        {
            // The worker is being aborted: no thread will run this, answer it now (no GIL).
            DeadlineAnswer.TryAnswer(request, Settings.AccessLog);
            CountCompleted();
            return;
        }
        worker.Hand(handed);
    }

    /// <summary>
    /// Called now and then by the worker's monitor: when requests are starved (see
    /// <see cref="TryAdmitStarved"/>) and no new request arrives to notice, every one of them
    /// that an idle thread can take is handed over. Any thread; never the GIL.
    /// </summary>
    public void CheckStarved()
    {
        while (true)
        {
            PythonWorker? worker;
            WsgiRequest? handed;
            lock (_lock)
            {
                if (_aborting || !TryAdmitStarved(out worker, out handed))
                {
                    return;
                }
            }
            worker.Hand(handed);
        }
    }

    /// <summary>Monotonic ms (Environment.TickCount64) when a thread last finished a request.</summary>
    private long _lastFinished = Environment.TickCount64;

    /// <summary>
    /// Under _lock. Starved: the oldest queued request has waited StarvedAfterMs, no request has
    /// finished for as long (the admitted ones all wait on something), and a thread is idle. Then
    /// the limit grows by one and that thread is paired with the request. Under CPU-bound load
    /// requests keep finishing, so queueing alone never counts as starved.
    /// </summary>
    private bool TryAdmitStarved([NotNullWhen(true)] out PythonWorker? worker, [NotNullWhen(true)] out WsgiRequest? request)
    {
        worker = null;
        request = null;
        long now = Environment.TickCount64;
        if (_idle.Count == 0 || !_pending.TryPeek(out WsgiRequest? oldest)
            || now - oldest.StartTick < RunnableLimit.StarvedAfterMs
            || now - _lastFinished < RunnableLimit.StarvedAfterMs)
        {
            return false;
        }
        _limit.Starved();
        if (_running >= _limit.Current)
        {
            return false;
        }
        worker = _idle.Pop();
        request = _pending.Dequeue();
        _running++;
        return true;
    }

    private bool _aborting;

    /// <summary>True once <see cref="BeginAbort"/> ran: a request a thread takes from now on is answered 504, not run.</summary>
    public bool Aborting => Volatile.Read(ref _aborting);

    /// <summary>
    /// The worker is being aborted (the arbiter's timeout): from now on every request handed over
    /// is answered 504 instead of queued, and this returns every request already handed over and
    /// not finished (running or queued), for the caller to answer. Any thread; never the GIL.
    /// </summary>
    public List<WsgiRequest> BeginAbort()
    {
        var all = new List<WsgiRequest>();
        lock (_lock)
        {
            Volatile.Write(ref _aborting, true);
            all.AddRange(_pending);
        }
        foreach (PythonWorker w in _workers)
        {
            if (w.Current is { } running)
            {
                all.Add(running);
            }
        }
        return all;
    }

    /// <summary>
    /// Called by a Python thread (GIL released) when it starts or has finished a request (with
    /// that request's thread CPU and wall time, or -1 when not sampled): queued work, or null after
    /// parking itself. When the limit has risen it may also pair one more idle thread with queued
    /// work (<paramref name="extra"/>, <paramref name="extraRequest"/>), for the caller to hand over.
    /// </summary>
    internal WsgiRequest? TakeOrPark(PythonWorker worker, bool finished, long cpu, long wall, out PythonWorker? extra, out WsgiRequest? extraRequest)
    {
        extra = null;
        extraRequest = null;
        lock (_lock)
        {
            if (finished)
            {
                _running--;
                _lastFinished = Environment.TickCount64;
                if (cpu >= 0)
                {
                    // Every 4th request is sampled (PythonWorker), so each sample stands for 4.
                    _limit.Observe(cpu, wall, 4, System.Diagnostics.Stopwatch.GetElapsedTime(0).Ticks * 100);
                }
            }
            if (_running < _limit.Current && _pending.TryDequeue(out WsgiRequest? request))
            {
                _running++;
                if (_running < _limit.Current && _pending.Count > 0 && _idle.TryPop(out extra))
                {
                    extraRequest = _pending.Dequeue();
                    _running++;
                }
                return request;
            }
            _idle.Push(worker);
            return null;
        }
    }
}
