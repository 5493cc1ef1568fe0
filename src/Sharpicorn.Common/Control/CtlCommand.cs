// Design notes
// ------------
// `sharpicorn ctl` is gunicornc (gunicorn/ctl/cli.py): the same options (-s, -c, -j, -v), the
// same single-command and interactive modes, the same output and exit codes (0, 1 on an error,
// 130 on Ctrl-C, 2 for a usage error). sharpicorn adds two subcommands that read its "stats"
// command: `ctl stats` prints a table once, `ctl top` redraws it every second on a terminal
// (like uwsgitop) until q or Ctrl-C, and prints once when stdout is not a terminal.
using System.Text.Json;

namespace Sharpicorn.Control;

internal static class CtlCommand
{
    public const string Usage = "usage: sharpicorn ctl [-h] [-s SOCKET] [-c COMMAND] [-j] [-v] [{stats,top}]";

    /// <summary>How often `ctl top` redraws (uwsgitop's default refresh, 1 s).</summary>
    private static readonly TimeSpan TopPeriod = TimeSpan.FromSeconds(1);

    public static int Run(string[] args)
    {
        string socket = Configuration.Sections.ControlSettings.DefaultPath();
        string? command = null;
        string? sub = null;
        bool json = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            switch (a)
            {
                case "-h" or "--help":
                    Console.Out.WriteLine(Help);
                    return 0;
                case "-v" or "--version":
                    Console.Out.WriteLine($"sharpicorn ctl (sharpicorn {ProcessInfo.Version})");
                    return 0;
                case "-j" or "--json":
                    json = true;
                    continue;
                case "stats" or "top" when sub is null:
                    sub = a;
                    continue;
            }
            // argparse's spellings: "-s X", "-sX", "--socket X", "--socket=X".
            string? flag = a.StartsWith("--socket", StringComparison.Ordinal) || a.StartsWith("-s", StringComparison.Ordinal) ? "socket"
                : a.StartsWith("--command", StringComparison.Ordinal) || a.StartsWith("-c", StringComparison.Ordinal) ? "command"
                : null;
            if (flag is null || (a.StartsWith("--", StringComparison.Ordinal) && a != "--" + flag && !a.StartsWith("--" + flag + "=", StringComparison.Ordinal)))
            {
                return UsageExit($"unrecognized arguments: {a}");
            }
            string? value = a.StartsWith("--" + flag + "=", StringComparison.Ordinal) ? a[(flag.Length + 3)..]
                : a.Length > 2 && !a.StartsWith("--", StringComparison.Ordinal) ? a[2..]
                : ++i < args.Length ? args[i] : null;
            if (value is null)
            {
                return UsageExit($"argument -{flag[0]}/--{flag}: expected one argument");
            }
            if (flag == "socket")
            {
                socket = value;
            }
            else
            {
                command = value;
            }
        }
        if (!Path.IsPathRooted(socket))
        {
            socket = Path.Combine(Directory.GetCurrentDirectory(), socket);
        }
        return sub switch
        {
            "stats" => Stats(socket, json),
            "top" => Top(socket),
            _ => command is not null ? RunCommand(socket, command, json) : Interactive(socket, json),
        };
    }

    private const string Help = Usage + """


        sharpicorn's control interface (gunicorn's gunicornc)

        positional arguments:
          {stats,top}           stats: per-worker requests, in-flight requests, RSS and
                                last progress; top: the same, live (q or Ctrl-C quits)

        options:
          -h, --help            show this help message and exit
          -s, --socket SOCKET   Control socket path (default: auto-detected based on
                                XDG_RUNTIME_DIR or ~/.gunicorn/)
          -c, --command COMMAND
                                Execute single command and exit
          -j, --json            Output raw JSON (for scripting)
          -v, --version         Show version and exit

        Examples:
          sharpicorn ctl                      # Interactive mode (default socket)
          sharpicorn ctl -s /tmp/myapp.ctl    # Interactive mode with custom socket
          sharpicorn ctl -c "show workers"    # Single command mode
          sharpicorn ctl -c "worker add 2"    # Add 2 workers
          sharpicorn ctl -c "show stats" -j   # Output stats as JSON
          sharpicorn ctl stats                # Per-worker table
          sharpicorn ctl top                  # Live per-worker view
        """;

    private static int UsageExit(string message)
    {
        Console.Error.WriteLine(Usage);
        Console.Error.WriteLine($"sharpicorn ctl: error: {message}");
        return 2;
    }

    /// <summary>gunicornc's parse_command: command words up to the first number or option, then the arguments.</summary>
    public static (string Command, List<string> Args) ParseCommand(string line)
    {
        List<string> parts = ShellWords.Split(line);
        var command = new List<string>();
        var rest = new List<string>();
        foreach (string part in parts)
        {
            if (rest.Count == 0 && !(part.Length > 0 && part.All(char.IsAsciiDigit)) && !part.StartsWith('-'))
            {
                command.Add(part);
            }
            else
            {
                rest.Add(part);
            }
        }
        return (string.Join(' ', command), rest);
    }

    private static string FullCommand(string cmd, List<string> args) => args.Count > 0 ? $"{cmd} {string.Join(' ', args)}".Trim() : cmd;

    private static void Print(string cmd, JsonElement result, bool json) =>
        Console.Out.WriteLine(json ? PythonJson.Dumps(result) : ControlFormat.Response(cmd, result));

    private static int RunCommand(string socket, string line, bool json)
    {
        try
        {
            using var client = new ControlClient(socket);
            client.Connect();
            (string cmd, List<string> args) = ParseCommand(line);
            Print(cmd, client.SendCommand(FullCommand(cmd, args)), json);
            return 0;
        }
        catch (Exception e) when (e is ControlClientException or FormatException)
        {
            Console.Error.WriteLine($"Error: {e.Message}");
            return 1;
        }
    }

    private static int Interactive(string socket, bool json)
    {
        var client = new ControlClient(socket);
        try
        {
            client.Connect();
        }
        catch (ControlClientException e)
        {
            Console.Error.WriteLine($"Error: {e.Message}");
            return 1;
        }
        Console.Out.WriteLine($"Connected to {socket}");
        Console.Out.WriteLine("Type 'help' for available commands, 'quit' to exit.");
        Console.Out.WriteLine();
        string? home = Environment.GetEnvironmentVariable("HOME");
        var editor = new LineEditor(string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".gunicornc_history"));
        int exit = 0;
        try
        {
            while (true)
            {
                string? read = editor.ReadLine("gunicorn> ");
                if (read is null)
                {
                    Console.Out.WriteLine();
                    break;
                }
                string line = read.Trim();
                if (line.Length == 0)
                {
                    continue;
                }
                editor.Remember(line);
                if (line.ToLowerInvariant() is "quit" or "exit" or "q")
                {
                    break;
                }
                try
                {
                    (string cmd, List<string> args) = ParseCommand(line);
                    Print(cmd, client.SendCommand(FullCommand(cmd, args)), json);
                }
                catch (Exception e) when (e is ControlClientException or FormatException)
                {
                    Console.Out.WriteLine($"Error: {e.Message}");
                    try
                    {
                        client.Close();
                        client.Connect();
                    }
                    catch (ControlClientException)
                    {
                        Console.Out.WriteLine("Connection lost. Exiting.");
                        exit = 1;
                        break;
                    }
                }
                Console.Out.WriteLine();
            }
        }
        catch (OperationCanceledException)
        {
            Console.Out.WriteLine();
            exit = 130;
        }
        finally
        {
            client.Close();
            editor.Save();
        }
        return exit;
    }

    private static int Stats(string socket, bool json)
    {
        try
        {
            using var client = new ControlClient(socket);
            JsonElement data = client.SendCommand("stats");
            Console.Out.WriteLine(json ? PythonJson.Dumps(data) : ControlFormat.WorkerStats(data));
            return 0;
        }
        catch (ControlClientException e)
        {
            Console.Error.WriteLine($"Error: {e.Message}");
            return 1;
        }
    }

    /// <summary>The live view: the alternate screen, redrawn every second; q, Esc or Ctrl-C leaves it as it was.</summary>
    private static int Top(string socket)
    {
        if (Console.IsOutputRedirected || Console.IsInputRedirected)
        {
            return Stats(socket, json: false);
        }
        using var client = new ControlClient(socket);
        using var quit = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            quit.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        Console.Out.Write("\x1b[?1049h\x1b[?25l");
        int exit = 0;
        try
        {
            while (!quit.IsCancellationRequested)
            {
                string body;
                try
                {
                    // A terminal that reports no size (0 columns) gets lines uncut.
                    body = ControlFormat.WorkerStats(client.SendCommand("stats"), Console.WindowWidth is > 0 and int columns ? columns : int.MaxValue);
                }
                catch (ControlClientException e)
                {
                    exit = 1;
                    Console.Out.Write("\x1b[?25h\x1b[?1049l");
                    Console.Error.WriteLine($"Error: {e.Message}");
                    return exit;
                }
                Console.Out.Write("\x1b[H\x1b[2J");
                Console.Out.Write($"sharpicorn top - {socket} - {DateTime.Now:HH:mm:ss}  (q to quit)\n\n");
                Console.Out.Write(body.Replace("\n", "\x1b[K\n", StringComparison.Ordinal));
                Console.Out.Flush();
                DateTime until = DateTime.UtcNow + TopPeriod;
                while (DateTime.UtcNow < until && !quit.IsCancellationRequested)
                {
                    if (Console.KeyAvailable)
                    {
                        ConsoleKeyInfo key = Console.ReadKey(intercept: true);
                        if (key.KeyChar is 'q' or 'Q' || key.Key == ConsoleKey.Escape)
                        {
                            quit.Cancel();
                        }
                        continue;
                    }
                    quit.Token.WaitHandle.WaitOne(50);
                }
            }
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            Console.Out.Write("\x1b[?25h\x1b[?1049l");
            Console.Out.Flush();
        }
        return exit;
    }
}
