using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>Titles, umask, user/group, daemon mode, socket activation and log reopening.</summary>
public sealed class ProcessHousekeepingTests
{
    private static int WorkerPid(int port) => JsonDocument.Parse(RawHttp.Get(port, "/pid").Body).RootElement.GetProperty("pid").GetInt32();

    private static string Status(int pid, string field) =>
        File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal))[(field.Length + 1)..].Trim();

    private static string WaitForFile(string path, string text) => LogFile.WaitFor(path, text);

    private static int ListeningPort(string log) =>
        int.Parse(System.Text.RegularExpressions.Regex.Match(log, @"Listening at: http://127\.0\.0\.1:(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Name_ProcessTitles_GunicornStyle()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "-n", "shop", "wsgi_basic:app"]);
        int worker = WorkerPid(s.Port);
        Assert.Equal("sharpicorn: master [shop]", File.ReadAllText($"/proc/{s.Pid}/cmdline").TrimEnd('\0'));
        Assert.Equal("sharpicorn: worker [shop]", File.ReadAllText($"/proc/{worker}/cmdline").TrimEnd('\0'));
    }

    [Fact]
    public void Umask_AppliesToTheUnixSocketOnly_AppFilesKeepTheProcessUmask()
    {
        // gunicorn applies umask only around binding a unix socket (sock.py); applying it to the
        // whole process, with gunicorn's default of 0, made every file the app wrote world-writable.
        string dir = Directory.CreateTempSubdirectory("sharpicorn-umask").FullName;
        string socketPath = Path.Combine(dir, "s.sock");
        int inherited = Convert.ToInt32(Status(Environment.ProcessId, "Umask"), 8);
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "-m", "0o77", "-b", "127.0.0.1:0", "-b", "unix:" + socketPath, "umask_app:app"]);
        string file = Path.Combine(dir, "written-by-app");
        using JsonDocument reply = JsonDocument.Parse(RawHttp.Get(s.Port, "/?" + file).Body);
        Assert.Equal(inherited, reply.RootElement.GetProperty("umask").GetInt32());
        Assert.Equal(0x1B6 & ~inherited, reply.RootElement.GetProperty("mode").GetInt32());
        Assert.Equal(Convert.ToString(inherited, 8).PadLeft(4, '0'), Status(s.Pid, "Umask"));
        // The socket file got --umask 0o77: srwx------.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(socketPath));
    }

    [RootFact]
    public void UserAndGroup_WorkersSwitch()
    {
        // The worker runs as nobody from then on: it loads the app, and the server's own assemblies
        // (the published build is not one file), as nobody. The clone may sit under a 0700
        // directory (a `mktemp -d`), so both are served from copies in a directory nobody can read.
        using var world = new WorldReadableDirectory();
        world.Copy(Path.Combine(Repo.Apps, "wsgi_basic.py"));
        string server = Path.Combine(world.CopyFiles(Repo.PublishedServer(), "server"), "sharpicorn");
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "-u", "nobody", "-g", "nogroup", "wsgi_basic:app"], chdir: world.FullName, executable: server);
        int worker = WorkerPid(s.Port);
        Assert.StartsWith("65534", Status(worker, "Uid"), StringComparison.Ordinal);
        Assert.StartsWith("65534", Status(worker, "Gid"), StringComparison.Ordinal);
        Assert.StartsWith("0", Status(s.Pid, "Uid"), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownUser_WorkerFailsToBoot_Exit3()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "-u", "no-such-user-here", "wsgi_basic:app"], waitReady: false);
        Assert.Equal(3, s.WaitForExit());
        Assert.Contains("cannot switch to user 'no-such-user-here'", s.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public void Daemon_Detaches_WinchStopsWorkers_TermStops()
    {
        string dir = Directory.CreateTempSubdirectory("sharpicorn-daemon").FullName;
        string pidfile = Path.Combine(dir, "pid"), logfile = Path.Combine(dir, "error.log");
        using var s = ServerProcess.Start(["-b", "127.0.0.1:0", "--python", Repo.DebianPython, "--daemon", "-p", pidfile, "--error-logfile", logfile, "wsgi_basic:app"], waitReady: false);
        Assert.Equal(0, s.WaitForExit());
        WaitForFile(pidfile, "\n");
        int master = int.Parse(File.ReadAllText(pidfile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            Assert.NotEqual(s.Pid, master);
            // The daemon has left our pipes: its port (bound to 0) is in its log file.
            int port = ListeningPort(WaitForFile(logfile, "Listening at: http://127.0.0.1:"));
            Assert.Equal(200, RawHttp.Get(port, "/pid").Status);
            // A session leader with no controlling terminal.
            string stat = File.ReadAllText($"/proc/{master}/stat");
            Assert.Equal(master.ToString(System.Globalization.CultureInfo.InvariantCulture), stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3]);
            ServerProcess.Signal(master, 28);
            WaitForFile(logfile, "graceful stop of workers");
            WaitForFile(logfile, "Worker exiting");
        }
        finally
        {
            ServerProcess.Signal(master, 15);
        }
        WaitForFile(logfile, "Shutting down: Master");
    }

    [Fact]
    public void SystemdSocketActivation_ListenFds_Used()
    {
        using var sock = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        sock.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        sock.Listen(16);
        int fd = (int)sock.SafeHandle.DangerousGetHandle();
        ClearCloexec(fd);
        int port = ((IPEndPoint)sock.LocalEndPoint!).Port;
        ProcessStartInfo psi = ServerProcess.StartInfo("/bin/bash");
        psi.ArgumentList.Add("-c");
        // bash, not dash: dash only redirects single-digit fds. sd_listen_fds(3): the socket is fd 3 and LISTEN_PID is the server's own pid ($$ survives exec).
        psi.ArgumentList.Add($"exec 3<&{fd}; LISTEN_FDS=1 LISTEN_PID=$$ exec \"$0\" --python {Repo.DebianPython} --chdir \"$1\" wsgi_basic:app");
        psi.ArgumentList.Add(Repo.Launcher);
        psi.ArgumentList.Add(Repo.Apps);
        using var s = ServerProcess.Run(psi);
        Assert.Equal(port, s.Port);
        Assert.Equal($"http://127.0.0.1:{port}", Assert.Single(s.Addresses));
        Assert.Equal(200, RawHttp.Get(port, "/pid").Status);
    }

    [Fact]
    public void Usr1_ReopensLogFiles()
    {
        string dir = Directory.CreateTempSubdirectory("sharpicorn-logs").FullName;
        string log = Path.Combine(dir, "error.log");
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--error-logfile", log, "-b", "127.0.0.1:0", "wsgi_basic:app"], waitReady: false);
        int port = ListeningPort(WaitForFile(log, "Listening at: http://127.0.0.1:"));
        int worker = WorkerPid(port);
        WaitForFile(log, "Booting worker with pid");
        File.Move(log, log + ".1");
        s.Signal(10);
        WaitForFile(log + ".1", "Handling signal: usr1");
        // The master forwards USR1; the worker's reopen shows in /proc as the moved file no longer open there.
        WaitUntil(() => !OpenFiles(worker).Contains(log + ".1"));
        // The worker reopened too: what the app writes now lands in the new file.
        Assert.Equal(200, RawHttp.Get(port, "/errors").Status);
        WaitForFile(log, "message to wsgi.errors");
    }

    private static HashSet<string> OpenFiles(int pid) =>
        [.. new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos().Select(f => f.LinkTarget ?? "")];

    private static void WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + ServerProcess.Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true in time");
            Thread.Sleep(20);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "fcntl")]
    private static extern int Fcntl(int fd, int cmd, int arg);

    private static void ClearCloexec(int fd) => Assert.Equal(0, Fcntl(fd, 2 /* F_SETFD */, 0));
}
