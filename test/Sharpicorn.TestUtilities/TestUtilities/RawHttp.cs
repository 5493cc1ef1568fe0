using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sharpicorn.Tests.TestUtilities;

/// <summary>
/// Raw bytes over a real socket: tests assert on exactly what goes over the wire. Every read is
/// bounded; a server that does not answer fails the test with a timeout and its error log.
/// </summary>
public sealed class RawHttp : IDisposable
{
    private readonly Socket _socket;
    private readonly List<byte> _buffer = [];
    private readonly int _port;

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/>.</summary>
    public RawHttp(int port)
        : this(new IPEndPoint(IPAddress.Loopback, port))
    {
    }

    /// <summary>Connects to any endpoint: IPv6, or a unix socket.</summary>
    public RawHttp(EndPoint endPoint)
    {
        _port = endPoint is IPEndPoint ip ? ip.Port : 0;
        _socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.ReceiveTimeout = (int)ServerProcess.Patience.TotalMilliseconds;
        _socket.SendTimeout = (int)ServerProcess.Patience.TotalMilliseconds;
        try
        {
            _socket.Connect(endPoint);
        }
        catch (SocketException e)
        {
            _socket.Dispose();
            throw new IOException($"cannot connect to {endPoint}: {e.Message}{ServerProcess.DescribeServerOn(_port)}", e);
        }
    }

    /// <summary>Sends one request and returns everything until the server closes (the request should say Connection: close).</summary>
    public static string Exchange(int port, string request) => Exchange(new IPEndPoint(IPAddress.Loopback, port), request);

    /// <inheritdoc cref="Exchange(int, string)"/>
    public static string Exchange(EndPoint endPoint, string request)
    {
        using var c = new RawHttp(endPoint);
        c.Send(request);
        return c.ReadToClose();
    }

    /// <summary>One GET on its own connection; a connection closed without a response fails with the server's log.</summary>
    public static HttpReply Get(int port, string target, string extraHeaders = "")
    {
        string raw = Exchange(port, $"GET {target} HTTP/1.1\r\nHost: test\r\n{extraHeaders}Connection: close\r\n\r\n");
        if (!raw.Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            throw new IOException($"GET {target}: the connection closed without a complete response (got {raw.Length} bytes: {raw}){ServerProcess.DescribeServerOn(port)}");
        }
        return HttpReply.Parse(raw);
    }

    public void Send(string latin1) => Send(Encoding.Latin1.GetBytes(latin1));

    public void Send(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int n;
            try
            {
                n = _socket.Send(bytes);
            }
            catch (SocketException e) when (IsTimeout(e))
            {
                throw new TimeoutException($"the server read nothing for {ServerProcess.Patience.TotalSeconds} s{ServerProcess.DescribeServerOn(_port)}", e);
            }
            bytes = bytes[n..];
        }
    }

    /// <summary>One receive, bounded by <see cref="ServerProcess.Patience"/>; a timeout fails with the server's log.</summary>
    private int Receive(byte[] buf)
    {
        try
        {
            return _socket.Receive(buf);
        }
        catch (SocketException e) when (IsTimeout(e))
        {
            string got = Encoding.Latin1.GetString([.. _buffer]);
            throw new TimeoutException($"no answer for {ServerProcess.Patience.TotalSeconds} s; got so far: {got}{ServerProcess.DescribeServerOn(_port)}", e);
        }
    }

    private static bool IsTimeout(SocketException e) => e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock;

    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    public string ReadToClose()
    {
        var buf = new byte[65536];
        while (true)
        {
            int n;
            try
            {
                n = Receive(buf);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                break;
            }
            if (n == 0)
            {
                break;
            }
            _buffer.AddRange(buf.AsSpan(0, n));
        }
        string s = Encoding.Latin1.GetString([.. _buffer]);
        _buffer.Clear();
        return s;
    }

    /// <summary>Reads until <paramref name="marker"/> has arrived; returns everything read so far and keeps nothing.</summary>
    public string ReadUntil(string marker)
    {
        var buf = new byte[65536];
        while (!Encoding.Latin1.GetString([.. _buffer]).Contains(marker, StringComparison.Ordinal))
        {
            int n = Receive(buf);
            if (n == 0)
            {
                throw new IOException($"connection closed before '{marker}' arrived; got: {Encoding.Latin1.GetString([.. _buffer])}{ServerProcess.DescribeServerOn(_port)}");
            }
            _buffer.AddRange(buf.AsSpan(0, n));
        }
        string s = Encoding.Latin1.GetString([.. _buffer]);
        _buffer.Clear();
        return s;
    }

    /// <summary>Reads exactly one response (Content-Length or chunked framing) from a kept-alive connection.</summary>
    public HttpReply ReadResponse()
    {
        string head = ReadUntil("\r\n\r\n");
        int end = head.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        string rest = head[end..];
        HttpReply partial = HttpReply.Parse(head[..end]);
        string body;
        if (partial.Header("Content-Length") is string cl)
        {
            int need = int.Parse(cl, System.Globalization.CultureInfo.InvariantCulture);
            var sb = new StringBuilder(rest);
            while (sb.Length < need)
            {
                var buf = new byte[65536];
                int n = Receive(buf);
                if (n == 0)
                {
                    throw new IOException($"connection closed after {sb.Length} of {need} body bytes{ServerProcess.DescribeServerOn(_port)}");
                }
                sb.Append(Encoding.Latin1.GetString(buf, 0, n));
            }
            body = sb.ToString(0, need);
            _buffer.AddRange(Encoding.Latin1.GetBytes(sb.ToString()[need..]));
        }
        else if (partial.Header("Transfer-Encoding") == "chunked")
        {
            _buffer.AddRange(Encoding.Latin1.GetBytes(rest));
            string raw = ReadUntil("0\r\n\r\n");
            body = HttpReply.Dechunk(raw);
        }
        else
        {
            _buffer.AddRange(Encoding.Latin1.GetBytes(rest));
            body = ReadToClose();
        }
        return partial with { Body = body };
    }

    public void Dispose() => _socket.Dispose();
}
