using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sharpicorn.Configuration;

namespace Sharpicorn.Http;

/// <summary>
/// The PROXY protocol header (haproxy's proxy-protocol.txt, versions 1 and 2), read from a
/// connection's first bytes however they were split. Pure: the caller reads, this decides.
/// </summary>
internal static class ProxyHeaderParser
{
    /// <summary>v1's longest line, CRLF included (the spec's 107 bytes).</summary>
    public const int V1MaxLength = 107;

    /// <summary>v2's fixed part: signature, version and command, family and transport, length.</summary>
    private const int V2FixedLength = 16;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    public static ProxyHeader Parse(ReadOnlySequence<byte> buffer, ProxyProtocolMode mode)
    {
        if (buffer.IsEmpty)
        {
            return ProxyHeader.NeedMore(0);
        }
        // Everything either version needs to look at fits in v1's longest line (v2: 16 + 36
        // bytes of TCP6 addresses); a v2 header's TLVs are skipped by length, never copied.
        Span<byte> head = stackalloc byte[V1MaxLength];
        head = head[..(int)Math.Min(buffer.Length, V1MaxLength)];
        buffer.Slice(0, head.Length).CopyTo(head);

        if (mode is ProxyProtocolMode.V2 or ProxyProtocolMode.Auto && StartsLike(head, V2Signature))
        {
            return head.Length < V2Signature.Length ? ProxyHeader.NeedMore(0) : ParseV2(head, buffer.Length);
        }
        if (mode is ProxyProtocolMode.V1 or ProxyProtocolMode.Auto && StartsLike(head, V1Prefix))
        {
            return head.Length < V1Prefix.Length ? ProxyHeader.NeedMore(0) : ParseV1(head, buffer.Length);
        }
        // The spec forbids guessing: whatever this is, it is not served.
        return ProxyHeader.Invalid(0, "Invalid PROXY line: " + Repr(FirstLine(head)));
    }

    /// <summary>True when what arrived so far agrees with <paramref name="signature"/> (which may be longer).</summary>
    private static bool StartsLike(ReadOnlySpan<byte> head, ReadOnlySpan<byte> signature)
    {
        int n = Math.Min(head.Length, signature.Length);
        return n > 0 && head[..n].SequenceEqual(signature[..n]);
    }

    private static ProxyHeader ParseV1(ReadOnlySpan<byte> head, long available)
    {
        int lf = head.IndexOf((byte)'\n');
        if (lf < 0)
        {
            return available >= V1MaxLength
                ? ProxyHeader.Invalid(1, "Invalid PROXY line: " + Repr(head))
                : ProxyHeader.NeedMore(1);
        }
        ReadOnlySpan<byte> line = head[..lf];
        if (line.IsEmpty || line[^1] != '\r' || line[..^1].IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) >= 0)
        {
            return ProxyHeader.Invalid(1, "Invalid PROXY line: " + Repr(line));
        }
        line = line[..^1];
        string text = Encoding.ASCII.GetString(line);
        var invalid = ProxyHeader.Invalid(1, "Invalid PROXY line: " + Repr(line));
        string[] bits = text.Split(' ');
        if (bits.Length >= 2 && bits[1] == "UNKNOWN")
        {
            // The sender could not tell (or would not say): the receiver ignores the rest of the line.
            return new ProxyHeader(ProxyParseStatus.Valid, 1, lf + 1, "UNKNOWN");
        }
        if (bits.Length != 6 || bits[1] is not ("TCP4" or "TCP6"))
        {
            return invalid;
        }
        AddressFamily family = bits[1] == "TCP4" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        if (!TryAddress(bits[2], family, out IPAddress? source) || !TryAddress(bits[3], family, out IPAddress? destination)
            || !TryPort(bits[4], out int sourcePort) || !TryPort(bits[5], out int destinationPort))
        {
            return invalid;
        }
        return new ProxyHeader(ProxyParseStatus.Valid, 1, lf + 1, bits[1], new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
    }

