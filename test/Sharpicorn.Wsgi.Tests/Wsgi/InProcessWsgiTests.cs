using System.Text;

namespace Sharpicorn.Tests.Wsgi;

[Collection("wsgi")]
public sealed class InProcessWsgiTests(WsgiFixture fixture)
{
    [Fact]
    public void RuntimeStats_CalledFromApp_ReturnsManagedHeapNumbers()
    {
        // GetGCMemoryInfo describes the last collection, so make sure there was one.
        GC.Collect(0);
        var req = new FakeRequest("GET", "/stats", []);
        Assert.True(fixture.Run(req));
        string body = Encoding.ASCII.GetString(req.BodyBytes);
        Assert.True(req.Response.StatusCode == 200 && body.Contains('=', StringComparison.Ordinal), req.Rendered() + fixture.LogText());
        Dictionary<string, long> stats = body.Split(',').Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => long.Parse(kv[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["gc_count_gen0", "gc_heap_size_bytes", "managed_heap_bytes"], stats.Keys.Order());
        Assert.True(stats["managed_heap_bytes"] > 0);
        Assert.True(stats["gc_heap_size_bytes"] > 0);
        Assert.True(stats["gc_count_gen0"] >= 1);
    }
}
