// Design notes
// ------------
// Every worker accepts from the same kernel queue. A worker that accepts a connection it
// cannot serve soon makes that connection wait while another worker idles, so this gate
// decides, before Kestrel's accept loop calls accept(2), whether this worker takes one more
// connection; a "no" leaves the connection in the kernel queue for the other workers.
//
// Which rule applies mirrors gunicorn's worker classes (config.py's worker_class: a sync
// worker with threads > 1 *is* gthread):
//   sync     (-k sync, --threads 1)  gunicorn's sync worker accepts only when its one thread is
//            free. Here: accept while requests in flight + fresh connections < threads. A fresh
//            connection (accepted, first request not dispatched yet) holds a slot, because
//            Kestrel asks for the next connection right after accepting one, before that
//            connection's request has reached the Python pool. Keep-alive connections already
//            open keep being served (their requests queue in-process), as before.
//   gthread  (-k gthread, or --threads > 1)  gunicorn's gthread accepts while its open
//            connections (idle keep-alive ones included) < worker_connections, and over that
//            leaves the listener out of its poller. Here: the same count, checked before
//            accept, instead of Kestrel's MaxConcurrentConnections (which accepts and closes).
// The check precedes the accept, so with several listeners each accept loop may take one
// connection past the limit; with one listener the limit is exact.
//
// max_requests (+ jitter) is exact: a worker never starts more requests than its limit. The
// budget B = requests started + open connections + accepts in progress must stay below the
// limit; each open connection may still bring at most one request once the worker stops,
// because from then on every response says Connection: close and nothing more is accepted.
// When B reaches the limit the worker "retires": Connection: close on every response, no
// further accepts (the kernel queue keeps them for the other workers or the replacement),
// and the owner is told, once, so it can drain and exit. One interlocked op per request.
using Sharpicorn.Cli;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Http;

internal sealed class AcceptGate : IRequestObserver
{
    private readonly bool _sync;
    private readonly int _capacity;
    private readonly long _limit;
    private readonly Action _limitReached;
    private readonly Action<long>? _checkpoint;
    private long _started;
    private int _used;
    private int _fresh;
    private int _open;
    private long _budget;
    private int _retired;
    private TaskCompletionSource? _waiter;

    /// <param name="sync">gunicorn's sync rule (a slot per thread); else gthread's (open connections).</param>
    /// <param name="capacity">Threads (sync) or worker_connections (gthread).</param>
    /// <param name="maxRequests">This worker's max_requests with its jitter; 0 is no limit.</param>
    /// <param name="limitReached">Called once, on a Kestrel thread, when the limit is reached, before that request is handed on: it must only set flags and enqueue.</param>
    /// <param name="checkpoint">With max_requests, called with the started count at 1, 2, 4, 8, ... (a Kestrel thread): an early rate sample for asking for the replacement.</param>
    public AcceptGate(bool sync, int capacity, long maxRequests, Action limitReached, Action<long>? checkpoint = null)
    {
        _sync = sync;
        _capacity = capacity;
        _limit = maxRequests;
        _limitReached = limitReached;
        _checkpoint = checkpoint;
    }

    /// <summary>The gate for this worker's settings; at the limit every further response of <paramref name="pool"/> says Connection: close.</summary>
    public static AcceptGate Create(ServerSettings settings, PythonWorkerPool pool, long maxRequests, Action limitReached, Action<long>? checkpoint)
    {
        bool sync = IsSync(settings);
        // sync: gunicorn's one request per thread; gthread: worker_connections (gunicorn's default 1000).
        return new AcceptGate(sync, sync ? settings.Threads : settings.WorkerConnections, maxRequests, () =>
        {
            pool.Draining = true;
            limitReached();
        }, checkpoint);
    }

    /// <summary>gunicorn's config.worker_class: "sync" with threads &gt; 1 runs gthread.</summary>
    public static bool IsSync(ServerSettings settings) => settings.WorkerClass == "sync" && settings.Threads <= 1;

    /// <summary>Whether the pool must report its requests (sync's capacity, or a max_requests budget).</summary>
    public bool ObservesRequests => _sync || _limit > 0;

