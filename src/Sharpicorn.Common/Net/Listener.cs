using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Sharpicorn.Net;

/// <summary>
/// A listening socket bound by sharpicorn itself, not by Kestrel: binding first gives gunicorn's
/// errors and retries, and a bound descriptor is what the arbiter hands to its workers, which
/// give their inherited copy to Kestrel.
/// </summary>
internal sealed class Listener : IDisposable
{
    /// <summary>gunicorn's default backlog, 2048.</summary>
    public const int DefaultBacklog = 2048;

    private Listener(Socket socket, BindAddress address)
    {
        Socket = socket;
        Address = address;
    }

    public Socket Socket { get; }

    public BindAddress Address { get; }

    public static Listener Bind(BindAddress address, int backlog, bool reusePort = false, int umask = 0)
    {
        if (address.FileDescriptor is int fd)
        {
            return new Listener(new Socket(new SafeSocketHandle(fd, ownsHandle: true)), address);
        }
        if (address.UnixPath is string path)
        {
            if (File.Exists(path))
            {
                // gunicorn removes a stale socket file before binding; a live one means "in use".
                using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    probe.Connect(new UnixDomainSocketEndPoint(path));
                    throw new SocketException((int)SocketError.AddressAlreadyInUse);
                }
                catch (SocketException e) when (e.SocketErrorCode != SocketError.AddressAlreadyInUse)
                {
                    File.Delete(path);
                }
            }
            var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            // gunicorn's umask setting applies here only (sock.py UnixSocket.bind): it sets the
            // socket file's mode, and the process keeps the umask it was started with, so files
            // the app writes are not world-writable under gunicorn's default of 0.
            int previous = Platform.Posix.Umask(umask);
            try
            {
                unix.Bind(new UnixDomainSocketEndPoint(path));
                unix.Listen(backlog);
            }
            catch
            {
                unix.Dispose();
                throw;
            }
            finally
            {
                Platform.Posix.Umask(previous);
            }
            return new Listener(unix, address);
        }
        IPAddress ip = Resolve(address.Host!);
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // SO_REUSEADDR only. .NET's ReuseAddress option would also set SO_REUSEPORT on
            // Linux, letting a second server bind the same port silently.
            socket.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, BitConverter.GetBytes(1));
            if (reusePort)
            {
                socket.SetRawSocketOption(1 /* SOL_SOCKET */, 15 /* SO_REUSEPORT */, BitConverter.GetBytes(1));
            }
            socket.NoDelay = true;
            socket.Bind(new IPEndPoint(ip, address.Port));
            socket.Listen(backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new Listener(socket, address);
    }

    private static IPAddress Resolve(string host)
    {
        if (IPAddress.TryParse(host, out IPAddress? ip))
        {
            return ip;
        }
        IPAddress[] all = Dns.GetHostAddresses(host);
        return all.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? all[0];
    }

    /// <summary>The descriptor number, which a worker process inherits as is.</summary>
    public int Fd => (int)Socket.SafeHandle.DangerousGetHandle();

    /// <summary>A socket inherited from the arbiter: Kestrel takes it over and closes it.</summary>
    public static ulong Inherited(int fd)
    {
        // The app's own subprocesses must not inherit the listening socket.
        Platform.Posix.SetInheritable(fd, inheritable: false);
        return (ulong)fd;
    }

    /// <summary>gunicorn's listener text: "http://127.0.0.1:8000", "http://[::1]:8000" or "unix:/path".</summary>
    public override string ToString() => Describe(tls: false);

    /// <summary>As <see cref="ToString"/>, with "https://" when the listener speaks TLS (gunicorn 26 does so for IPv4 only, an oversight not copied).</summary>
    public string Describe(bool tls)
    {
        if (Socket.LocalEndPoint is IPEndPoint ep)
        {
            string host = ep.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ep.Address}]" : ep.Address.ToString();
            return string.Create(CultureInfo.InvariantCulture, $"{(tls ? "https" : "http")}://{host}:{ep.Port}");
        }
        if (Address.UnixPath is string p)
        {
            return "unix:" + p;
        }
        // A socket systemd or an old master handed down: gunicorn names it by its bound address too.
        return Socket.LocalEndPoint is UnixDomainSocketEndPoint { } u && u.ToString() is { Length: > 0 } path && path[0] != '\0'
            ? "unix:" + path
            : $"fd://{Address.FileDescriptor}";
    }

    public void Dispose() => Close(unlink: true);

    /// <summary>Closes the socket; a unix socket's file is removed unless another master now serves it (USR2).</summary>
    public void Close(bool unlink)
    {
        Socket.Dispose();
        if (unlink && Address.UnixPath is string p)
        {
            try
            {
                File.Delete(p);
            }
            catch (IOException)
            {
            }
        }
    }
}
