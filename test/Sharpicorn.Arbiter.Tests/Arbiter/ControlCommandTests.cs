using System.Text;
using Sharpicorn.Arbiter;
using Sharpicorn.Platform;
using Sharpicorn.Protocol;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>The control socket's commands and the metrics' bookkeeping, on the loop with fakes.</summary>
public sealed class ControlCommandTests
{
    private static WorkerStats Served(int get200, int post500 = 0, params InFlightRequest[] inFlight)
    {
        var c = new RequestCounters();
        for (int i = 0; i < get200; i++)
        {
            c.Record("GET", 200, TimeSpan.FromMilliseconds(2), 0, 10);
        }
        for (int i = 0; i < post500; i++)
        {
            c.Record("POST", 500, TimeSpan.FromSeconds(1), 3, 0);
        }
        return c.Snapshot([.. inFlight]);
    }

    private static void Stats(ArbiterHarness h, FakeChild w, WorkerStats s) => h.Step(new ArbiterEvent(ArbiterEventKind.Stats, Age: w.Age, Stats: s));

    private static string Run(ArbiterHarness h, params string[] words) => Encoding.UTF8.GetString(h.Arbiter.Execute(words));

    [Fact]
    public void Metrics_WorkerRecycledAtMaxRequests_CountsKeptAndRestartCounted()
    {
        using var h = new ArbiterHarness(s => s.Workers = 2);
        h.StartBooted();
        Stats(h, h.Worker(1), Served(5));
        Stats(h, h.Worker(2), Served(3, 1));
        h.Send(h.Worker(1), WorkerMessage.Retire);
        Stats(h, h.Worker(1), Served(10));
        h.Booted(h.Worker(3));
        h.Exit(h.Worker(1), ChildExit.Exited(0));
        Stats(h, h.Worker(3), Served(2));

        string page = h.Arbiter.RenderMetrics();
        Assert.Contains("sharpicorn_http_requests_total{method=\"GET\",status=\"200\"} 15\n", page, StringComparison.Ordinal);
        Assert.Contains("sharpicorn_http_requests_total{method=\"POST\",status=\"500\"} 1\n", page, StringComparison.Ordinal);
        Assert.Contains("sharpicorn_http_request_duration_seconds_count 16\n", page, StringComparison.Ordinal);
        Assert.Contains("sharpicorn_worker_restarts_total{reason=\"max-requests\"} 1\n", page, StringComparison.Ordinal);
        Assert.Contains("sharpicorn_http_response_body_bytes_total 150\n", page, StringComparison.Ordinal);
        Assert.Contains("sharpicorn_http_request_body_bytes_total 3\n", page, StringComparison.Ordinal);
        Assert.Contains("sharpicorn_workers 2\n", page, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_WorkerDiesUnasked_CrashCounted_TtouIsNot()
    {
        using var h = new ArbiterHarness(s => s.Workers = 2);
        h.StartBooted();
        h.Exit(h.Worker(1), ChildExit.Exited(1));
        h.Signal(Posix.SIGTTOU);
        FakeChild removed = h.Live.First(c => h.SignalsTo(c).Contains(Posix.SIGTERM));
        h.Exit(removed, ChildExit.Exited(0));
        string page = h.Arbiter.RenderMetrics();
        Assert.Contains("sharpicorn_worker_restarts_total{reason=\"crash\"} 1\n", page, StringComparison.Ordinal);
        Assert.Contains("sharpicorn_worker_restarts_total{reason=\"max-requests\"} 0\n", page, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerAddRemove_Target_GunicornsRepliesAndSpawns()
    {
        using var h = new ArbiterHarness(s => s.Workers = 2);
        h.StartBooted();
        Assert.Equal("""{"added":2,"previous":2,"total":4}""", Run(h, "worker", "add", "2"));
        h.Tick(TimeSpan.FromMilliseconds(500));
        Assert.Equal(4, h.Spawned.Count);
        Assert.Equal("""{"removed":3,"previous":4,"total":1}""", Run(h, "worker", "remove", "9"));
        Assert.Equal(1, h.Arbiter.TargetWorkers);
        Assert.Equal("""{"removed":0,"previous":1,"total":1}""", Run(h, "worker", "remove"));
    }

    [Fact]
    public void Stats_InFlight_ListedWithDuration()
    {
        using var h = new ArbiterHarness(s => s.Workers = 1);
        h.StartBooted();
        Stats(h, h.Worker(1), Served(4, 0, new InFlightRequest("GET", "/slow", h.NowMs)));
        h.Time.Advance(TimeSpan.FromMilliseconds(1500));
        string json = Run(h, "stats");
        Assert.Contains("\"requests\":4,", json, StringComparison.Ordinal);
        Assert.Contains("\"in_flight\":[{\"method\":\"GET\",\"path\":\"/slow\",\"duration\":1.5}]", json, StringComparison.Ordinal);
        Assert.EndsWith("\"count\":1,\"requests_total\":4}", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Unknown command: foo", "foo")]
    [InlineData("Missing show target (all|workers|dirty|config|stats|listeners)", "show")]
    [InlineData("invalid literal for int() with base 10: 'x'", "worker", "add", "x")]
    [InlineData("Missing PID for worker kill", "worker", "kill")]
    public void Execute_Bad_GunicornsValueErrors(string message, params string[] words)
    {
        using var h = new ArbiterHarness();
        h.StartBooted();
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => h.Arbiter.Execute(words)).Message);
    }
}