    /// <summary>Open connections (for draining).</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>True once max_requests was reached: no more accepts, Connection: close on every response.</summary>
    public bool Retired => Volatile.Read(ref _retired) != 0;

    private bool HasCapacity => _sync ? Volatile.Read(ref _used) < _capacity : Volatile.Read(ref _open) < _capacity;

    /// <summary>
    /// Waits until this worker may take one more connection; false when it must not accept any
    /// more (retired, or <paramref name="stopped"/>). On true, <see cref="Accepted"/> or
    /// <see cref="AcceptFailed"/> must follow.
    /// </summary>
    public async ValueTask<bool> EnterAcceptAsync(Func<bool> stopped, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (stopped() || Retired)
            {
                return false;
            }
            if (HasCapacity)
            {
                break;
            }
            TaskCompletionSource? tcs = Volatile.Read(ref _waiter);
            if (tcs is null)
            {
                var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                tcs = Interlocked.CompareExchange(ref _waiter, created, null) ?? created;
            }
            // Capacity freed between the check and publishing the waiter would not wake it.
            if (HasCapacity || stopped() || Retired)
            {
                continue;
            }
            await tcs.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        if (_limit > 0)
        {
            long b = Interlocked.Increment(ref _budget);
            if (b > _limit)
            {
                Interlocked.Decrement(ref _budget);
                Retire();
                return false;
            }
            if (b == _limit)
            {
                // This accept may still bring one connection, and that one request.
                Retire();
            }
        }
        return true;
    }

    /// <summary>The accept after <see cref="EnterAcceptAsync"/> ended without a connection.</summary>
    public void AcceptFailed()
    {
        if (_limit > 0)
        {
            Interlocked.Decrement(ref _budget);
        }
    }

    /// <summary>A connection was accepted; returns the state to hand to <see cref="Closed"/>.</summary>
    public FreshConnection Accepted()
    {
        Interlocked.Increment(ref _open);
        var fresh = new FreshConnection();
        if (_sync)
        {
            Interlocked.Increment(ref _fresh);
            Interlocked.Increment(ref _used);
        }
        else
        {
            fresh.Claim();
        }
        return fresh;
    }

    /// <summary>The connection ended (its ConnectionClosed token fired).</summary>
    public void Closed(FreshConnection fresh)
    {
        Interlocked.Decrement(ref _open);
        if (_limit > 0)
        {
            Interlocked.Decrement(ref _budget);
        }
        if (fresh.Claim())
        {
            // Closed before any request: its slot goes back.
            Interlocked.Decrement(ref _fresh);
            Interlocked.Decrement(ref _used);
        }
        Wake();
    }

    public void Dispatched(WsgiRequest request)
    {
        if (_limit > 0)
        {
            if (Interlocked.Increment(ref _budget) >= _limit)
            {
                Retire();
            }
            long n = Interlocked.Increment(ref _started);
            if ((n & (n - 1)) == 0)
            {
                _checkpoint?.Invoke(n);
            }
        }
        if (!_sync)
        {
            return;
        }
        // The first request of a fresh connection takes over the slot its connection held.
        if (Volatile.Read(ref _fresh) != 0 && request.Features.Get<FreshConnection>() is { } fresh && fresh.Claim())
        {
            Interlocked.Decrement(ref _fresh);
            return;
        }
        Interlocked.Increment(ref _used);
    }

    public void Completed()
    {
        if (_sync)
        {
            Interlocked.Decrement(ref _used);
            Wake();
        }
    }

    /// <summary>Wakes accept loops waiting for capacity (to re-check it, or to see that they stop).</summary>
    public void Wake()
    {
        if (Volatile.Read(ref _waiter) is not null)
        {
            Interlocked.Exchange(ref _waiter, null)?.TrySetResult();
        }
    }

    private void Retire()
    {
        if (Interlocked.Exchange(ref _retired, 1) == 0)
        {
            // Before this request is handed on: its response already says Connection: close.
            _limitReached();
            Wake();
        }
    }
}
