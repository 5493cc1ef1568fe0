using System.Net;
using System.Net.Sockets;
using System.Text;
using Sharpicorn.Logging;
using Sharpicorn.Metrics;

namespace Sharpicorn.Tests.Metrics;

public sealed class StatsdClientTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public void Request_Udp_GunicornsThreeDatagrams()
    {
        using Socket listener = UdpListener(out int port);
        var warnings = new List<string>();
        using var client = StatsdClient.Connect(StatsdAddress.Parse($"127.0.0.1:{port}"), "svc", "", warnings.Add);
        client.Request(201, TimeSpan.FromTicks(12_345_670));
        // gunicorn's three lines, in its order, in one multi-metric datagram.
        Assert.Equal(["svc.gunicorn.request.duration:1234.567|ms\nsvc.gunicorn.requests:1|c|@1.0\nsvc.gunicorn.request.status.201:1|c|@1.0"], ReceiveDatagrams(listener, 1));
        Assert.Empty(warnings);
    }

    [Fact]
    public void Request_UnixDatagram_TaggedLines()
    {
        string path = Path.Combine(Path.GetTempPath(), $"statsd-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            using var client = StatsdClient.Connect(StatsdAddress.Parse("unix://" + path), "", "env:test,role:web", _ => { });
            client.Request(404, TimeSpan.FromMilliseconds(2));
            Assert.Equal(["gunicorn.request.duration:2.0|ms|#env:test,role:web", "gunicorn.requests:1|c|@1.0|#env:test,role:web", "gunicorn.request.status.404:1|c|@1.0|#env:test,role:web"], Receive(listener, 3));
            client.Request(599, TimeSpan.FromTicks(10));
            Assert.Equal(["gunicorn.request.duration:0.001|ms|#env:test,role:web", "gunicorn.requests:1|c|@1.0|#env:test,role:web", "gunicorn.request.status.599:1|c|@1.0|#env:test,role:web"], Receive(listener, 3));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ErrorLog_WarningErrorCriticalException_CountedWhateverTheLevel()
    {
        using Socket listener = UdpListener(out int port);
        string file = Path.GetTempFileName();
        try
        {
            using var log = new ErrorLog(file, LogLevel.Critical);
            log.Statsd = StatsdClient.Connect(StatsdAddress.Parse($"127.0.0.1:{port}"), "", "", _ => { });
            log.Info("not counted");
            log.Debug("not counted");
            log.Warning("w");
            log.Error("e");
            log.Critical("c");
            log.Exception("x");
            log.Uncounted(LogLevel.Warning, "the statsd client's own warning");
            Assert.Equal(["gunicorn.log.warning:1|c|@1.0", "gunicorn.log.error:1|c|@1.0", "gunicorn.log.critical:1|c|@1.0", "gunicorn.log.exception:1|c|@1.0"], Receive(listener, 4));
            Assert.False(listener.Poll(TimeSpan.FromMilliseconds(100), SelectMode.SelectRead), "nothing more was sent");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Send_NobodyListening_OneWarningAndNoThrow()
    {
        int port;
        using (Socket closed = UdpListener(out port))
        {
        }
        var warnings = new List<string>();
        using var client = StatsdClient.Connect(StatsdAddress.Parse($"127.0.0.1:{port}"), "", "", warnings.Add);
        // The first send provokes an ICMP port unreachable; the next ones report ECONNREFUSED.
        for (int i = 0; i < 50 && warnings.Count == 0; i++)
        {
            client.Request(200, TimeSpan.Zero);
        }
        for (int i = 0; i < 10; i++)
        {
            client.Request(200, TimeSpan.Zero);
        }
        Assert.StartsWith("Error sending message to statsd", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_MissingUnixSocket_NoMetricsAndOneWarning()
    {
        var warnings = new List<string>();
        using var client = StatsdClient.Connect(StatsdAddress.Parse("unix:/nonexistent/statsd.sock"), "", "", warnings.Add);
        client.Request(200, TimeSpan.Zero);
        Assert.False(client.Connected);
        Assert.Contains("unix:/nonexistent/statsd.sock", Assert.Single(warnings), StringComparison.Ordinal);
    }

    private static Socket UdpListener(out int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        port = ((IPEndPoint)s.LocalEndPoint!).Port;
        return s;
    }

    /// <summary>The next <paramref name="count"/> metric lines (a datagram may carry several, one per line).</summary>
    private static List<string> Receive(Socket listener, int count)
    {
        var lines = new List<string>();
        while (lines.Count < count)
        {
            lines.AddRange(ReceiveDatagrams(listener, 1)[0].Split('\n'));
        }
        return lines;
    }

    private static List<string> ReceiveDatagrams(Socket listener, int count)
    {
        listener.ReceiveTimeout = (int)Patience.TotalMilliseconds;
        var datagrams = new List<string>();
        byte[] buf = new byte[2048];
        while (datagrams.Count < count)
        {
            int n = listener.Receive(buf);
            datagrams.Add(Encoding.ASCII.GetString(buf, 0, n));
        }
        return datagrams;
    }
}
