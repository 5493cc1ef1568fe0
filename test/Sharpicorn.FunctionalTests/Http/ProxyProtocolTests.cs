using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>--proxy-protocol with raw headers: who REMOTE_ADDR is, and what is never served.</summary>
public sealed class ProxyProtocolTests(ProxyProtocolFixture fx) : IClassFixture<ProxyProtocolFixture>
{
    private const string EnvironRequest = "GET /environ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";

    private static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static byte[] V2(byte verCmd, byte famProto, byte[] addresses, int tlvBytes = 0)
    {
        int length = addresses.Length + tlvBytes;
        // TLVs: one PP2_TYPE_NOOP (0x04) spanning the rest, as haproxy pads.
        byte[] tlv = tlvBytes == 0 ? [] : [0x04, (byte)((tlvBytes - 3) >> 8), (byte)(tlvBytes - 3), .. new byte[tlvBytes - 3]];
        return [.. V2Signature, verCmd, famProto, (byte)(length >> 8), (byte)length, .. addresses, .. tlv];
    }

    private static string Send(EndPoint server, params byte[][] pieces)
    {
        using var c = new RawHttp(server);
        foreach (byte[] p in pieces)
        {
            c.Send(p);
        }
        return c.ReadToClose();
    }

    private static JsonElement Environ(string raw)
    {
        HttpReply r = HttpReply.Parse(raw);
        Assert.True(r.Status == 200, raw);
        return JsonDocument.Parse(r.Body).RootElement;
    }

    private static byte[] Ascii(string s) => Encoding.Latin1.GetBytes(s);

    private EndPoint Auto => new IPEndPoint(IPAddress.Loopback, fx.Auto.Port);

    private EndPoint V1Tcp => new IPEndPoint(IPAddress.Loopback, fx.V1.Port);

    [Fact]
    public void V1_Tcp4_RemoteAddrAndPortFromHeader()
    {
        JsonElement e = Environ(Send(Auto, Ascii("PROXY TCP4 192.0.2.1 198.51.100.7 12345 80\r\n" + EnvironRequest)));
        Assert.Equal("192.0.2.1", e.GetProperty("REMOTE_ADDR").GetString());
        Assert.Equal("12345", e.GetProperty("REMOTE_PORT").GetString());
        // gunicorn's proxy_environ keys.
        Assert.Equal("TCP4", e.GetProperty("PROXY_PROTOCOL").GetString());
        Assert.Equal("198.51.100.7", e.GetProperty("PROXY_ADDR").GetString());
        Assert.Equal("80", e.GetProperty("PROXY_PORT").GetString());
        // The access log's %(h)s is the client the header names, too.
        Assert.Contains("192.0.2.1 - - [", LogFile.WaitFor(fx.AccessLog, "192.0.2.1 - - ["), StringComparison.Ordinal);
    }

    [Fact]
    public void V2_Tcp6WithTlvs_RemoteAddrFromHeader()
    {
        byte[] addresses = [.. IPAddress.Parse("2001:db8::17").GetAddressBytes(), .. IPAddress.IPv6Loopback.GetAddressBytes(), 0xC3, 0x50, 0x00, 0x50];
        JsonElement e = Environ(Send(Auto, [.. V2(0x21, 0x21, addresses, tlvBytes: 200), .. Ascii(EnvironRequest)]));
        Assert.Equal("2001:db8::17", e.GetProperty("REMOTE_ADDR").GetString());
        Assert.Equal("50000", e.GetProperty("REMOTE_PORT").GetString());
    }

    [Fact]
    public void V2_Local_SocketAddressStands()
    {
        JsonElement e = Environ(Send(Auto, [.. V2(0x20, 0x00, []), .. Ascii(EnvironRequest)]));
        Assert.Equal("127.0.0.1", e.GetProperty("REMOTE_ADDR").GetString());
        Assert.Equal("LOCAL", e.GetProperty("PROXY_PROTOCOL").GetString());
        Assert.False(e.TryGetProperty("PROXY_ADDR", out _));
    }

    [Fact]
    public void V1_Unknown_SocketAddressStands()
    {
        JsonElement e = Environ(Send(Auto, Ascii("PROXY UNKNOWN\r\n" + EnvironRequest)));
        Assert.Equal("127.0.0.1", e.GetProperty("REMOTE_ADDR").GetString());
    }

    [Fact]
    public void V1_TrickledByteByByte_Served()
    {
        byte[] header = Ascii("PROXY TCP4 192.0.2.2 198.51.100.7 4242 80\r\n");
        // One send per byte on a NoDelay socket: the server sees the header arrive in pieces.
        string raw = Send(Auto, [.. header.Select(b => new[] { b }), Ascii(EnvironRequest)]);
        Assert.Equal("192.0.2.2", Environ(raw).GetProperty("REMOTE_ADDR").GetString());
    }

