using Sharpicorn.Protocol;

namespace Sharpicorn.Tests.Protocol;

public sealed class WorkerStatsTests
{
    [Fact]
    public void Counters_Recorded_SnapshotCountsByMethodStatusAndBucket()
    {
        var c = new RequestCounters();
        c.Record("GET", 200, TimeSpan.FromMilliseconds(3), 0, 10);
        c.Record("GET", 200, TimeSpan.FromMilliseconds(30), 5, 20);
        c.Record("BREW", 418, TimeSpan.FromSeconds(11), 0, 0);
        WorkerStats s = c.Snapshot([]);
        Assert.Equal(2, s.Requests[WorkerStats.Key(RequestMethods.IndexOf("GET"), 200)]);
        Assert.Equal(1, s.Requests[WorkerStats.Key(RequestMethods.IndexOf("other"), 418)]);
        Assert.Equal(3, s.TotalRequests);
        Assert.Equal(1, s.Buckets[0]);
        Assert.Equal(1, s.Buckets[DurationBuckets.IndexOf(0.03)]);
        Assert.Equal(1, s.Buckets[^1]);
        Assert.Equal((5L, 30L), (s.BytesIn, s.BytesOut));
        Assert.Equal(11_033_000, s.DurationMicros);
    }

    [Fact]
    public void Encode_Decode_RoundTrip()
    {
        var c = new RequestCounters();
        c.Record("POST", 201, TimeSpan.FromMilliseconds(80), 100, 7);
        c.Record("DELETE", 404, TimeSpan.FromMilliseconds(1), 0, 9);
        WorkerStats s = c.Snapshot([new InFlightRequest("GET", "/slow/\u00e9", 12345), new InFlightRequest("PUT", new string('x', 1000), 7)]);
        WorkerStats d = WorkerStats.Decode(s.Encode());
        Assert.Equal(s.Requests.OrderBy(kv => kv.Key), d.Requests.OrderBy(kv => kv.Key));
        Assert.Equal(s.Buckets, d.Buckets);
        Assert.Equal((s.DurationMicros, s.BytesIn, s.BytesOut), (d.DurationMicros, d.BytesIn, d.BytesOut));
        Assert.Equal(new InFlightRequest("GET", "/slow/\u00e9", 12345), d.InFlight[0]);
        Assert.Equal(WorkerStats.MaxPathBytes, d.InFlight[1].Path.Length);
    }

    [Fact]
    public void Decode_Truncated_FormatException()
    {
        byte[] bytes = new RequestCounters().Snapshot([]).Encode();
        Assert.Throws<FormatException>(() => WorkerStats.Decode(bytes.AsSpan(0, bytes.Length - 1)));
    }

    [Fact]
    public void Add_RetiredWorker_TotalsSum()
    {
        var a = new RequestCounters();
        a.Record("GET", 200, TimeSpan.Zero, 1, 2);
        var b = new RequestCounters();
        b.Record("GET", 200, TimeSpan.Zero, 3, 4);
        b.Record("GET", 500, TimeSpan.Zero, 0, 0);
        WorkerStats sum = a.Snapshot([]);
        sum.Add(b.Snapshot([]));
        Assert.Equal(2, sum.Requests[WorkerStats.Key(0, 200)]);
        Assert.Equal(1, sum.Requests[WorkerStats.Key(0, 500)]);
        Assert.Equal((4L, 6L), (sum.BytesIn, sum.BytesOut));
    }
}
