using System.Buffers;
using System.Net;
using System.Text;
using Sharpicorn.Http;

namespace Sharpicorn.Tests.Http;

/// <summary>The PROXY header parser on byte sequences split every way a socket may split them.</summary>
public sealed class ProxyHeaderParserTests
{
    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ProxyHeader Parse(byte[] bytes, ProxyProtocolMode mode = ProxyProtocolMode.Auto) => ProxyHeaderParser.Parse(new ReadOnlySequence<byte>(bytes), mode);

    private static ProxyHeader Parse(string latin1, ProxyProtocolMode mode = ProxyProtocolMode.Auto) => Parse(Encoding.Latin1.GetBytes(latin1), mode);

    /// <summary>The same bytes as a chain of one-byte segments, as a trickling client leaves them in the pipe.</summary>
    private static ReadOnlySequence<byte> OneByteSegments(byte[] bytes)
    {
        var first = new Segment(bytes.AsMemory(0, 1), 0);
        Segment last = first;
        for (int i = 1; i < bytes.Length; i++)
        {
            last = last.Append(bytes.AsMemory(i, 1));
        }
        return new ReadOnlySequence<byte>(first, 0, last, 1);
    }

    private static byte[] V2(byte verCmd, byte famProto, byte[] addresses, int extraTlvBytes = 0)
    {
        int length = addresses.Length + extraTlvBytes;
        return [.. Signature, verCmd, famProto, (byte)(length >> 8), (byte)length, .. addresses, .. new byte[extraTlvBytes]];
    }

    private static byte[] Tcp4Addresses => [192, 0, 2, 1, 198, 51, 100, 7, 0x30, 0x39, 0x00, 0x50];