    [Fact]
    public void V2_HeaderSplitFromRequest_Served()
    {
        byte[] header = V2(0x21, 0x11, [192, 0, 2, 3, 198, 51, 100, 7, 0x10, 0x00, 0x00, 0x50], tlvBytes: 10);
        using var c = new RawHttp(Auto);
        c.Send(header.AsSpan(0, 7));
        c.Send(header.AsSpan(7));
        c.Send(EnvironRequest);
        Assert.Equal("192.0.2.3", Environ(c.ReadToClose()).GetProperty("REMOTE_ADDR").GetString());
    }

    [Fact]
    public void V1_KeepAliveAndPipelined_EveryRequestSeesTheHeader()
    {
        using var c = new RawHttp(Auto);
        // The header and two requests in one segment: the bytes after the header reach Kestrel as they were.
        c.Send("PROXY TCP4 192.0.2.4 198.51.100.7 1000 80\r\nGET /environ HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
        HttpReply first = c.ReadResponse();
        HttpReply second = c.ReadResponse();
        c.Send(EnvironRequest);
        HttpReply third = c.ReadResponse();
        Assert.Equal("192.0.2.4", JsonDocument.Parse(first.Body).RootElement.GetProperty("REMOTE_ADDR").GetString());
        Assert.Equal("hello", second.Body);
        Assert.Equal("192.0.2.4", JsonDocument.Parse(third.Body).RootElement.GetProperty("REMOTE_ADDR").GetString());
    }

    [Fact]
    public void NoHeader_400NeverServed()
    {
        // gunicorn (20.1, and 26 in "auto") serves a connection without a header as plain HTTP,
        // with the socket's address: its bug. The PROXY spec forbids guessing.
        string raw = Send(Auto, Ascii("GET /environ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
        HttpReply r = HttpReply.Parse(raw);
        Assert.Equal(400, r.Status);
        Assert.Equal("close", r.Header("Connection"));
        Assert.Contains("Invalid PROXY line: ", r.Body, StringComparison.Ordinal);
        Assert.Contains("GET /environ HTTP/1.1", r.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("REMOTE_ADDR", raw, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.7 99999 80\r\n")]
    [InlineData("PROXY TCP4 garbage\r\n")]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.7 1 80\n")]
    [InlineData("\r\n\r\n\0\r\nQUIT\n\x13\x11")] // v2 with version 1
    public void BadHeader_SmuggledRequestNeverAnswered(string header)
    {
        string raw = Send(Auto, Ascii(header + "GET /environ HTTP/1.1\r\nHost: t\r\n\r\nGET /environ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
        Assert.Equal(400, HttpReply.Parse(raw).Status);
        Assert.Single(raw.Split("HTTP/1.1 ").Skip(1));
        Assert.DoesNotContain("REMOTE_ADDR", raw, StringComparison.Ordinal);
    }

    [Fact]
    public void DisallowedPeer_403AsGunicorn()
    {
        string raw = Send(V1Tcp, Ascii("PROXY TCP4 192.0.2.1 198.51.100.7 12345 80\r\n" + EnvironRequest));
        HttpReply r = HttpReply.Parse(raw);
        Assert.Equal("HTTP/1.1 403 Forbidden", r.StatusLine);
        Assert.Contains("Request forbidden", r.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("REMOTE_ADDR", raw, StringComparison.Ordinal);
    }

    [Fact]
    public void DisallowedPeer_NoHeader_400()
    {
        Assert.Equal(400, HttpReply.Parse(Send(V1Tcp, Ascii(EnvironRequest))).Status);
    }

    [Fact]
    public void UnixSocketPeer_AlwaysAllowed()
    {
        JsonElement e = Environ(Send(new UnixDomainSocketEndPoint(fx.UnixSocket), Ascii("PROXY TCP6 2001:db8::9 ::1 443 8000\r\n" + EnvironRequest)));
        Assert.Equal("2001:db8::9", e.GetProperty("REMOTE_ADDR").GetString());
        Assert.Equal("443", e.GetProperty("REMOTE_PORT").GetString());
    }

    [Fact]
    public void ModeV1_V2Header_400()
    {
        byte[] header = V2(0x21, 0x11, [192, 0, 2, 3, 198, 51, 100, 7, 0x10, 0x00, 0x00, 0x50]);
        string raw = Send(new UnixDomainSocketEndPoint(fx.UnixSocket), [.. header, .. Ascii(EnvironRequest)]);
        Assert.Equal(400, HttpReply.Parse(raw).Status);
        Assert.DoesNotContain("REMOTE_ADDR", raw, StringComparison.Ordinal);
    }
}
