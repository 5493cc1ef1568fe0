using System.Net.Sockets;
using System.Text;
using Sharpicorn.Logging;

namespace Sharpicorn.Platform;

/// <summary>
/// systemd's readiness notification (sd_notify(3)), as gunicorn's arbiter sends it once it listens,
/// so a Type=notify unit is "started" when connections can be served. Outside systemd
/// (no NOTIFY_SOCKET) it does nothing. The variable stays set, as in gunicorn: a unit's
/// NotifyAccess decides whose messages count.
/// </summary>
internal static class SdNotify
{
    public static void Send(string state, ErrorLog log)
    {
        string? address = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(address))
        {
            return;
        }
        if (address[0] == '@')
        {
            // A name in the abstract namespace: its first byte is NUL on the wire.
            address = "\0" + address[1..];
        }
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(address));
            socket.Send(Encoding.UTF8.GetBytes(state));
        }
        catch (SocketException e)
        {
            // gunicorn logs this at debug level and carries on: the server works without systemd's view of it.
            log.Debug($"Exception while invoking sd_notify(): {e.Message}");
        }
    }
}
