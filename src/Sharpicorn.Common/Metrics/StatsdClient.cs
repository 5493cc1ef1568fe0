// Design notes
// ------------
// gunicorn's Statsd logger, without the logger: one datagram socket per process (the arbiter's
// and each worker's), connected once at startup, sending gunicorn's lines (StatsdFormat).
//   - Sending never blocks and never fails a request: the socket is non-blocking, a send that
//     would block or fails is dropped, and the first failure is logged once as a warning (which
//     itself is not counted as gunicorn.log.warning, as gunicorn's own warning is not).
//   - If the address cannot be resolved or connected at startup there is no socket and no
//     metric is sent, as in gunicorn (which sets sock = None); sharpicorn says so once.
//   - The per-request path formats nothing it can precompute: the gunicorn.requests line, the
//     gunicorn.log.* lines and each gunicorn.request.status.<code> line are built once as
//     bytes; only the duration is written per request, into a stack buffer.
//   - A request's three lines (timer, requests, status, gunicorn's order) leave as one
//     datagram, separated by "\n": statsd's multi-metric packet, which statsd, dogstatsd,
//     Telegraf and statsd_exporter all split into lines. gunicorn sends three datagrams; the
//     lines are the same bytes, and one datagram costs a third (a loopback UDP datagram is
//     about 2.7 us of CPU here, three of them 7 us even through one sendmmsg(2), against
//     13 us for a whole hello-world request).
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sharpicorn.Logging;

namespace Sharpicorn.Metrics;

/// <summary>The statsd client behind --statsd-host, --statsd-prefix and --dogstatsd-tags.</summary>
internal sealed class StatsdClient : IDisposable
{
    /// <summary>Status codes cached as ready-made lines: HTTP's three-digit range.</summary>
    private const int StatusCodes = 1000;

    private readonly Socket? _socket;
    private readonly string _prefix;
    private readonly string _tags;
    private readonly Action<string> _warn;
    private readonly byte[] _requests;
    private readonly byte[] _durationHead;
    private readonly byte[] _timerTail;
    private readonly byte[] _critical;
    private readonly byte[] _error;
    private readonly byte[] _warning;
    private readonly byte[] _exception;
    private readonly byte[]?[] _status = new byte[StatusCodes][];
    private int _warned;

    private StatsdClient(Socket? socket, string prefix, string tags, Action<string> warn)
    {
        _socket = socket;
        _prefix = StatsdFormat.Prefix(prefix);
        _tags = tags;
        _warn = warn;
        _requests = Bytes(StatsdFormat.Counter(_prefix, "gunicorn.requests", 1, _tags));
        _critical = Bytes(StatsdFormat.Counter(_prefix, "gunicorn.log.critical", 1, _tags));
        _error = Bytes(StatsdFormat.Counter(_prefix, "gunicorn.log.error", 1, _tags));
        _warning = Bytes(StatsdFormat.Counter(_prefix, "gunicorn.log.warning", 1, _tags));
        _exception = Bytes(StatsdFormat.Counter(_prefix, "gunicorn.log.exception", 1, _tags));
        _durationHead = Bytes(_prefix + "gunicorn.request.duration:");
        _timerTail = Bytes(_tags.Length == 0 ? "|ms" : "|ms|#" + _tags);
    }

    /// <summary>Whether a socket was connected: false means metrics go nowhere (the warning was logged).</summary>
    public bool Connected => _socket is not null;

    /// <summary>Connects to <paramref name="address"/>; a failure leaves a client that sends nothing, after one warning.</summary>
    public static StatsdClient Connect(StatsdAddress address, string prefix, string tags, Action<string> warn)
    {
        Socket? socket = null;
        try
        {
            socket = Open(address);
        }
        catch (Exception e) when (e is SocketException or ArgumentException or IOException)
        {
            warn($"Cannot connect to statsd at {address}: {e.Message}; no metrics will be sent");
        }
        return new StatsdClient(socket, prefix, tags, warn);
    }

