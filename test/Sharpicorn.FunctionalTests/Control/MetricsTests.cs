using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Control;

/// <summary>--metrics-bind: the master's Prometheus page, summed over workers, exact across max_requests recycling.</summary>
public sealed partial class MetricsTests
{
    private static string Scrape(int port)
    {
        using var client = new TcpClient("127.0.0.1", port);
        using NetworkStream stream = client.GetStream();
        stream.Write("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n"u8);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string response = reader.ReadToEnd();
        Assert.StartsWith("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n", response, StringComparison.Ordinal);
        return response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
    }

    private static double Value(string page, string sample)
    {
        Match m = Regex.Match(page, "^" + Regex.Escape(sample) + " (\\S+)$", RegexOptions.Multiline);
        return m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [Fact]
    public void TwoWorkers_MaxRequestsRecycles_CountersExactAndNeverBackwards()
    {
        using ServerProcess s = ServerProcess.Start(["--python", Repo.DebianPython, "--log-level", "debug", "-w", "2", "--max-requests", "10", "--metrics-bind", "127.0.0.1:0", "--no-control-socket", "metrics_app:app"]);
        s.WaitForLog("Metrics listening at: ");
        int port = int.Parse(MetricsPort().Match(s.ErrorLog).Groups[1].Value, CultureInfo.InvariantCulture);

        double last = 0;
        for (int i = 0; i < 40; i++)
        {
            HttpReply r = i % 8 == 7
                ? RawHttp.Get(s.Port, "/status/404")
                : i % 8 == 6
                    ? HttpReply.Parse(RawHttp.Exchange(s.Port, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"))
                    : RawHttp.Get(s.Port, "/");
            Assert.True(r.Status is 200 or 404, r.Status.ToString(CultureInfo.InvariantCulture));
            if (i % 5 == 4)
            {
                double total = Value(Scrape(port), "sharpicorn_http_request_duration_seconds_count");
                Assert.True(total >= last, $"the request count went back from {last} to {total}");
                last = total;
            }
        }

        // Ready signal: the last stats frames are in (once a second), and both first workers have been recycled.
        string page = ControlSocketTests.WaitFor(
            () => Scrape(port),
            p => Value(p, "sharpicorn_http_request_duration_seconds_count") == 40 && Value(p, "sharpicorn_worker_restarts_total{reason=\"max-requests\"}") >= 2);
        Assert.Empty(PrometheusRules.Violations(page));
        Assert.Equal(30, Value(page, "sharpicorn_http_requests_total{method=\"GET\",status=\"200\"}"));
        Assert.Equal(5, Value(page, "sharpicorn_http_requests_total{method=\"GET\",status=\"404\"}"));
        Assert.Equal(5, Value(page, "sharpicorn_http_requests_total{method=\"POST\",status=\"200\"}"));
        Assert.Equal(40, Value(page, "sharpicorn_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
        // metrics_app's bodies: "ok" (2 bytes) for GET and POST /, "status" (6) for /status/404.
        Assert.Equal((35 * 2) + (5 * 6), Value(page, "sharpicorn_http_response_body_bytes_total"));
        Assert.Equal(0, Value(page, "sharpicorn_worker_restarts_total{reason=\"crash\"}"));
        Assert.Equal(0, Value(page, "sharpicorn_http_requests_in_flight"));
        Assert.Equal(2, Value(page, "sharpicorn_workers_target"));
        Assert.Matches("(?m)^sharpicorn_worker_resident_memory_bytes\\{pid=\"\\d+\",age=\"\\d+\"\\} \\d+$", page);
        Assert.Matches($"(?m)^sharpicorn_listen_queue_depth\\{{listener=\"http://127.0.0.1:{s.Port}\"\\}} \\d+$", page);

        // The replaced workers' counts stay, however many more exit.
        int restarts = s.CountLog("Autorestarting worker after current request.");
        Assert.True(restarts >= 2, s.ErrorLog);
        Assert.Equal(40, Value(Scrape(port), "sharpicorn_http_request_duration_seconds_count"));
    }

    [Fact]
    public void Off_ByDefault_NoMetricsListener()
    {
        using ServerProcess s = ServerProcess.Start(["--python", Repo.DebianPython, "--log-level", "debug", "--control-socket", Path.Combine(Path.GetTempPath(), $"sharpicorn-{Guid.NewGuid():N}.ctl"), "metrics_app:app"]);
        // The metrics line would come with the control socket's, after the first workers were spawned.
        s.WaitForLog("Control socket listening at ");
        Assert.DoesNotContain("Metrics listening", s.ErrorLog, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Metrics listening at: http://127\.0\.0\.1:(\d+)/metrics")]
    private static partial Regex MetricsPort();
}
