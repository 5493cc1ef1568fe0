using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Control;

/// <summary>
/// The control socket and `sharpicorn ctl`, as gunicorn 26's gunicornc: every command against a
/// real master, its output rebuilt from gunicornc's format strings (gunicorn/ctl/cli.py) and compared.
/// </summary>
public sealed class ControlSocketTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharpicorn-ctl").FullName;

    private string Socket => Path.Combine(_dir, "g.ctl");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ServerProcess Start(params string[] extra)
    {
        ServerProcess s = ServerProcess.Start(["--python", Repo.DebianPython, "--log-level", "debug", "--control-socket", Socket, .. extra, "loadshare_app:app"]);
        s.WaitForLog("Control socket listening at " + Socket);
        return s;
    }

    private (int Exit, string Out, string Err) Ctl(params string[] args) => ClientTool.Run(Repo.Launcher, ["ctl", "-s", Socket, .. args]);

    private string Command(string command)
    {
        (int exit, string stdout, string stderr) = Ctl("-c", command);
        Assert.True(exit == 0, $"ctl -c '{command}' exited {exit}: {stderr}");
        return stdout;
    }

    [Fact]
    public void ShowWorkers_TwoWorkers_GunicorncsTable()
    {
        using ServerProcess s = Start("-w", "2");
        s.WaitForLogCount(") booted", 2);
        string[] lines = Command("show workers").TrimEnd('\n').Split('\n');
        Assert.Equal("PID        AGE    BOOTED   LAST_BEAT", lines[0]);
        Assert.Equal(new string('-', 40), lines[1]);
        for (int i = 2; i < 4; i++)
        {
            string[] f = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal($"{f[0],-10} {i - 1,-6} {"yes",-8} {f[3]} ago", lines[i]);
            Assert.Matches(@"^\d+\.\d+s$", f[3]);
        }
        Assert.Equal(["", "Total: 2 workers"], lines[4..]);
    }

    [Fact]
    public void ShowStats_FreshMaster_GunicorncsLines()
    {
        using ServerProcess s = Start("-w", "2");
        s.WaitForLogCount(") booted", 2);
        string[] lines = Command("show stats").TrimEnd('\n').Split('\n');
        Assert.Matches(@"^Uptime:           (\d+s|\d+m \d+s|unknown)$", lines[0]);
        Assert.Equal(
            [$"PID:              {s.Pid}", "Workers current:  2", "Workers target:   2", "Workers spawned:  2", "Workers killed:   0", "Reloads:          0"],
            lines[1..]);
        using JsonDocument json = JsonDocument.Parse(Ctl("-c", "show stats", "-j").Out);
        Assert.Equal(2, json.RootElement.GetProperty("workers_current").GetInt32());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("dirty_arbiter_pid").ValueKind);
    }

    [Fact]
    public void WorkerAddRemoveKill_Counts_GunicornsRepliesAndTheMasterFollows()
    {
        using ServerProcess s = Start("-w", "1");
        s.WaitForLogCount(") booted", 1);
        Assert.Equal("{\n  \"added\": 2,\n  \"previous\": 1,\n  \"total\": 3\n}\n", Command("worker add 2"));
        s.WaitForLogCount(") booted", 3);
        Assert.EndsWith("Total: 3 workers\n", Command("show workers"), StringComparison.Ordinal);
        Assert.Equal("{\n  \"removed\": 2,\n  \"previous\": 3,\n  \"total\": 1\n}\n", Command("worker remove 5"));
        Assert.Equal("{\n  \"added\": 1,\n  \"previous\": 1,\n  \"total\": 2\n}\n", Command("worker add"));
        s.WaitForLogCount(") booted", 4);

        string[] row = Command("show workers").Split('\n')[2].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int pid = int.Parse(row[0], CultureInfo.InvariantCulture);
        Assert.Equal($"{{\n  \"success\": true,\n  \"killed\": {pid}\n}}\n", Command($"worker kill {pid}"));
        s.WaitForLog($"Worker exiting (pid: {pid})");
        Assert.Equal("{\n  \"success\": false,\n  \"error\": \"Worker 99999999 not found\"\n}\n", Command("worker kill 99999999"));
        // The killed worker is replaced: the target is still 2.
        s.WaitForLogCount(") booted", 5);
        Assert.Contains("Workers target:   2\n", Command("show stats"), StringComparison.Ordinal);
    }

    [Fact]
    public void ShowListenersConfigAllDirtyHelp_GunicorncsFormats()
    {
        using ServerProcess s = Start("-w", "1");
        s.WaitForLogCount(") booted", 1);
        string listeners = Command("show listeners");
        Assert.StartsWith("ADDRESS                                  TYPE     FD\n" + new string('-', 55) + "\n", listeners, StringComparison.Ordinal);
        Assert.Matches($"\n{s.Addresses[0].PadRight(40)} tcp      \\d+\n\nTotal: 1 listeners\n$", listeners);

        string config = Command("show config");
        Assert.Contains("workers: 1\n", config, StringComparison.Ordinal);
        Assert.Contains($"control_socket: {Socket}\n", config, StringComparison.Ordinal);
        Assert.Contains("control_socket_disable: False\n", config, StringComparison.Ordinal);
        Assert.Contains("worker_class: <class 'gunicorn.workers.sync.SyncWorker'>\n", config, StringComparison.Ordinal);
        Assert.Contains("pidfile: None\n", config, StringComparison.Ordinal);

        string[] all = Command("show all").TrimEnd('\n').Split('\n');
        Assert.Equal(["ARBITER (master)", $"  PID: {s.Pid}", "", "WEB WORKERS (1)", "  PID        AGE    BOOTED   LAST_BEAT", "  " + new string('-', 38)], all[..6]);
        Assert.Equal(["", "DIRTY ARBITER", "  (not running)"], all[^3..]);

        Assert.Equal("Dirty arbiter not running\n", Command("show dirty"));
        Assert.Equal("{\n  \"success\": false,\n  \"error\": \"Dirty arbiter not running\"\n}\n", Command("dirty add 1"));
        string help = Command("help");
        Assert.StartsWith("Available commands:\n\n", help, StringComparison.Ordinal);
        Assert.Contains("\n  show workers                List HTTP workers with their status\n", help, StringComparison.Ordinal);
        Assert.Contains("\n  shutdown [graceful|quick]   Shutdown server (TERM/INT)\n", help, StringComparison.Ordinal);
    }

    [Fact]
    public void BadCommands_GunicornsErrors_Exit1()
    {
        using ServerProcess s = Start("-w", "1");
        Assert.Equal((1, "", "Error: Invalid argument: Unknown command: foo\n"), Ctl("-c", "foo"));
        Assert.Equal((1, "", "Error: Invalid argument: Unknown show target: nothing\n"), Ctl("-c", "show nothing"));
        Assert.Equal((1, "", "Error: Invalid argument: Missing worker action (add|remove|kill)\n"), Ctl("-c", "worker"));
    }

    [Fact]
    public void ReloadReopen_Signals_HandledAsHupAndUsr1()
    {
        using ServerProcess s = Start("-w", "1");
        s.WaitForLogCount(") booted", 1);
        Assert.Equal("{\n  \"status\": \"reopening\"\n}\n", Command("reopen"));
        s.WaitForLog("Handling signal: usr1");
        Assert.Equal("{\n  \"status\": \"reloading\"\n}\n", Command("reload"));
        s.WaitForLog("Hang up: Master");
        s.WaitForLogCount(") booted", 2);
        Assert.Contains("Reloads:          1\n", Command("show stats"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("shutdown", "graceful", "term")]
    [InlineData("shutdown quick", "quick", "int")]
    public void Shutdown_Mode_MasterExitsAndRemovesTheSocket(string command, string mode, string signal)
    {
        using ServerProcess s = Start("-w", "1");
        Assert.Equal($"{{\n  \"status\": \"shutting_down\",\n  \"mode\": \"{mode}\"\n}}\n", Command(command));
        Assert.Equal(0, s.WaitForExit());
        Assert.Contains($"Handling signal: {signal}", s.ErrorLog, StringComparison.Ordinal);
        Assert.False(File.Exists(Socket));
        Assert.Equal((1, "", $"Error: Failed to connect to {Socket}: [Errno 2] No such file or directory\n"), Ctl("-c", "show workers"));
    }

    [Fact]
    public void Interactive_CommandsOnStdin_GunicorncsSession()
    {
        using ServerProcess s = Start("-w", "1");
        s.WaitForLogCount(") booted", 1);
        var psi = new ProcessStartInfo(Repo.Launcher) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "ctl", "-s", Socket })
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["HOME"] = _dir;
        using Process p = Process.Start(psi)!;
        p.StandardInput.Write("show dirty\nbogus\nquit\n");
        p.StandardInput.Close();
        string output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(ClientTool.Patience));
        Assert.Equal(0, p.ExitCode);
        Assert.Equal(
            $"Connected to {Socket}\nType 'help' for available commands, 'quit' to exit.\n\n"
            + "gunicorn> Dirty arbiter not running\n\ngunicorn> Error: Invalid argument: Unknown command: bogus\n\ngunicorn> ",
            output);
        Assert.Equal(["show dirty", "bogus", "quit"], File.ReadAllLines(Path.Combine(_dir, ".gunicornc_history")));
    }

    [Fact]
    public void NoControlSocket_Flag_NoSocketFile()
    {
        using ServerProcess s = ServerProcess.Start(["--python", Repo.DebianPython, "--log-level", "debug", "--control-socket", Socket, "--no-control-socket", "loadshare_app:app"]);
        s.WaitForLogCount(") booted", 1);
        Assert.False(File.Exists(Socket));
        Assert.DoesNotContain("Control socket listening", s.ErrorLog, StringComparison.Ordinal);
    }

    [RootFact]
    public void Permissions_DefaultMode0600_AnotherUserIsRefused()
    {
        using var world = new WorldReadableDirectory();
        string bin = world.CopyFiles(Repo.PublishedServer(), "bin");
        string socket = Path.Combine(world.FullName, "g.ctl");
        using ServerProcess s = ServerProcess.Start(["--python", Repo.DebianPython, "--control-socket", socket, "loadshare_app:app"]);
        s.WaitForLog("Control socket listening at " + socket);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socket));
        (int exit, string stdout, string stderr) = ClientTool.Run("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", Path.Combine(bin, "sharpicorn"), "ctl", "-s", socket, "-c", "show workers");
        Assert.Equal((1, "", $"Error: Failed to connect to {socket}: [Errno 13] Permission denied\n"), (exit, stdout, stderr));
        // The owner is let in.
        Assert.Equal(0, ClientTool.Run(Path.Combine(bin, "sharpicorn"), "ctl", "-s", socket, "-c", "show workers").Exit);
    }

    [RootFact]
    public void Permissions_Mode0666_AnotherUserIsLetIn()
    {
        using var world = new WorldReadableDirectory();
        string bin = world.CopyFiles(Repo.PublishedServer(), "bin");
        string socket = Path.Combine(world.FullName, "g.ctl");
        using ServerProcess s = ServerProcess.Start(["--python", Repo.DebianPython, "--log-level", "debug", "--control-socket", socket, "--control-socket-mode", "0o666", "loadshare_app:app"]);
        s.WaitForLog("Control socket listening at " + socket);
        s.WaitForLogCount(") booted", 1);
        (int exit, string stdout, string stderr) = ClientTool.Run("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", Path.Combine(bin, "sharpicorn"), "ctl", "-s", socket, "-c", "show workers");
        Assert.True(exit == 0, stderr);
        Assert.EndsWith("Total: 1 workers\n", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void CtlStats_RequestInFlight_ListedWithMethodPathAndDuration()
    {
        using ServerProcess s = Start("-w", "2");
        s.WaitForLogCount(") booted", 2);
        string dir = Directory.CreateTempSubdirectory("sharpicorn-ctl-block").FullName;
        using var slow = new RawHttp(s.Port);
        slow.Send($"GET /block?dir={Uri.EscapeDataString(dir)}&name=a HTTP/1.1\r\nHost: t\r\n\r\n");
        string started = Path.Combine(dir, "a.started");
        // Ready signals: the app's "started" file, then the next stats frame (once a second) showing it.
        string table = WaitFor(() => File.Exists(started) ? Ctl("stats").Out : "", t => t.Contains("    GET /block (", StringComparison.Ordinal));
        int busy = int.Parse(File.ReadAllText(started), CultureInfo.InvariantCulture);
        string[] lines = table.TrimEnd('\n').Split('\n');
        Assert.Equal("PID      AGE  STATE     UPTIME       REQUESTS        RSS PROGRESS   IN-FLIGHT", lines[0]);
        int row = Array.FindIndex(lines, l => l.StartsWith(busy.ToString(CultureInfo.InvariantCulture) + " ", StringComparison.Ordinal));
        Assert.Matches(@"^\d+ +\d+ +serving +\S+( \S+)? +0 +\d+\.\d MiB +\d+\.\d+s ago +1$", lines[row]);
        Assert.Matches(@"^    GET /block \(\d+\.\d+s\)$", lines[row + 1]);
        Assert.Equal("Total: 2 workers, 0 requests served", lines[^1]);

        // `ctl top` with stdout not a terminal prints the table once and exits.
        (int exit, string once, _) = Ctl("top");
        Assert.Equal(0, exit);
        Assert.StartsWith(lines[0] + "\n", once, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(dir, "release"), "");
        Assert.Equal(200, slow.ReadResponse().Status);
        WaitFor(() => Ctl("stats").Out, t => t.EndsWith("Total: 2 workers, 1 requests served\n", StringComparison.Ordinal));
    }

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> (the condition is the ready signal), bounded by the server's patience.</summary>
    internal static string WaitFor(Func<string> read, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow + ServerProcess.Patience;
        string last = read();
        while (!done(last))
        {
            Assert.True(DateTime.UtcNow < deadline, "never reached; last read:\n" + last);
            Thread.Sleep(50);
            last = read();
        }
        return last;
    }
}
