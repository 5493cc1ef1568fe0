// Design notes
// ------------
// A worker's request counters, written on the hot path by every Python thread (and by the
// --request-timeout deadline's timer) and read by the stats reporter. Each count is its own
// long in a flat array, bumped with Interlocked: no lock, no allocation, a handful of atomic
// adds per request. The reporter reads them without stopping the writers, so a snapshot may
// be mid-request (a count ahead of the histogram by one), which the next snapshot settles;
// the final snapshot, sent after the worker drained, is exact.
namespace Sharpicorn.Protocol;

/// <summary>Requests served by one worker: by method and status, a duration histogram, bytes in and out.</summary>
internal sealed class RequestCounters
{
    /// <summary>The one set of counters of this worker process (a worker runs one app, one pool).</summary>
    public static RequestCounters Process { get; } = new();

    /// <summary>Statuses 100 to 599, one slot each (WSGI's start_response only lets these through).</summary>
    internal const int StatusSlots = 500;

    private readonly long[] _byMethodStatus = new long[RequestMethods.Count * StatusSlots];
    private readonly long[] _buckets = new long[DurationBuckets.Count];
    private long _durationMicros;
    private long _bytesIn;
    private long _bytesOut;

    /// <summary>One request done: its method, the status the access log reports, how long it took and its bytes.</summary>
    public void Record(string method, int status, TimeSpan duration, long bytesIn, long bytesOut)
    {
        int slot = (uint)(status - 100) < StatusSlots ? status - 100 : 0;
        Interlocked.Increment(ref _byMethodStatus[(RequestMethods.IndexOf(method) * StatusSlots) + slot]);
        Interlocked.Increment(ref _buckets[DurationBuckets.IndexOf(duration.TotalSeconds)]);
        Interlocked.Add(ref _durationMicros, (long)(duration.Ticks / 10));
        if (bytesIn > 0)
        {
            Interlocked.Add(ref _bytesIn, bytesIn);
        }
        if (bytesOut > 0)
        {
            Interlocked.Add(ref _bytesOut, bytesOut);
        }
    }

    /// <summary>Body bytes a request read (wsgi.input), counted as they arrive.</summary>
    public void AddBytesIn(long bytes) => Interlocked.Add(ref _bytesIn, bytes);

    /// <summary>The counts so far, plus the requests in flight the caller lists.</summary>
    public WorkerStats Snapshot(List<InFlightRequest> inFlight)
    {
        var stats = new WorkerStats();
        for (int i = 0; i < _byMethodStatus.Length; i++)
        {
            long n = Volatile.Read(ref _byMethodStatus[i]);
            if (n != 0)
            {
                stats.Requests[WorkerStats.Key(i / StatusSlots, 100 + (i % StatusSlots))] = n;
            }
        }
        for (int i = 0; i < _buckets.Length; i++)
        {
            stats.Buckets[i] = Volatile.Read(ref _buckets[i]);
        }
        stats.DurationMicros = Volatile.Read(ref _durationMicros);
        stats.BytesIn = Volatile.Read(ref _bytesIn);
        stats.BytesOut = Volatile.Read(ref _bytesOut);
        stats.InFlight.AddRange(inFlight);
        return stats;
    }
}
