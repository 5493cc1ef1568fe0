using System.Globalization;
using System.Text;
using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;
using Xunit.Abstractions;

namespace Sharpicorn.Tests.Apps;

/// <summary>
/// Design notes: a refcount leak is an object nobody frees, so the test counts objects, not
/// bytes of address space. Python counts its own (sys.getallocatedblocks() after gc.collect());
/// the .NET side reports its managed heap after a full collection (runtime_stats() in the worker's
/// native module). Both are measured before and after 100,000 requests, and a leak of one object
/// per request shows as 100,000 of them. RSS is checked too, for native leaks neither sees, but
/// only once it has reached its plateau: the .NET GC sizes its gen0 budget from the CPU's L3
/// cache, so the first 100k requests grow RSS by a CPU-dependent amount (+95 MiB on a large L3)
/// that is a budget being filled, not a leak. Warming up until RSS stops growing takes that out.
/// </summary>
public sealed class RefcountTests(ITestOutputHelper output)
{
    private const int Requests = 100_000;

    /// <summary>One warm-up round; RSS is sampled between rounds.</summary>
    private const int WarmupRound = 20_000;

    /// <summary>
    /// Bounds the warm-up at 20 rounds (400,000 requests): the gen0 budget is full after a few
    /// rounds on any CPU (each round allocates far more than the largest budget), so an RSS that is
    /// still growing after that many is a leak, and the test says so rather than waiting forever.
    /// </summary>
    private const int MaxWarmupRounds = 20;

    /// <summary>
    /// The plateau: a round grew RSS by at most 2 MiB (about 100 bytes a request). Below the RSS
    /// tolerance per request, so a plateau that passes here cannot hide a leak the final check would catch.
    /// </summary>
    private const long PlateauKiB = 2 * 1024;

    /// <summary>
    /// Python blocks: a leaked environ dict, header string or response list per request would add
    /// 100,000 or more. 5,000 still catches a leak in one request of twenty, and is far above the
    /// noise (Python's bounded caches: free lists, the method cache, interned strings, all filled
    /// during the warm-up; a few hundred blocks either way).
    /// </summary>
    private const long BlocksTolerance = 5_000;

    /// <summary>
    /// The managed heap after a full collection: the smallest .NET object is 24 bytes, so one kept
    /// per request would add 2.4 MB; 1 MiB leaves room for pools and caches sized by load, not count.
    /// </summary>
    private const long ManagedHeapTolerance = 1 << 20;

    /// <summary>
    /// RSS after the plateau: a leaked environ dict is over 1 KiB, 100 MiB over the run; 16 MiB is
    /// 168 bytes a request, and the same on every CPU because the CPU-sized gen0 budget is already
    /// committed before the first sample.
    /// </summary>
    private const long RssToleranceKiB = 16 * 1024;

    private static void Hammer(int port, int requests, string target)
    {
        const int connections = 4;
        const int pipelined = 50;
        Parallel.For(0, connections, _ =>
        {
            using var c = new RawHttp(port);
            byte[] batch = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat($"GET {target} HTTP/1.1\r\nHost: t\r\nX-Header: value\r\n\r\n", pipelined)));
            for (int i = 0; i < requests / connections / pipelined; i++)
            {
                c.Send(batch);
                for (int j = 0; j < pipelined; j++)
                {
                    HttpReply r = c.ReadResponse();
                    if (r.Status != 200)
                    {
                        throw new InvalidOperationException($"request failed: {r.StatusLine}{ServerProcess.DescribeServerOn(port)}");
                    }
                }
            }
        });
    }

    public static int WorkerPid(int port) =>
        JsonDocument.Parse(RawHttp.Get(port, "/pid").Body).RootElement.GetProperty("pid").GetInt32();

    private sealed record MemStats(int Pid, long Blocks, long? ManagedHeap);

    private static MemStats Measure(int port)
    {
        JsonElement e = JsonDocument.Parse(RawHttp.Get(port, "/memstats").Body).RootElement;
        JsonElement runtime = e.GetProperty("runtime");
        long? managed = runtime.ValueKind == JsonValueKind.Object ? runtime.GetProperty("managed_heap_bytes").GetInt64() : null;
        return new MemStats(e.GetProperty("pid").GetInt32(), e.GetProperty("allocated_blocks").GetInt64(), managed);
    }

    [Fact]
    public void HundredThousandRequests_ObjectsAndPlateauRssDoNotGrow()
    {
        const string Target = "/environ/a%20b?q=1";
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--threads", "2", "wsgi_basic:app"]);
        int worker = WorkerPid(s.Port);

        var rss = new List<long> { ServerProcess.RssKiB(worker) };
        while (rss.Count < 3 || rss[^1] - rss[^2] > PlateauKiB)
        {
            Assert.True(rss.Count - 1 < MaxWarmupRounds, $"RSS never stopped growing over {MaxWarmupRounds} rounds of {WarmupRound} requests (KiB): {string.Join(", ", rss)}");
            Hammer(s.Port, WarmupRound, Target);
            rss.Add(ServerProcess.RssKiB(worker));
        }
        string warmup = string.Join(", ", rss.Select(k => k.ToString(CultureInfo.InvariantCulture)));

        MemStats before = Measure(s.Port);
        long rssBefore = ServerProcess.RssKiB(worker);
        Hammer(s.Port, Requests, Target);
        MemStats after = Measure(s.Port);
        long rssAfter = ServerProcess.RssKiB(worker);

        string report = $"warm-up RSS (KiB): {warmup}; RSS {rssBefore} -> {rssAfter} KiB; blocks {before.Blocks} -> {after.Blocks}; managed heap {before.ManagedHeap} -> {after.ManagedHeap} bytes";
        output.WriteLine(report);
        Assert.Equal(worker, before.Pid);
        Assert.Equal(worker, after.Pid);
        Assert.True(after.Blocks - before.Blocks < BlocksTolerance, "Python objects leaked: " + report);
        if (before.ManagedHeap is long m0 && after.ManagedHeap is long m1)
        {
            Assert.True(m1 - m0 < ManagedHeapTolerance, "managed objects leaked: " + report);
        }
        Assert.True(rssAfter - rssBefore < RssToleranceKiB, "RSS grew after its plateau: " + report);
    }
}
