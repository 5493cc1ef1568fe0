// Design notes
// ------------
// gunicorn's syslog handler, natively, so the Python-free master logs to syslog too. gunicorn
// adds a logging.handlers.SysLogHandler to gunicorn.error (and, unless
// --disable-redirect-access-to-syslog, to gunicorn.access) with the format
// "gunicorn.<prefix>.<error|access>: [%(process)d] %(message)s"; SysLogHandler sends
// "<PRI>" + that + "\0" as UTF-8, PRI being facility * 8 + the level's severity (its
// mapPriority: DEBUG 7, INFO 6, WARNING 4, ERROR 3, CRITICAL 2). No RFC 5424 header, no
// timestamp, no framing on TCP but the NUL: exactly those bytes, so a daemon set up for
// gunicorn reads sharpicorn the same.
//   - UDP and unix datagrams never block: one that cannot go now is dropped (Python's would
//     block the logging thread); a unix socket that refuses is reconnected on the next line,
//     as SysLogHandler does, and an absent one at startup is not an error (nor is it there).
//   - TCP is connected at startup; a refused connection is a startup error, as in gunicorn.
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sharpicorn.Logging;

/// <summary>One of gunicorn's syslog handlers: the error log's or the access log's.</summary>
internal sealed class SyslogSink : IDisposable
{
    /// <summary>gunicorn's SYSLOG_FACILITIES (syslog.h's codes).</summary>
    private static readonly Dictionary<string, int> Facilities = new(StringComparer.Ordinal)
    {
        ["auth"] = 4,
        ["authpriv"] = 10,
        ["cron"] = 9,
        ["daemon"] = 3,
        ["ftp"] = 11,
        ["kern"] = 0,
        ["lpr"] = 6,
        ["mail"] = 2,
        ["news"] = 7,
        ["security"] = 4,
        ["syslog"] = 5,
        ["user"] = 1,
        ["uucp"] = 8,
        ["local0"] = 16,
        ["local1"] = 17,
        ["local2"] = 18,
        ["local3"] = 19,
        ["local4"] = 20,
        ["local5"] = 21,
        ["local6"] = 22,
        ["local7"] = 23,
    };

    private readonly Lock _lock = new();
    private readonly SyslogAddress _address;
    private readonly EndPoint _endPoint;
    private readonly int _facility;
    private readonly string _head;
    private Socket? _socket;

    private SyslogSink(SyslogAddress address, EndPoint endPoint, int facility, string head, Socket? socket)
    {
        _address = address;
        _endPoint = endPoint;
        _facility = facility;
        _head = head;
        _socket = socket;
    }

    /// <summary>
    /// The handler for the log <paramref name="name"/> ("error" or "access"). Throws
    /// <see cref="FormatException"/> (a bad address or facility, in gunicorn's words) or
    /// <see cref="IOException"/> (a TCP server that refuses).
    /// </summary>
    public static SyslogSink Create(string address, string facility, string? prefix, string procName, string name)
    {
        SyslogAddress parsed = SyslogAddress.Parse(address);
        int code = Facility(facility);
        // gunicorn: cfg.syslog_prefix or cfg.proc_name.replace(":", ".")
        string program = $"gunicorn.{(string.IsNullOrEmpty(prefix) ? procName.Replace(':', '.') : prefix)}.{name}";
        string head = $": [{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}] ";
        EndPoint endPoint;
        Socket? socket = null;
        try
        {
            switch (parsed.Transport)
            {
                case SyslogTransport.Unix:
                    endPoint = new UnixDomainSocketEndPoint(parsed.Path);
                    socket = TryConnectUnix(parsed, endPoint);
                    break;
                case SyslogTransport.Udp:
                    endPoint = new IPEndPoint(Resolve(parsed.Host), parsed.Port);
                    // Not connected, as SysLogHandler's sendto(): a connected UDP socket would
                    // turn every ICMP "port unreachable" into a failed send (an exception each).
                    socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
                    break;
                default:
                    endPoint = new IPEndPoint(Resolve(parsed.Host), parsed.Port);
                    socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                    socket.Connect(endPoint);
                    break;
            }
        }
        catch (SocketException e)
        {
            socket?.Dispose();
            throw new IOException($"cannot reach syslog at {address}: {e.Message}", e);
        }
        return new SyslogSink(parsed, endPoint, code, program + head, socket);
    }

    /// <summary>gunicorn's facility lookup (lower-cased); an unknown name is its "unknown facility name".</summary>
    public static int Facility(string name) =>
        Facilities.TryGetValue(name.ToLowerInvariant(), out int code) ? code : throw new FormatException("unknown facility name");

    /// <summary>Python's SysLogHandler.mapPriority, as syslog severities.</summary>
    public static int Severity(LogLevel level) => level switch
    {
        LogLevel.Debug => 7,
        LogLevel.Info => 6,
        LogLevel.Warning => 4,
        LogLevel.Error => 3,
        _ => 2,
    };

    /// <summary>The bytes gunicorn's SysLogHandler sends for one record.</summary>
    public byte[] Format(LogLevel level, string message) =>
        Encoding.UTF8.GetBytes($"<{((_facility << 3) | Severity(level)).ToString(CultureInfo.InvariantCulture)}>{_head}{message}\0");

    /// <summary>Sends one record; a failure costs the record, never the caller.</summary>
    public void Send(LogLevel level, string message)
    {
        byte[] datagram = Format(level, message);
        lock (_lock)
        {
            try
            {
                if (_socket is null && _address.Transport == SyslogTransport.Unix)
                {
                    _socket = TryConnectUnix(_address, _endPoint);
                }
                if (_socket is null)
                {
                    return;
                }
                if (_address.Transport == SyslogTransport.Tcp)
                {
                    int sent = 0;
                    while (sent < datagram.Length)
                    {
                        sent += _socket.Send(datagram, sent, datagram.Length - sent, SocketFlags.None);
                    }
                }
                else if (_address.Transport == SyslogTransport.Udp)
                {
                    _ = _socket.SendTo(datagram, SocketFlags.None, _endPoint);
                }
                else
                {
                    _ = _socket.Send(datagram, SocketFlags.None);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (_address.Transport == SyslogTransport.Unix && e is SocketException { SocketErrorCode: not SocketError.WouldBlock })
                {
                    // The daemon restarted (its socket is new): reconnect for the next line.
                    _socket?.Dispose();
                    _socket = null;
                }
            }
        }
    }

    private static Socket? TryConnectUnix(SyslogAddress address, EndPoint endPoint)
    {
        foreach (SocketType type in address.DatagramOnly ? [SocketType.Dgram] : (SocketType[])[SocketType.Dgram, SocketType.Stream])
        {
            var socket = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
            try
            {
                socket.Connect(endPoint);
                socket.Blocking = type == SocketType.Stream;
                return socket;
            }
            catch (SocketException)
            {
                socket.Dispose();
            }
        }
        return null;
    }

    private static IPAddress Resolve(string host) =>
        IPAddress.TryParse(host, out IPAddress? ip) ? ip : Dns.GetHostAddresses(host) is [IPAddress first, ..] ? first : throw new SocketException((int)SocketError.HostNotFound);

    public void Dispose()
    {
        lock (_lock)
        {
            _socket?.Dispose();
            _socket = null;
        }
    }
}
