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
            if (!_idle.TryPop(out worker))
            {
                _pending.Enqueue(request);
                return;
            }
        }
        worker.Hand(request);
    }

    /// <summary>Every request handed to the pool and not finished: running on a thread, or queued. Any thread (a snapshot).</summary>
    public List<WsgiRequest> InFlight()
    {
        var all = new List<WsgiRequest>();
        foreach (PythonWorker w in _workers)
        {
            if (w.Current is { } running)
            {
                all.Add(running);
            }
        }
        lock (_lock)
        {
            all.AddRange(_pending);
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
