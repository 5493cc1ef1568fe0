using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Deploy;

/// <summary>
/// deploy/systemd: the unit files pass `systemd-analyze verify` (with their venv and app paths
/// pointed at a real venv with the wheel), socket activation works through systemd's own
/// `systemd-socket-activate`, and the server sends READY=1 to $NOTIFY_SOCKET as a Type=notify
/// unit needs.
/// </summary>
public sealed class SystemdTests
{
    private static string Recipe(string name) => File.ReadAllText(Path.Combine(Repo.Root, "deploy", "systemd", name));

    [Fact]
    public void Units_SystemdAnalyzeVerify_NoComplaints()
    {
        using var venv = WheelVenv.Create(Repo.DebianPython);
        string dir = Path.Combine(venv.Home, "units");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "sharpicorn.socket"), Recipe("sharpicorn.socket"));
        File.WriteAllText(Path.Combine(dir, "sharpicorn.service"), Recipe("sharpicorn.service")
            .Replace("/srv/app/venv", venv.Dir, StringComparison.Ordinal)
            .Replace("/srv/app", Repo.Apps, StringComparison.Ordinal));
        CommandResult r = Command.Run("systemd-analyze", ["verify", "--man=no", "sharpicorn.socket", "sharpicorn.service"], workingDirectory: dir);
        Assert.True(r.ExitCode == 0 && r.Output.Length == 0 && r.Error.Length == 0, $"exit {r.ExitCode}:\n{r.Output}{r.Error}");
    }

    [Fact]
    public void SocketActivation_SystemdSocketActivate_ServesOnItsSocketAndLeavesIt()
    {
        using var venv = WheelVenv.Create(Repo.DebianPython);
        string socket = Path.Combine(venv.Home, "sharpicorn.sock");
        // systemd-socket-activate gives its child only the variables named with -E, as systemd does.
        ProcessStartInfo psi = ServerProcess.StartInfo("systemd-socket-activate");
        foreach (string a in (string[])["-l", socket, "-E", "PATH", venv.Script, "--chdir", Repo.Apps, "hello:app"])
        {
            psi.ArgumentList.Add(a);
        }
        using ServerProcess server = ServerProcess.Run(psi, waitReady: false);
        server.WaitForLog($"Listening on {socket} as 3.");

        // The first connection starts the server, which adopts fd 3 and answers it.
        string reply = RawHttp.Exchange(new UnixDomainSocketEndPoint(socket), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", reply, StringComparison.Ordinal);
        Assert.EndsWith("Hello, World!", reply, StringComparison.Ordinal);
        server.WaitForLog($"Listening at: unix:{socket} (");

        server.Signal(15);
        Assert.Equal(0, server.WaitForExit());
        Assert.Contains("Shutting down: Master", server.ErrorLog, StringComparison.Ordinal);
        // The socket is systemd's: gunicorn leaves it in place, and so does sharpicorn.
        Assert.True(File.Exists(socket), "the activated socket's file was removed\n" + server.ErrorLog);
    }

    [Fact]
    public void NotifySocket_ServerListening_SendsReady()
    {
        using var dir = new WorldReadableDirectory();
        string path = Path.Combine(dir.FullName, "notify");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(path));
        notify.ReceiveTimeout = (int)ServerProcess.Patience.TotalMilliseconds;

        using var server = ServerProcess.Start(["--python", Repo.DebianPython, "hello:app"], new Dictionary<string, string> { ["NOTIFY_SOCKET"] = path });
        byte[] buffer = new byte[4096];
        int n = notify.Receive(buffer);
        Assert.Equal("READY=1\nSTATUS=sharpicorn arbiter booted", Encoding.UTF8.GetString(buffer, 0, n));
        Assert.Contains("Listening at: ", server.ErrorLog, StringComparison.Ordinal);
    }
}
