using System.Net;
using Microsoft.Extensions.Primitives;
using Sharpicorn.Http;

namespace Sharpicorn.Tests.Http;

/// <summary>Which client X-Forwarded-For and Forwarded (RFC 7239) name, for which peers.</summary>
public sealed class ForwardedClientTests
{
    private static readonly AddressAllowList Proxies = new("127.0.0.1,::1,10.0.0.0/8", "forwarded_allow_ips");

    private static string? Xff(StringValues header, string? peer = "10.0.0.1") =>
        new ForwardedClient(Proxies, rfc7239: false).Client(header, peer is null ? null : IPAddress.Parse(peer))?.ToString();

    private static string? Fwd(StringValues header, string? peer = "10.0.0.1") =>
        new ForwardedClient(Proxies, rfc7239: true).Client(header, peer is null ? null : IPAddress.Parse(peer))?.ToString();

    [Theory]
    [InlineData("203.0.113.9", "203.0.113.9:0")]
    [InlineData("203.0.113.9, 10.0.0.2", "203.0.113.9:0")] // our own proxies are skipped
    [InlineData("198.51.100.1, 203.0.113.9, 10.0.0.2, 10.0.0.3", "203.0.113.9:0")] // the rightmost untrusted, not the client's claim
    [InlineData("10.0.0.5, 10.0.0.2", "10.0.0.5:0")] // all trusted: the leftmost
    [InlineData(" 203.0.113.9 ,\t10.0.0.2 ", "203.0.113.9:0")]
    [InlineData("2001:db8::1", "[2001:db8::1]:0")]
    [InlineData("[2001:db8::1]:4711", "[2001:db8::1]:4711")]
    [InlineData("203.0.113.9:8080", "203.0.113.9:8080")]
    [InlineData("::ffff:10.0.0.9, 203.0.113.9", "203.0.113.9:0")]
    public void XForwardedFor_TrustedPeer_RightmostUntrusted(string header, string expected)
    {
        Assert.Equal(expected, Xff(header));
    }

    [Theory]
    [InlineData("unknown, 10.0.0.2")] // a hop that is not an address ends the walk
    [InlineData("203.0.113.9, garbage")]
    [InlineData("203.0.113.9, , 10.0.0.2")]
    [InlineData("1")] // IPAddress.Parse reads it as 0.0.0.1
    [InlineData("010.0.0.1")] // and this as octal
    [InlineData("0x7f.1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("203.0.113.9:99999")]
    [InlineData("203.0.113.9:+80")]
    [InlineData("[203.0.113.9]")]
    [InlineData("[2001:db8::1")]
    [InlineData("")]
    public void XForwardedFor_NoUsableHop_PeerKept(string header)
    {
        Assert.Null(Xff(header));
    }

    [Fact]
    public void XForwardedFor_RepeatedLines_JoinedInOrder()
    {
        Assert.Equal("198.51.100.4:0", Xff(new StringValues(["203.0.113.9", "198.51.100.4, 10.0.0.2"])));
    }

    [Fact]
    public void XForwardedFor_UntrustedPeer_Ignored()
    {
        Assert.Null(Xff("203.0.113.9", peer: "192.0.2.50"));
    }

    [Fact]
    public void XForwardedFor_UnixSocketPeer_Trusted()
    {
        Assert.Equal("203.0.113.9:0", Xff("203.0.113.9", peer: null));
    }

    [Fact]
    public void XForwardedFor_StarTrustsEverything_Leftmost()
    {
        var client = new ForwardedClient(new AddressAllowList("*", "forwarded_allow_ips"), rfc7239: false);
        Assert.Equal("198.51.100.1:0", client.Client("198.51.100.1, 203.0.113.9", IPAddress.Parse("192.0.2.50"))?.ToString());
    }

    [Theory]
    [InlineData("for=192.0.2.43", "192.0.2.43:0")]
    [InlineData("For=\"[2001:db8:cafe::17]:4711\"", "[2001:db8:cafe::17]:4711")]
    [InlineData("for=\"[2001:db8:cafe::17]\"", "[2001:db8:cafe::17]:0")]
    [InlineData("for=192.0.2.60;proto=http;by=203.0.113.43", "192.0.2.60:0")]
    [InlineData("proto=https;for=192.0.2.60", "192.0.2.60:0")]
    [InlineData("for=192.0.2.43, for=198.51.100.17", "198.51.100.17:0")]
    [InlineData("for=192.0.2.43, for=198.51.100.17;by=10.0.0.1, for=10.0.0.2", "198.51.100.17:0")]
    [InlineData("for=\"192.0.2.43:47011\"", "192.0.2.43:47011")]
    [InlineData("for=192.0.2.43:47011", "192.0.2.43:47011")] // unquoted, a common mistake
    [InlineData("for=\"192.0.2.43:_abc\"", "192.0.2.43:0")] // an obfuscated port
    [InlineData("for=\"\\[2001:db8::1\\]:80\"", "[2001:db8::1]:80")] // quoted-pair escapes undone
    [InlineData("for=192.0.2.43;host=\"a,b;c\", for=10.0.0.2", "192.0.2.43:0")] // separators inside a quoted value
    [InlineData(" for=192.0.2.43 ;proto=http , ,for=10.0.0.2", "192.0.2.43:0")]
    [InlineData("for=10.0.0.5, for=10.0.0.2", "10.0.0.5:0")]
    public void Forwarded_TrustedPeer_RightmostUntrusted(string header, string expected)
    {
        Assert.Equal(expected, Fwd(header));
    }

    [Theory]
    [InlineData("for=unknown")]
    [InlineData("for=_hidden")]
    [InlineData("for=192.0.2.43, for=unknown")]
    [InlineData("for=192.0.2.43, proto=https")] // the newest hop does not say who it got it from
    [InlineData("for=\"2001:db8::1\"")] // RFC 7239 6.1: IPv6 must be bracketed
    [InlineData("for=192.0.2.43;for=198.51.100.1")] // a parameter twice in one element
    [InlineData("for=\"192.0.2.43")] // unterminated
    [InlineData("for=")]
    [InlineData("=192.0.2.43")]
    [InlineData("for 192.0.2.43")]
    [InlineData("for=192.0.2.43 x=1")]
    [InlineData("for=\"192.0.2.43\"x")]
    public void Forwarded_NoUsableHop_PeerKept(string header)
    {
        Assert.Null(Fwd(header));
    }

    [Fact]
    public void Forwarded_UntrustedPeer_Ignored()
    {
        Assert.Null(Fwd("for=203.0.113.9", peer: "192.0.2.50"));
    }

    [Fact]
    public void Forwarded_RepeatedLines_JoinedInOrder()
    {
        Assert.Equal("198.51.100.4:0", Fwd(new StringValues(["for=203.0.113.9", "for=198.51.100.4, for=10.0.0.2"])));
    }
}
