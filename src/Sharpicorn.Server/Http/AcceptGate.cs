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
//            connections (idle keep-alive ones included) < worker_connections. Here the count
//            is of requests in progress (dispatched to the Python pool: running or queued), the
//            only connections that cost a Python-side resource. An idle keep-alive connection or
//            one still sending its head (a slowloris) costs Kestrel a few KiB and no thread; were
//            it counted, 1,000 trickling clients would shut every real one out (issue 9). Slow
//            heads are shed by Kestrel's RequestHeadersTimeout (--header-timeout) instead.
// Both rules also stop at a hard cap on open connections of any kind, derived from the
// open-file limit (MaxOpenConnections): past it, accept(2) would fail with EMFILE, or take the
// descriptors the app needs. Over any limit the connection stays in the kernel queue, never
// accepted and closed (Kestrel's MaxConcurrentConnections would do that).
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
    private readonly int _maxOpen;
    private readonly long _limit;
    private readonly Action _limitReached;
    private readonly Action<long>? _checkpoint;
    private long _started;
    /// <summary>sync: slots held (requests and fresh connections); gthread: requests in progress.</summary>
    private int _used;
    private int _fresh;
    private int _open;
    private long _budget;
    private int _retired;
    private TaskCompletionSource? _waiter;

    /// <param name="sync">gunicorn's sync rule (a slot per thread); else gthread's (requests in progress).</param>
    /// <param name="capacity">Threads (sync) or worker_connections (gthread).</param>
    /// <param name="maxRequests">This worker's max_requests with its jitter; 0 is no limit.</param>
    /// <param name="limitReached">Called once, on a Kestrel thread, when the limit is reached, before that request is handed on: it must only set flags and enqueue.</param>
    /// <param name="checkpoint">With max_requests, called with the started count at 1, 2, 4, 8, ... (a Kestrel thread): an early rate sample for asking for the replacement.</param>
    /// <param name="maxOpen">Open connections of any kind this worker may hold.</param>
    public AcceptGate(bool sync, int capacity, long maxRequests, Action limitReached, Action<long>? checkpoint = null, int maxOpen = int.MaxValue)
    {
        _sync = sync;
        _capacity = capacity;
        _maxOpen = maxOpen;
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
        }, checkpoint, MaxOpenConnections(Platform.OpenFileLimit.Current));
    }

    /// <summary>
    /// The hard cap on open connections for an open-file limit: a tenth of the descriptors (at
    /// least 64) stay for the listeners, logs, Python's imports and the app's own files and
    /// database connections.
    /// </summary>
    public static int MaxOpenConnections(int openFileLimit) =>
        openFileLimit == int.MaxValue ? int.MaxValue : Math.Max(1, openFileLimit - Math.Max(64, openFileLimit / 10));

    /// <summary>gunicorn's config.worker_class: "sync" with threads &gt; 1 runs gthread.</summary>
    public static bool IsSync(ServerSettings settings) => settings.WorkerClass == "sync" && settings.Threads <= 1;

    /// <summary>Open connections (for draining).</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>True once max_requests was reached: no more accepts, Connection: close on every response.</summary>
    public bool Retired => Volatile.Read(ref _retired) != 0;

    /// <summary>sync: slots (requests and fresh connections) &lt; threads; gthread: requests in progress &lt; worker_connections; both: open &lt; the hard cap.</summary>
    private bool HasCapacity => Volatile.Read(ref _used) < _capacity && Volatile.Read(ref _open) < _maxOpen;

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

    public void Dispatched(WsgiRequest request) => Dispatched(request.Features);

    /// <summary>The same for any request (an ASGI scope): before it is handed on.</summary>
    public void Dispatched(Microsoft.AspNetCore.Http.Features.IFeatureCollection features)
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
        // The first request of a fresh connection takes over the slot its connection held.
        if (_sync && Volatile.Read(ref _fresh) != 0 && features.Get<FreshConnection>() is { } fresh && fresh.Claim())
        {
            Interlocked.Decrement(ref _fresh);
            return;
        }
        Interlocked.Increment(ref _used);
    }

    /// <summary>
    /// A request the HTTP front answered itself (--health-path): it never takes a Python thread,
    /// so the slot its fresh connection held goes back now. Otherwise a keep-alive connection
    /// that only ever probes would hold a sync worker's one slot until it closed.
    /// </summary>
    public void AnsweredByFront(WsgiRequest request)
    {
        if (_sync && request.Features.Get<FreshConnection>() is { } fresh && fresh.Claim())
        {
            Interlocked.Decrement(ref _fresh);
            Interlocked.Decrement(ref _used);
            Wake();
        }
    }

    public void Completed()
    {
        Interlocked.Decrement(ref _used);
        Wake();
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
