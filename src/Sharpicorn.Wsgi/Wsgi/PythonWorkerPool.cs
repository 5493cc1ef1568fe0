// Design notes
// ------------
// Kestrel threads hand requests to N long-lived Python threads and never wait for the GIL:
// Dispatch only takes a short lock and either gives the request to an idle thread and wakes
// it, or queues it. A Python thread looks for queued work before it parks, so a burst never
// waits for a wake-up. Parked threads block on their own event with no spinning (spinning
// idle threads cost more CPU than the requests on this 2-core machine, EMBEDDING-NOTES) and
// always without the GIL.
namespace Sharpicorn.Wsgi;

internal sealed class PythonWorkerPool
{
    private readonly Lock _lock = new();
    private readonly Queue<WsgiRequest> _pending = new();
    private readonly Stack<PythonWorker> _idle = new();
    private readonly List<PythonWorker> _workers = [];

    public PythonWorkerPool(WsgiApp app, WorkerSettings settings)
    {
        App = app;
        Settings = settings;
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
        lock (_lock)
        {
            if (_aborting)
            {
                worker = null;
            }
            else if (!_idle.TryPop(out worker))
            {
                _pending.Enqueue(request);
                return;
            }
        }
        if (worker is null)
        {
            // The worker is being aborted: no thread will run this, answer it now (no GIL).
            DeadlineAnswer.TryAnswer(request, Settings.AccessLog);
            CountCompleted();
            return;
        }
        worker.Hand(request);
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

    /// <summary>Called by a Python thread (GIL released): queued work, or null after parking itself.</summary>
    internal WsgiRequest? TakeOrPark(PythonWorker worker)
    {
        lock (_lock)
        {
            if (_pending.TryDequeue(out WsgiRequest? request))
            {
                return request;
            }
            _idle.Push(worker);
            return null;
        }
    }
}
