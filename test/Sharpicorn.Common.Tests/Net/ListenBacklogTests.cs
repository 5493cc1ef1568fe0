using System.Net;
using System.Net.Sockets;
using Sharpicorn.Net;

namespace Sharpicorn.Tests.Net;

public sealed class ListenBacklogTests
{
    [Fact]
    public void Of_ConnectionsNotAccepted_CountsTheQueue()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        Assert.Equal(0, ListenBacklog.Of(listener));
        using var a = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var b = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // On loopback the handshake completes inside connect(): both are queued when it returns.
        a.Connect(listener.LocalEndPoint!);
        b.Connect(listener.LocalEndPoint!);
        Assert.Equal(2, ListenBacklog.Of(listener));
        using Socket accepted = listener.Accept();
        Assert.Equal(1, ListenBacklog.Of(listener));
    }

    [Fact]
    public void Of_UnixSocket_MinusOneAsGunicorn()
    {
        using var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        Assert.Equal(-1, ListenBacklog.Of(unix));
    }
}
