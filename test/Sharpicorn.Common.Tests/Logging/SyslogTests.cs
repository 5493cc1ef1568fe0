using System.Net;
using System.Net.Sockets;
using System.Text;
using Sharpicorn.Logging;

namespace Sharpicorn.Tests.Logging;

/// <summary>gunicorn's syslog handler, natively: addresses, priorities and the datagrams a listener receives.</summary>
public sealed class SyslogTests
{
    [Theory]
    [InlineData("udp://localhost:514", "Udp", "localhost", 514)]
    [InlineData("udp://LogHost", "Udp", "loghost", 514)]
    [InlineData("udp://", "Udp", "localhost", 514)]
    [InlineData("tcp://10.0.0.1:601", "Tcp", "10.0.0.1", 601)]
    [InlineData("udp://[::1]:5514", "Udp", "::1", 5514)]
    public void Parse_NetworkAddress_GunicornsHostAndPort(string text, string transport, string host, int port)
    {
        SyslogAddress a = SyslogAddress.Parse(text);
        Assert.Equal(transport, a.Transport.ToString());
        Assert.Equal(host, a.Host);
        Assert.Equal(port, a.Port);
    }

    [Fact]
    public void Parse_Unix_PathAndSocketType()
    {
        Assert.Equal(new SyslogAddress(SyslogTransport.Unix, "", 0, "/dev/log", false), SyslogAddress.Parse("unix:///dev/log"));
        Assert.Equal(new SyslogAddress(SyslogTransport.Unix, "", 0, "/run/s", true), SyslogAddress.Parse("unix:///run/s#dgram"));
        Assert.Equal(new SyslogAddress(SyslogTransport.Unix, "", 0, "/run/s", false), SyslogAddress.Parse("unix:///run/s#stream"));
    }

    [Theory]
    [InlineData("syslog://x", "invalid syslog address")]
    [InlineData("udp://host:port", "'port' is not a valid port number.")]
    public void Parse_Bad_GunicornsMessage(string text, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => SyslogAddress.Parse(text)).Message);

    [Fact]
    public void Create_UnknownFacility_GunicornsMessage() =>
        Assert.Equal("unknown facility name", Assert.Throws<FormatException>(() => SyslogSink.Create("udp://127.0.0.1:9", "nope", null, "app:app", "error")).Message);

    [Fact]
    public void Format_PrefixFromProcName_GunicornsBytes()
    {
        using SyslogSink sink = SyslogSink.Create("udp://127.0.0.1:9", "LOCAL0", null, "myapp:app", "error");
        string pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // local0 (16) * 8 + error (3); proc_name's ':' becomes '.', and a NUL ends the record.
        Assert.Equal($"<131>gunicorn.myapp.app.error: [{pid}] boom\0", Encoding.UTF8.GetString(sink.Format(LogLevel.Error, "boom")));
        Assert.Equal($"<135>gunicorn.myapp.app.error: [{pid}] d\0", Encoding.UTF8.GetString(sink.Format(LogLevel.Debug, "d")));
        Assert.Equal($"<130>gunicorn.myapp.app.error: [{pid}] c\0", Encoding.UTF8.GetString(sink.Format(LogLevel.Critical, "c")));
    }

    [Fact]
    public void ErrorLog_Udp_LinesAtLevelReachTheListener()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        using (var log = new ErrorLog(Path.Combine(Path.GetTempPath(), $"syslog-{Guid.NewGuid():N}.log"), LogLevel.Info))
        {
            log.Syslog = SyslogSink.Create($"udp://127.0.0.1:{port}", "user", "web", "app:app", "error");
            log.Debug("not at this level");
            log.Warning("careful");
            log.Info("hello");
        }
        string pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"<12>gunicorn.web.error: [{pid}] careful\0", Receive(listener));
        Assert.Equal($"<14>gunicorn.web.error: [{pid}] hello\0", Receive(listener));
    }

    [Fact]
    public void AccessLog_UnixDatagram_NoFile_LineGoesToSyslogOnly()
    {
        string path = Path.Combine(Path.GetTempPath(), $"syslog-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            using (var access = new AccessLog(null, "%(m)s %(U)s %(s)s"))
            {
                access.Syslog = SyslogSink.Create("unix://" + path, "daemon", null, "svc", "access");
                access.Write(new AccessLogEntry { Method = "GET", Path = "/x", Status = 204 });
            }
            string pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal($"<30>gunicorn.svc.access: [{pid}] GET /x 204\0", Receive(listener));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ErrorLog_Tcp_RecordsNulTerminatedOnOneStream()
    {
        var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        try
        {
            int port = ((IPEndPoint)server.LocalEndpoint).Port;
            using (var log = new ErrorLog(Path.Combine(Path.GetTempPath(), $"syslog-{Guid.NewGuid():N}.log"), LogLevel.Info))
            {
                log.Syslog = SyslogSink.Create($"tcp://127.0.0.1:{port}", "user", "web", "app:app", "error");
                log.Error("one");
                log.Info("two");
            }
            using TcpClient client = server.AcceptTcpClient();
            using var reader = new StreamReader(client.GetStream(), Encoding.UTF8);
            string pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            // SysLogHandler frames nothing on TCP but the NUL after each record; the log closed the stream.
            Assert.Equal($"<11>gunicorn.web.error: [{pid}] one\0<14>gunicorn.web.error: [{pid}] two\0", reader.ReadToEnd());
        }
        finally
        {
            server.Stop();
        }
    }

    private static string Receive(Socket listener)
    {
        Assert.True(listener.Poll(TimeSpan.FromSeconds(30), SelectMode.SelectRead), "no syslog datagram arrived");
        byte[] buf = new byte[8192];
        int n = listener.Receive(buf);
        return Encoding.UTF8.GetString(buf, 0, n);
    }
}
