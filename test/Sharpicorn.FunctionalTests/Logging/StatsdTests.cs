using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Logging;

/// <summary>A statsd listener in the test receives gunicorn's lines from the workers and the master.</summary>
public sealed class StatsdTests
{
    [Fact]
    public void Udp_KnownRequests_GunicornsLinesFromWorkersAndMaster()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "-w", "2", "--statsd-host", $"localhost:{port}", "--statsd-prefix", "svc.web..", "--dogstatsd-tags", "env:test", "--enable-backlog-metric", "metrics_app:app"]);
        Assert.Equal(200, RawHttp.Get(s.Port, "/").Status);
        Assert.Equal(200, RawHttp.Get(s.Port, "/").Status);
        Assert.Equal(404, RawHttp.Get(s.Port, "/status/404").Status);
        Assert.Equal(500, RawHttp.Get(s.Port, "/raise").Status);

        // Every line expected, whatever order the three processes' datagrams arrive in.
        List<string> lines = Collect(listener, l => Count(l, "svc.web.gunicorn.requests:1|c|@1.0|#env:test") == 4
            && l.Count(x => x.StartsWith("svc.web.gunicorn.request.status.", StringComparison.Ordinal)) == 4
            && l.Count(x => x.StartsWith("svc.web.gunicorn.request.duration:", StringComparison.Ordinal)) == 4
            && l.Contains("svc.web.gunicorn.workers:2|g|#env:test")
            && l.Contains("svc.web.gunicorn.log.exception:1|c|@1.0|#env:test")
            && l.Any(x => Regex.IsMatch(x, @"^svc\.web\.gunicorn\.backlog:\d+\|h\|#env:test$")));
        Assert.Equal(2, Count(lines, "svc.web.gunicorn.request.status.200:1|c|@1.0|#env:test"));
        Assert.Equal(1, Count(lines, "svc.web.gunicorn.request.status.404:1|c|@1.0|#env:test"));
        Assert.Equal(1, Count(lines, "svc.web.gunicorn.request.status.500:1|c|@1.0|#env:test"));
        Assert.Equal(4, lines.Count(l => Regex.IsMatch(l, @"^svc\.web\.gunicorn\.request\.duration:\d+\.\d+\|ms\|#env:test$")));
        // "Error handling request" is gunicorn's log.exception: counted as exception, not error.
        Assert.Equal(0, Count(lines, "svc.web.gunicorn.log.error:1|c|@1.0|#env:test"));
        Assert.All(lines, l => Assert.Matches(@"^svc\.web\.gunicorn\.[a-z0-9.]+:\d+(\.\d+)?\|(c\|@1\.0|g|ms|h)\|#env:test$", l));
    }

    [Fact]
    public void UnixDatagram_Request_LinesArrive()
    {
        string path = Path.Combine(Path.GetTempPath(), $"statsd-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--statsd-host", "unix://" + path, "metrics_app:app"]);
            Assert.Equal(201, RawHttp.Get(s.Port, "/status/201").Status);
            List<string> lines = Collect(listener, l => l.Count == 4);
            Assert.Equal(4, lines.Distinct().Count());
            Assert.Contains("gunicorn.workers:1|g", lines);
            Assert.Contains("gunicorn.request.status.201:1|c|@1.0", lines);
            Assert.Contains("gunicorn.requests:1|c|@1.0", lines);
            Assert.Contains(lines, l => Regex.IsMatch(l, @"^gunicorn\.request\.duration:\d+\.\d+\|ms$"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static int Count(List<string> lines, string line) => lines.Count(l => l == line);

    /// <summary>Receives datagrams until <paramref name="done"/> holds (each datagram is the signal to look again).</summary>
    private static List<string> Collect(Socket listener, Func<List<string>, bool> done)
    {
        var lines = new List<string>();
        byte[] buf = new byte[4096];
        var clock = Stopwatch.StartNew();
        while (!done(lines))
        {
            TimeSpan left = ServerProcess.Patience - clock.Elapsed;
            if (left <= TimeSpan.Zero || !listener.Poll(left, SelectMode.SelectRead))
            {
                Assert.Fail("statsd lines never completed; received:\n" + string.Join('\n', lines));
            }
            int n = listener.Receive(buf);
            // A request's three lines come in one multi-metric datagram.
            lines.AddRange(Encoding.ASCII.GetString(buf, 0, n).Split('\n'));
        }
        return lines;
    }
}
