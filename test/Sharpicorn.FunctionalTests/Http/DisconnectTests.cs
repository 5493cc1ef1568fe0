using System.Net.Sockets;
using System.Text;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>
/// Clients that stop sending (half-close) are still answered; clients that are gone cost a debug
/// line, never an error or an access-log line, and the app's iterable is still closed.
/// Each test runs its own server, so the log lines it waits for are its own.
/// </summary>
public sealed class DisconnectTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharpicorn-front").FullName;
    private readonly ServerProcess _server;

    public DisconnectTests()
    {
        _server = ServerProcess.Start(["--threads", "2", "--log-level", "debug", "--access-logfile", AccessLog, "--python", Repo.DebianPython, "front_app:app"]);
    }

    private string AccessLog => Path.Combine(_dir, "access.log");

    [Fact]
    public void HalfClose_AfterRequest_WholeResponseArrives()
    {
        using var c = new RawHttp(_server.Port);
        c.Send("GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        c.ShutdownSend();
        HttpReply r = HttpReply.Parse(c.ReadToClose());
        Assert.Equal(200, r.Status);
        Assert.Equal("11", r.Header("Content-Length"));
        Assert.Equal("x response\n", r.Body);
    }

    [Fact]
    public void HalfClose_BeforeAppResponds_WholeResponseArrives()
    {
        string gate = Path.Combine(_dir, "half");
        using var c = new RawHttp(_server.Port);
        c.Send($"GET /held?{gate} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        c.ShutdownSend();
        WaitForFile(gate + ".entered");
        // Kestrel has seen the FIN before the app writes a byte.
        _server.WaitForLog("received FIN.");
        Assert.Equal(200, RawHttp.Get(_server.Port, $"/open?{gate}").Status);
        string reply = c.ReadToClose();
        Assert.StartsWith("HTTP/1.1 200 OK\r\nContent-Length: 14\r\nConnection: close\r\n", reply, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nheld response\n", reply, StringComparison.Ordinal);
        WaitForFile(gate + ".closed");
        Assert.DoesNotContain("[ERROR]", _server.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public void Reset_BeforeAppResponds_DebugLineOnlyAndIterableClosed()
    {
        string gate = Path.Combine(_dir, "reset");
        using (Socket s = Connect())
        {
            s.Send(Encoding.ASCII.GetBytes($"GET /held?{gate} HTTP/1.1\r\nHost: x\r\n\r\n"));
            WaitForFile(gate + ".entered");
            Reset(s);
        }
        _server.WaitForLog("\" reset.");
        Assert.Equal(200, RawHttp.Get(_server.Port, $"/open?{gate}").Status);
        WaitForFile(gate + ".closed");
        // Written where the access-log line would have been, so the log is complete after it.
        _server.WaitForLog("[DEBUG] Ignoring EPIPE");
        Assert.DoesNotContain("[ERROR]", _server.ErrorLog, StringComparison.Ordinal);
        string access = File.ReadAllText(AccessLog);
        Assert.Contains("\"GET /open?", access, StringComparison.Ordinal);
        Assert.DoesNotContain("/held?", access, StringComparison.Ordinal);
    }

    [Fact]
    public void Reset_AfterHalfCloseMidStream_DetectedAndIterableClosed()
    {
        string marker = Path.Combine(_dir, "forever.closed");
        using (Socket s = Connect())
        {
            s.Send(Encoding.ASCII.GetBytes($"GET /forever?{marker} HTTP/1.1\r\nHost: x\r\n\r\n"));
            s.Shutdown(SocketShutdown.Send);
            var buf = new byte[16];
            Assert.True(s.Receive(buf) > 0);
            // Still streaming after the FIN: the half-close did not end the response.
            Reset(s);
        }
        WaitForFile(marker);
        _server.WaitForLog("[DEBUG] Ignoring EPIPE");
        Assert.DoesNotContain("[ERROR]", _server.ErrorLog, StringComparison.Ordinal);
        Assert.DoesNotContain("/forever?", File.Exists(AccessLog) ? File.ReadAllText(AccessLog) : "", StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private Socket Connect()
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        s.Connect("127.0.0.1", _server.Port);
        return s;
    }

    /// <summary>Closes with an RST (SO_LINGER 0): the peer is gone in both directions at once.</summary>
    private static void Reset(Socket s) => s.LingerState = new LingerOption(true, 0);

    /// <summary>Waits for a file the app writes as its signal (bounded; the app writes it within milliseconds).</summary>
    private static void WaitForFile(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!File.Exists(path) || new FileInfo(path).Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{path} never appeared");
            Thread.Sleep(10);
        }
    }
}