    private static ProxyHeader ParseV2(ReadOnlySpan<byte> head, long available)
    {
        if (head.Length < V2FixedLength)
        {
            return ProxyHeader.NeedMore(2);
        }
        int version = head[12] >> 4, command = head[12] & 0x0F;
        if (version != 2)
        {
            return ProxyHeader.Invalid(2, $"Invalid PROXY header: unsupported version {version}");
        }
        if (command > 1)
        {
            return ProxyHeader.Invalid(2, $"Invalid PROXY header: unsupported command {command}");
        }
        int length = V2FixedLength + BinaryPrimitives.ReadUInt16BigEndian(head[14..]);
        if (available < length)
        {
            return ProxyHeader.NeedMore(2);
        }
        if (command == 0)
        {
            // LOCAL: the proxy's own connection (a health check); the real endpoints stand.
            return new ProxyHeader(ProxyParseStatus.Valid, 2, length, "LOCAL");
        }
        int family = head[13] >> 4, transport = head[13] & 0x0F;
        if (family == 0)
        {
            // UNSPEC: the spec lets the receiver accept it with the real endpoints.
            return new ProxyHeader(ProxyParseStatus.Valid, 2, length, "UNSPEC");
        }
        if (transport != 1)
        {
            return ProxyHeader.Invalid(2, "Invalid PROXY header: only TCP protocol is supported");
        }
        ReadOnlySpan<byte> addresses = head[V2FixedLength..];
        switch (family)
        {
            case 1 when length >= V2FixedLength + 12:
                return new ProxyHeader(ProxyParseStatus.Valid, 2, length, "TCP4",
                    new IPEndPoint(new IPAddress(addresses[..4]), BinaryPrimitives.ReadUInt16BigEndian(addresses[8..])),
                    new IPEndPoint(new IPAddress(addresses[4..8]), BinaryPrimitives.ReadUInt16BigEndian(addresses[10..])));
            case 1:
                return ProxyHeader.Invalid(2, "Invalid PROXY header: insufficient address data for IPv4");
            case 2 when length >= V2FixedLength + 36:
                return new ProxyHeader(ProxyParseStatus.Valid, 2, length, "TCP6",
                    new IPEndPoint(new IPAddress(addresses[..16]), BinaryPrimitives.ReadUInt16BigEndian(addresses[32..])),
                    new IPEndPoint(new IPAddress(addresses[16..32]), BinaryPrimitives.ReadUInt16BigEndian(addresses[34..])));
            case 2:
                return ProxyHeader.Invalid(2, "Invalid PROXY header: insufficient address data for IPv6");
            case 3:
                // AF_UNIX: paths, not addresses a WSGI environ can hold; the real endpoints stand.
                return new ProxyHeader(ProxyParseStatus.Valid, 2, length, "UNIX");
            default:
                return ProxyHeader.Invalid(2, $"Invalid PROXY header: unsupported address family {family}");
        }
    }

    /// <summary>An address exactly as the spec writes it: dotted quad without leading zeros, or IPv6 text without a scope or brackets.</summary>
    private static bool TryAddress(string text, AddressFamily family, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (family == AddressFamily.InterNetwork)
        {
            string[] octets = text.Split('.');
            if (octets.Length != 4 || !octets.All(o => TryDecimal(o, 255, out _)))
            {
                return false;
            }
        }
        else if (text.AsSpan().IndexOfAnyExcept("0123456789abcdefABCDEF:.") >= 0 || !text.Contains(':', StringComparison.Ordinal))
        {
            return false;
        }
        return IPAddress.TryParse(text, out address) && address.AddressFamily == family;
    }

    private static bool TryPort(string text, out int port) => TryDecimal(text, 65535, out port);

    /// <summary>1*5DIGIT up to <paramref name="max"/>, without a sign or leading zeros ("0" itself is fine).</summary>
    private static bool TryDecimal(string text, int max, out int value)
    {
        value = 0;
        if (text.Length is 0 or > 5 || (text.Length > 1 && text[0] == '0') || text.AsSpan().IndexOfAnyExceptInRange('0', '9') >= 0)
        {
            return false;
        }
        value = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return value <= max;
    }

    private static ReadOnlySpan<byte> FirstLine(ReadOnlySpan<byte> head)
    {
        int end = head.IndexOfAny((byte)'\r', (byte)'\n');
        return end >= 0 ? head[..end] : head;
    }

    /// <summary>Python's repr() of the bytes decoded as latin-1, as gunicorn's InvalidProxyLine prints its line.</summary>
    public static string Repr(ReadOnlySpan<byte> bytes) => PythonText.Repr(Encoding.Latin1.GetString(bytes));
}
