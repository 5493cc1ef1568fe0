using System.Buffers.Binary;
using System.Net.Sockets;

namespace Sharpicorn.Net;

/// <summary>
/// gunicorn's sock.get_backlog() for --enable-backlog-metric: a listening TCP socket's accept
/// queue length, read from TCP_INFO's tcpi_unacked (Linux reports the queue there for a
/// listener); 0 when it cannot be read, -1 for a unix socket (gunicorn's base class), summed
/// as gunicorn sums them.
/// </summary>
internal static class ListenBacklog
{
    /// <summary>IPPROTO_TCP and TCP_INFO from Linux's headers.</summary>
    private const int IpProtoTcp = 6, TcpInfo = 11;

    /// <summary>tcpi_unacked: after 8 one-byte fields and 4 u32s (include/uapi/linux/tcp.h).</summary>
    private const int UnackedOffset = 24;

    public static int Sum(IEnumerable<Listener> listeners)
    {
        int sum = 0;
        foreach (Listener l in listeners)
        {
            int b = Of(l.Socket);
            // sum(sock.get_backlog() or 0): -1 is truthy, so a unix socket subtracts one.
            sum += b;
        }
        return sum;
    }

    public static int Of(Socket socket)
    {
        if (socket.AddressFamily == AddressFamily.Unix)
        {
            return -1;
        }
        if (!OperatingSystem.IsLinux())
        {
            return -1;
        }
        Span<byte> info = stackalloc byte[104];
        try
        {
            int n = socket.GetRawSocketOption(IpProtoTcp, TcpInfo, info);
            return n >= UnackedOffset + 4 ? (int)BinaryPrimitives.ReadUInt32LittleEndian(info[UnackedOffset..]) : 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return 0;
        }
    }
}