    private static Socket? Open(StatsdAddress address)
    {
        if (address.Fd >= 0)
        {
            throw new ArgumentException("gunicorn cannot send statsd metrics to a file descriptor either");
        }
        if (address.UnixPath is string path)
        {
            var unix = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            return ConnectNonBlocking(unix, new UnixDomainSocketEndPoint(path));
        }
        // gunicorn connects an AF_INET socket; an IPv6-only name is served too.
        IPAddress[] addresses = IPAddress.TryParse(address.Host, out IPAddress? literal) ? [literal] : Dns.GetHostAddresses(address.Host!);
        IPAddress ip = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
        var udp = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        return ConnectNonBlocking(udp, new IPEndPoint(ip, address.Port));
    }

    private static Socket ConnectNonBlocking(Socket socket, EndPoint endPoint)
    {
        try
        {
            socket.Connect(endPoint);
            socket.Blocking = false;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>gunicorn's Statsd.access: the request's duration, one more request, and one more of its status.</summary>
    public void Request(int status, TimeSpan duration)
    {
        if (_socket is null)
        {
            return;
        }
        byte[] statusLine = StatusLine(status);
        Span<byte> packet = stackalloc byte[512];
        int size = _durationHead.Length + 32 + _timerTail.Length + 1 + _requests.Length + 1 + statusLine.Length;
        if (size > packet.Length)
        {
            packet = new byte[size];
        }
        _durationHead.CopyTo(packet);
        int n = _durationHead.Length;
        n += StatsdFormat.WritePythonFloat(StatsdFormat.DurationMs(duration), packet[n..]);
        n += Append(packet[n..], _timerTail);
        packet[n++] = (byte)'\n';
        n += Append(packet[n..], _requests);
        packet[n++] = (byte)'\n';
        n += Append(packet[n..], statusLine);
        Send(packet[..n]);
    }

    private static int Append(Span<byte> destination, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination);
        return bytes.Length;
    }

    /// <summary>gunicorn's counters for error-log records at warning and above.</summary>
    public void CountLog(LogLevel level)
    {
        switch (level)
        {
            case LogLevel.Critical:
                Send(_critical);
                break;
            case LogLevel.Error:
                Send(_error);
                break;
            case LogLevel.Warning:
                Send(_warning);
                break;
        }
    }

    /// <summary>gunicorn.log.exception: what gunicorn's log.exception() counts (an error logged with its traceback).</summary>
    public void CountException() => Send(_exception);

    public void Gauge(string name, long value) => Send(StatsdFormat.Gauge(_prefix, name, value, _tags));

    public void Increment(string name, long value) => Send(StatsdFormat.Counter(_prefix, name, value, _tags));

    public void Histogram(string name, long value) => Send(StatsdFormat.Histogram(_prefix, name, value, _tags));

    public void Timer(string name, double milliseconds) => Send(StatsdFormat.Timer(_prefix, name, milliseconds, _tags));

    private byte[] StatusLine(int status)
    {
        if ((uint)status >= StatusCodes)
        {
            return Bytes(StatsdFormat.Counter(_prefix, "gunicorn.request.status." + status.ToString(System.Globalization.CultureInfo.InvariantCulture), 1, _tags));
        }
        // Racing threads build the same bytes; either copy is right.
        return _status[status] ??= Bytes(StatsdFormat.Counter(_prefix, "gunicorn.request.status." + status.ToString(System.Globalization.CultureInfo.InvariantCulture), 1, _tags));
    }

    private void Send(string line) => Send(Bytes(line));

    private void Send(ReadOnlySpan<byte> datagram)
    {
        if (_socket is null)
        {
            return;
        }
        SocketError error;
        try
        {
            _socket.Send(datagram, SocketFlags.None, out error);
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        if (error != SocketError.Success && Interlocked.Exchange(ref _warned, 1) == 0)
        {
            _warn($"Error sending message to statsd: {new SocketException((int)error).Message} (further failures are not logged)");
        }
    }

    // gunicorn encodes lines as ASCII (and fails on anything else); UTF-8 sends the same bytes for ASCII.
    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    public void Dispose() => _socket?.Dispose();
}
