using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sharpicorn.Arbiter;
using Sharpicorn.Cli;
using Sharpicorn.Logging;
using Sharpicorn.Metrics;
using Sharpicorn.Platform;
using ArbiterLoop = Sharpicorn.Arbiter.Arbiter;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>gunicorn's manage_workers metrics: the "N workers" debug line and the gunicorn.workers gauge, when the count changes.</summary>
public sealed class MetricsTests
{
    [Fact]
    public void WorkerCount_Changes_DebugLineEachTime()
    {
        using var h = new ArbiterHarness(s => s.Workers = 2);
        h.StartBooted();
        h.TickFor(TimeSpan.FromSeconds(2));
        h.Signal(Posix.SIGTTIN);
        h.Signal(Posix.SIGTTOU);

        string[] lines = [.. h.Log.Split('\n').Where(l => l.EndsWith(" workers", StringComparison.Ordinal) && l.Contains("[DEBUG]", StringComparison.Ordinal))];
        Assert.Equal(["2 workers", "3 workers", "2 workers"], lines.Select(l => l[(l.IndexOf("] ", l.IndexOf("[DEBUG]", StringComparison.Ordinal), StringComparison.Ordinal) + 2)..]));
    }

    [Fact]
    public void WorkerCount_Statsd_GaugeOnStartAndTtin_BacklogOnTick()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        string logPath = Path.Combine(Path.GetTempPath(), $"sharpicorn-metrics-{Guid.NewGuid():N}.log");
        try
        {
            using var log = new ErrorLog(logPath, LogLevel.Info);
            log.Statsd = StatsdClient.Connect(StatsdAddress.Parse($"127.0.0.1:{port}"), "app", "", _ => { });
            var settings = new ServerSettings { Workers = 2, EnableBacklogMetric = true };
            var arbiter = new ArbiterLoop(settings, log, new FakeProcessApi(), new FakeTimeProvider(), () => settings) { Backlog = () => 5 };

            arbiter.Start();
            arbiter.Step(new ArbiterEvent(ArbiterEventKind.Tick));
            arbiter.Step(new ArbiterEvent(ArbiterEventKind.Signal, Signal: Posix.SIGTTIN));

            Assert.Equal(["app.gunicorn.workers:2|g", "app.gunicorn.backlog:5|h", "app.gunicorn.workers:3|g"], Receive(listener, 3));
            Assert.False(listener.Poll(TimeSpan.FromMilliseconds(100), SelectMode.SelectRead), "a tick without a change sends no gauge");
        }
        finally
        {
            File.Delete(logPath);
        }
    }

    private static List<string> Receive(Socket listener, int count)
    {
        listener.ReceiveTimeout = 10_000;
        var lines = new List<string>();
        byte[] buf = new byte[1024];
        while (lines.Count < count)
        {
            int n = listener.Receive(buf);
            lines.Add(Encoding.ASCII.GetString(buf, 0, n));
        }
        return lines;
    }
}
