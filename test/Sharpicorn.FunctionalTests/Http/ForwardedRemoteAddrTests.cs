using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>--forwarded-remote-addr: REMOTE_ADDR from the one header it names, for a trusted peer, one request at a time.</summary>
public sealed class ForwardedRemoteAddrTests
{
    private static JsonElement Environ(HttpReply r) => JsonDocument.Parse(r.Body).RootElement;

    [Fact]
    public void XForwardedFor_KeepAlive_EachRequestItsOwn()
    {
        DirectoryInfo dir = Directory.CreateTempSubdirectory("sharpicorn-fwd-");
        string log = Path.Combine(dir.FullName, "access.log");
        using (var s = ServerProcess.Start(["--forwarded-remote-addr", "--access-logfile", log, "--python", Repo.DebianPython, "wsgi_basic:app"]))
        {
            using var c = new RawHttp(s.Port);
            c.Send("GET /environ HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 198.51.100.1, 203.0.113.9\r\n\r\n");
            JsonElement first = Environ(c.ReadResponse());
            // The header names no client this time: the peer's own address is back.
            c.Send("GET /environ HTTP/1.1\r\nHost: t\r\n\r\n");
            JsonElement second = Environ(c.ReadResponse());
            // The bare flag means X-Forwarded-For: a Forwarded header is the client's own words.
            c.Send("GET /environ HTTP/1.1\r\nHost: t\r\nForwarded: for=192.0.2.77\r\nConnection: close\r\n\r\n");
            JsonElement third = Environ(c.ReadResponse());

            Assert.Equal(("203.0.113.9", "0"), (first.GetProperty("REMOTE_ADDR").GetString(), first.GetProperty("REMOTE_PORT").GetString()));
            Assert.Equal("127.0.0.1", second.GetProperty("REMOTE_ADDR").GetString());
            Assert.NotEqual("0", second.GetProperty("REMOTE_PORT").GetString());
            Assert.Equal("127.0.0.1", third.GetProperty("REMOTE_ADDR").GetString());
            Assert.Contains("203.0.113.9 - - [", LogFile.WaitFor(log, "203.0.113.9 - - ["), StringComparison.Ordinal);
        }
        dir.Delete(recursive: true);
    }

    [Fact]
    public void Forwarded_UntrustedPeerIgnored_TrustedPeerHonoured()
    {
        using var trusted = ServerProcess.Start(["--forwarded-remote-addr", "forwarded", "--python", Repo.DebianPython, "wsgi_basic:app"]);
        using var untrusted = ServerProcess.Start(["--forwarded-remote-addr", "forwarded", "--forwarded-allow-ips", "10.0.0.0/8", "--python", Repo.DebianPython, "wsgi_basic:app"]);
        const string Header = "Forwarded: for=\"[2001:db8::5]:4711\";proto=https\r\nX-Forwarded-For: 192.0.2.1\r\n";
        JsonElement t = Environ(RawHttp.Get(trusted.Port, "/environ", Header));
        JsonElement u = Environ(RawHttp.Get(untrusted.Port, "/environ", Header));
        Assert.Equal(("2001:db8::5", "4711"), (t.GetProperty("REMOTE_ADDR").GetString(), t.GetProperty("REMOTE_PORT").GetString()));
        Assert.Equal("127.0.0.1", u.GetProperty("REMOTE_ADDR").GetString());
    }

    [Fact]
    public void Default_Off_HeaderIgnored()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "wsgi_basic:app"]);
        Assert.Equal("127.0.0.1", Environ(RawHttp.Get(s.Port, "/environ", "X-Forwarded-For: 203.0.113.9\r\n")).GetProperty("REMOTE_ADDR").GetString());
    }
}
