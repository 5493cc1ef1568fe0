using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Logging;

/// <summary>--log-syslog: a listener in the test receives gunicorn's syslog records from the master and the workers.</summary>
public sealed class SyslogTests
{
    [Fact]
    public void Udp_Request_ErrorAndAccessRecordsInGunicornsFormat()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--log-syslog", "--log-syslog-to", $"udp://127.0.0.1:{port}",
            "--log-syslog-prefix", "web", "--log-syslog-facility", "local0", "metrics_app:app"]);
        Assert.Equal(200, RawHttp.Get(s.Port, "/").Status);
        List<string> records = Collect(listener, l => l.Any(r => r.Contains("gunicorn.web.access:", StringComparison.Ordinal)));
        // local0 (16) * 8 + info (6); the master's pid in its lines, a NUL after each record.
        Assert.Contains($"<134>gunicorn.web.error: [{s.Pid}] Listening at: http://127.0.0.1:{s.Port} ({s.Pid})\0", records);
        Assert.Contains(records, r => Regex.IsMatch(r, @"^<134>gunicorn\.web\.error: \[\d+\] Booting worker with pid: \d+\0$"));
        string access = records.Single(r => r.Contains("gunicorn.web.access:", StringComparison.Ordinal));
        Assert.Matches(@"^<134>gunicorn\.web\.access: \[\d+\] 127\.0\.0\.1 - - \[[^\]]+\] ""GET / HTTP/1\.1"" 200 2 ""-"" ""-""\0$", access);
        // No --access-logfile: the access line went to syslog only, as in gunicorn.
        Assert.DoesNotContain("GET / HTTP/1.1", s.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void UnixDatagram_DisableRedirect_ErrorRecordsOnly()
    {
        string path = Path.Combine(Path.GetTempPath(), $"syslog-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--log-syslog", "--log-syslog-to", "unix://" + path,
                "--disable-redirect-access-to-syslog", "--access-logfile", "-", "metrics_app:app"]);
            Assert.Equal(200, RawHttp.Get(s.Port, "/").Status);
            s.Signal(15);
            Assert.Equal(0, s.WaitForExit());
            List<string> records = Collect(listener, l => l.Any(r => r.Contains("Shutting down: Master", StringComparison.Ordinal)));
            // user (1) * 8 + info (6); proc_name defaults to the app module, ':' made '.'.
            Assert.Contains($"<14>gunicorn.metrics_app.app.error: [{s.Pid}] Shutting down: Master\0", records);
            Assert.DoesNotContain(records, r => r.Contains(".access:", StringComparison.Ordinal));
            Assert.Contains("\"GET / HTTP/1.1\" 200", s.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BadAddress_StartupError_GunicornsMessage()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--log-syslog", "--log-syslog-to", "syslog://nowhere", "metrics_app:app"], waitReady: false);
        Assert.Equal(1, s.WaitForExit());
        Assert.Contains("\nError: invalid syslog address\n", s.ErrorLog, StringComparison.Ordinal);
    }

    /// <summary>Receives records until <paramref name="done"/> holds (each datagram is the signal to look again).</summary>
    private static List<string> Collect(Socket listener, Func<List<string>, bool> done)
    {
        var records = new List<string>();
        byte[] buf = new byte[65536];
        var clock = Stopwatch.StartNew();
        while (!done(records))
        {
            TimeSpan left = ServerProcess.Patience - clock.Elapsed;
            if (left <= TimeSpan.Zero || !listener.Poll(left, SelectMode.SelectRead))
            {
                Assert.Fail("syslog records never completed; received:\n" + string.Join('\n', records));
            }
            int n = listener.Receive(buf);
            records.Add(Encoding.UTF8.GetString(buf, 0, n));
        }
        return records;
    }
}