    [Fact]
    public void V1_Tcp4_SourceAndDestination()
    {
        ProxyHeader h = Parse("PROXY TCP4 192.0.2.1 198.51.100.7 12345 80\r\nGET / HTTP/1.1\r\n");
        Assert.Equal(ProxyParseStatus.Valid, h.Status);
        Assert.Equal(1, h.Version);
        Assert.Equal("TCP4", h.Protocol);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 12345), h.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.7"), 80), h.Destination);
        Assert.Equal("PROXY TCP4 192.0.2.1 198.51.100.7 12345 80\r\n".Length, h.Length);
    }

    [Fact]
    public void V1_Tcp6_Source()
    {
        ProxyHeader h = Parse("PROXY TCP6 2001:db8::1 ::1 65535 0\r\n");
        Assert.Equal(ProxyParseStatus.Valid, h.Status);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 65535), h.Source);
    }

    [Fact]
    public void V1_Unknown_ValidWithoutAddresses()
    {
        ProxyHeader bare = Parse("PROXY UNKNOWN\r\n");
        ProxyHeader withJunk = Parse("PROXY UNKNOWN ffff::1 ::1 1 2\r\n");
        Assert.Equal((ProxyParseStatus.Valid, "UNKNOWN", (IPEndPoint?)null), (bare.Status, bare.Protocol, bare.Source));
        Assert.Equal((ProxyParseStatus.Valid, 15), (bare.Status, bare.Length));
        Assert.Equal(ProxyParseStatus.Valid, withJunk.Status);
        Assert.Null(withJunk.Source);
    }

    [Theory]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.7 12345 80\n")] // bare LF
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.7 12345\r\n")] // a field short
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.7 12345 80 9\r\n")] // a field over
    [InlineData("PROXY TCP4  192.0.2.1 198.51.100.7 12345 80\r\n")] // two spaces
    [InlineData("PROXY TCP5 192.0.2.1 198.51.100.7 12345 80\r\n")]
    [InlineData("PROXY tcp4 192.0.2.1 198.51.100.7 12345 80\r\n")]
    [InlineData("PROXY TCP4 ::1 198.51.100.7 12345 80\r\n")] // family mismatch
    [InlineData("PROXY TCP6 192.0.2.1 ::1 12345 80\r\n")]
    [InlineData("PROXY TCP4 192.0.2 198.51.100.7 12345 80\r\n")]
    [InlineData("PROXY TCP4 192.0.2.01 198.51.100.7 12345 80\r\n")] // a leading zero (octal to some parsers)
    [InlineData("PROXY TCP4 192.0.2.256 198.51.100.7 12345 80\r\n")]
    [InlineData("PROXY TCP4 1 198.51.100.7 12345 80\r\n")] // IPAddress.Parse would take it
    [InlineData("PROXY TCP6 fe80::1%eth0 ::1 12345 80\r\n")] // a scope
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.7 65536 80\r\n")]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.7 +1 80\r\n")]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.7 -1 80\r\n")]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.7 080 80\r\n")]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.7 1\t 80\r\n")]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.7 12345 80\x00\r\n")]
    [InlineData("PROXY \r\n")]
    public void V1_Malformed_Invalid(string line)
    {
        ProxyHeader h = Parse(line);
        Assert.Equal((ProxyParseStatus.Invalid, 1), (h.Status, h.Version));
        Assert.StartsWith("Invalid PROXY line: ", h.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void V1_NoLineEndWithin107Bytes_Invalid()
    {
        string line = "PROXY UNKNOWN " + new string('a', 200);
        Assert.Equal(ProxyParseStatus.Invalid, Parse(line).Status);
        // 106 bytes and no CRLF yet: the spec's longest line could still end in the next byte.
        Assert.Equal(ProxyParseStatus.NeedMore, Parse(line[..106]).Status);
        Assert.Equal(ProxyParseStatus.Valid, Parse(line[..105] + "\r\n").Status);
    }

    [Fact]
    public void V1_EveryPrefix_NeedsMoreUntilTheLineEnds()
    {
        byte[] whole = Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.1 198.51.100.7 12345 80\r\n");
        for (int n = 1; n < whole.Length; n++)
        {
            ProxyHeader h = Parse(whole[..n]);
            Assert.Equal(ProxyParseStatus.NeedMore, h.Status);
            // The signature is recognised (so the peer can be checked) from its sixth byte on.
            Assert.Equal(n >= 6 ? 1 : 0, h.Version);
        }
        Assert.Equal(ProxyParseStatus.Valid, Parse(whole).Status);
    }

    [Fact]
    public void V1_OneByteSegments_SameAsContiguous()
    {
        byte[] whole = Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::2 2001:db8::3 1 2\r\nGET");
        ProxyHeader h = ProxyHeaderParser.Parse(OneByteSegments(whole), ProxyProtocolMode.Auto);
        Assert.Equal(ProxyParseStatus.Valid, h.Status);
        Assert.Equal(whole.Length - 3, h.Length);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::2"), 1), h.Source);
    }

    [Fact]
    public void V2_Tcp4WithTlvs_TlvsSkipped()
    {
        byte[] header = V2(0x21, 0x11, Tcp4Addresses, extraTlvBytes: 300);
        ProxyHeader h = Parse([.. header, .. "GET / HTTP/1.1\r\n"u8]);
        Assert.Equal(ProxyParseStatus.Valid, h.Status);
        Assert.Equal((2, "TCP4", header.Length), (h.Version, h.Protocol, h.Length));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 12345), h.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.7"), 80), h.Destination);
    }

    [Fact]
    public void V2_Tcp6_Source()
    {
        byte[] src = IPAddress.Parse("2001:db8::17").GetAddressBytes(), dst = IPAddress.IPv6Loopback.GetAddressBytes();
        ProxyHeader h = Parse(V2(0x21, 0x21, [.. src, .. dst, 0x12, 0x34, 0x00, 0x50]));
        Assert.Equal(ProxyParseStatus.Valid, h.Status);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::17"), 0x1234), h.Source);
    }

    [Fact]
    public void V2_LocalUnspecAndUnix_ValidWithoutSource()
    {
        ProxyHeader local = Parse(V2(0x20, 0x00, []));
        ProxyHeader localWithAddresses = Parse(V2(0x20, 0x11, Tcp4Addresses));
        ProxyHeader unspec = Parse(V2(0x21, 0x00, []));
        ProxyHeader unix = Parse(V2(0x21, 0x31, new byte[216]));
        Assert.Equal(("LOCAL", (IPEndPoint?)null), (local.Protocol, local.Source));
        Assert.Equal(("LOCAL", (IPEndPoint?)null), (localWithAddresses.Protocol, localWithAddresses.Source));
        Assert.Equal(("UNSPEC", (IPEndPoint?)null), (unspec.Protocol, unspec.Source));
        Assert.Equal(("UNIX", (IPEndPoint?)null, 16 + 216), (unix.Protocol, unix.Source, unix.Length));
    }

    [Theory]
    [InlineData(0x11, 0x11, "unsupported version 1")]
    [InlineData(0x31, 0x11, "unsupported version 3")]
    [InlineData(0x22, 0x11, "unsupported command 2")]
    [InlineData(0x21, 0x12, "only TCP protocol is supported")]
    [InlineData(0x21, 0x41, "unsupported address family 4")]
    [InlineData(0x21, 0x21, "insufficient address data for IPv6")]
    public void V2_Malformed_InvalidWithGunicornsWords(byte verCmd, byte famProto, string error)
    {
        ProxyHeader h = Parse(V2(verCmd, famProto, Tcp4Addresses));
        Assert.Equal((ProxyParseStatus.Invalid, 2), (h.Status, h.Version));
        Assert.Equal("Invalid PROXY header: " + error, h.Error);
    }

    [Fact]
    public void V2_ShortIpv4Block_Invalid()
    {
        Assert.Equal("Invalid PROXY header: insufficient address data for IPv4", Parse(V2(0x21, 0x11, Tcp4Addresses[..11])).Error);
    }

    [Fact]
    public void V2_EveryPrefix_NeedsMore()
    {
        byte[] whole = V2(0x21, 0x11, Tcp4Addresses, extraTlvBytes: 40);
        for (int n = 1; n < whole.Length; n++)
        {
            ProxyHeader h = Parse(whole[..n]);
            Assert.Equal(ProxyParseStatus.NeedMore, h.Status);
            Assert.Equal(n >= 12 ? 2 : 0, h.Version);
        }
        Assert.Equal(ProxyParseStatus.Valid, ProxyHeaderParser.Parse(OneByteSegments(whole), ProxyProtocolMode.V2).Status);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "Invalid PROXY line: 'GET / HTTP/1.1'")]
    [InlineData("PROXX TCP4", "Invalid PROXY line: 'PROXX TCP4'")]
    [InlineData("\r\n\r\nGET", "Invalid PROXY line: ''")]
    [InlineData("it's \"x\"\x01\xe9", "Invalid PROXY line: 'it\\'s \"x\"\\x01\xe9'")]
    public void NoHeader_InvalidWithTheLineRepr(string bytes, string error)
    {
        ProxyHeader h = Parse(bytes);
        Assert.Equal((ProxyParseStatus.Invalid, 0, error), (h.Status, h.Version, h.Error));
    }

    [Fact]
    public void Mode_OtherVersionsHeader_Invalid()
    {
        byte[] v2 = V2(0x21, 0x11, Tcp4Addresses);
        Assert.Equal((ProxyParseStatus.Invalid, 0), (Parse(v2, ProxyProtocolMode.V1).Status, Parse(v2, ProxyProtocolMode.V1).Version));
        Assert.Equal(ProxyParseStatus.Invalid, Parse("PROXY UNKNOWN\r\n", ProxyProtocolMode.V2).Status);
        Assert.Equal(ProxyParseStatus.Valid, Parse(v2, ProxyProtocolMode.V2).Status);
        Assert.Equal(ProxyParseStatus.Valid, Parse("PROXY UNKNOWN\r\n", ProxyProtocolMode.V1).Status);
    }

    [Fact]
    public void Empty_NeedsMore()
    {
        Assert.Equal(ProxyParseStatus.NeedMore, Parse([]).Status);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
