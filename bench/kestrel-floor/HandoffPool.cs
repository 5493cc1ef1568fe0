// Design notes
// ------------
// The shape of sharpicorn's PythonWorkerPool, without Python: Dispatch (on a Kestrel thread)
// takes a short lock and either pops an idle thread and wakes it or queues the request; a
// dedicated thread looks for queued work before it parks, so a burst never waits for a wake-up.
namespace KestrelFloor;

internal sealed class HandoffPool
{
    private readonly Lock _lock = new();
    private readonly Queue<FloorRequest> _pending = new();
    private readonly Stack<HandoffThread> _idle = new();
    private readonly List<HandoffThread> _threads = [];

    public HandoffPool(int threads, PythonHello? python)
    {
        for (int i = 0; i < threads; i++)
        {
            _threads.Add(new HandoffThread(this, i, python));
        }
    }

    /// <summary>Starts the threads and returns once every one is parked.</summary>
    public void Start()
    {
        foreach (HandoffThread t in _threads)
        {
            t.Start();
        }
        foreach (HandoffThread t in _threads)
        {
            t.Ready.Wait();
        }
    }

    public void Dispatch(FloorRequest request)
    {
        HandoffThread? thread;
        lock (_lock)
        {
            if (!_idle.TryPop(out thread))
            {
                _pending.Enqueue(request);
                return;
            }
        }
        thread.Hand(request);
    }

    /// <summary>Called by a dedicated thread: queued work, or null after parking itself.</summary>
    internal FloorRequest? TakeOrPark(HandoffThread thread)
    {
        lock (_lock)
        {
            if (_pending.TryDequeue(out FloorRequest? request))
            {
                return request;
            }
            _idle.Push(thread);
            return null;
        }
    }
}
