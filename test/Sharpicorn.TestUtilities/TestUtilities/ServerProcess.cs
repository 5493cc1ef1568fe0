using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Sharpicorn.Tests.TestUtilities;

/// <summary>
/// The real sharpicorn executable, bound to port 0: the kernel picks a free port and the test
/// reads it from the "Listening at:" line, so no test probes for a free port and then races
/// another process for it. Ready means that line has been printed: the socket is listening from
/// then on, so a request sent now waits in the backlog until the app is loaded. No sleeping, no
/// polling. Every wait is bounded by <see cref="Patience"/> and fails with the server's error log.
/// </summary>
public sealed partial class ServerProcess : IDisposable
{
    /// <summary>
    /// How long any wait on a server may take before the test fails. Only a failing test ever
    /// waits this long; a passing one is woken by the event it waits for. Two minutes covers a
    /// first-use publish by the launcher and a Python boot on a machine shared with other builds.
    /// </summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>Live servers by the port they listen on, so a client that times out can show what the server said.</summary>
    private static readonly ConcurrentDictionary<int, ServerProcess> ByPort = new();

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _stdout = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _lock = new();
    private bool _stderrClosed;

    private ServerProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The first TCP port in the "Listening at:" line (0 for a server on unix sockets only).</summary>
    public int Port { get; private set; }

    /// <summary>Every address of the "Listening at:" line, as printed (http://127.0.0.1:PORT, unix:PATH).</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    public int Pid => _process.Id;

    public string ErrorLog
    {
        get
        {
            lock (_lock)
            {
                return _stderr.ToString();
            }
        }
    }

    public string Output
    {
        get
        {
            lock (_lock)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>
    /// Starts "sharpicorn ARGS -b 127.0.0.1:0 --chdir test/apps" (unless args bind themselves),
    /// through the launcher or, when given, another copy of the <paramref name="executable"/>.
    /// </summary>
    public static ServerProcess Start(IEnumerable<string> args, IDictionary<string, string>? env = null, bool waitReady = true, string? chdir = null, string? workingDirectory = null, string? executable = null)
    {
        ProcessStartInfo psi = StartInfo(executable ?? Repo.Launcher);
        psi.WorkingDirectory = workingDirectory ?? "";
        var list = args.ToList();
        if (!list.Contains("-b") && !list.Any(a => a.StartsWith("--bind", StringComparison.Ordinal)))
        {
            psi.ArgumentList.Add("-b");
            psi.ArgumentList.Add("127.0.0.1:0");
        }
        psi.ArgumentList.Add("--chdir");
        psi.ArgumentList.Add(chdir ?? Repo.Apps);
        foreach (string a in list)
        {
            psi.ArgumentList.Add(a);
        }
        if (env is not null)
        {
            foreach ((string k, string v) in env)
            {
                psi.Environment[k] = v;
            }
        }
        return Run(psi, waitReady);
    }

    /// <summary>A start info for <paramref name="exe"/> whose environment names no interpreter.</summary>
    public static ProcessStartInfo StartInfo(string exe)
    {
        var psi = new ProcessStartInfo(exe);
        // Tests pick their interpreter explicitly; an inherited one would make results depend on the shell.
        psi.Environment.Remove("SHARPICORN_PYTHON");
        psi.Environment.Remove("VIRTUAL_ENV");
        // The control socket is on by default at $XDG_RUNTIME_DIR/gunicorn.ctl (gunicorn 26): a
        // directory per server keeps parallel tests from taking each other's socket.
        psi.Environment["XDG_RUNTIME_DIR"] = Directory.CreateTempSubdirectory("sharpicorn-run-").FullName;
        return psi;
    }

    /// <summary>
    /// Runs a command line the test built itself (a shell that hands sharpicorn a socket, say; build
    /// it with <see cref="StartInfo"/>) and treats it as the server: its stderr is the error log, its "Listening at:" line the ready signal.
    /// </summary>
    public static ServerProcess Run(ProcessStartInfo psi, bool waitReady = true)
    {
        psi.RedirectStandardError = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardInput = true;
        psi.UseShellExecute = false;
        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var server = new ServerProcess(p);
        p.ErrorDataReceived += (_, e) => server.OnStderr(e.Data);
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (server._lock)
                {
                    server._stdout.Append(e.Data).Append('\n');
                }
            }
        };
        p.Start();
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        if (waitReady)
        {
            server.WaitReady();
        }
        return server;
    }

    /// <summary>Waits for the "Listening at:" line; fails with the error log if it never comes or the server exits first.</summary>
    public void WaitReady()
    {
        try
        {
            if (!_listening.Task.Wait(Patience))
            {
                throw new TimeoutException($"sharpicorn did not print 'Listening at:' within {Patience.TotalSeconds} s:\n" + ErrorLog);
            }
        }
        catch (AggregateException e) when (e.InnerException is InvalidOperationException inner)
        {
            throw new InvalidOperationException(inner.Message, inner);
        }
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            lock (_lock)
            {
                _stderrClosed = true;
                Monitor.PulseAll(_lock);
            }
            // End of stderr: everything the server will ever say has been read.
            _listening.TrySetException(new InvalidOperationException("sharpicorn exited before it was ready:\n" + ErrorLog));
            return;
        }
        lock (_lock)
        {
            _stderr.Append(line).Append('\n');
            Monitor.PulseAll(_lock);
        }
        Match m = ListeningRegex().Match(line);
        if (m.Success && !_listening.Task.IsCompleted)
        {
            Addresses = m.Groups[1].Value.Split(',');
            Match tcp = Addresses.Select(a => TcpPortRegex().Match(a)).FirstOrDefault(t => t.Success) ?? Match.Empty;
            if (tcp.Success)
            {
                Port = int.Parse(tcp.Groups[1].Value, CultureInfo.InvariantCulture);
                ByPort[Port] = this;
            }
            _listening.TrySetResult(line);
        }
    }

    [GeneratedRegex(@"Listening at: (\S+) \(\d+\)")]
    private static partial Regex ListeningRegex();

    [GeneratedRegex(@"^https?://.*:(\d+)$")]
    private static partial Regex TcpPortRegex();

    /// <summary>What the server on <paramref name="port"/> has logged, for a client's failure message.</summary>
    public static string DescribeServerOn(int port) =>
        ByPort.TryGetValue(port, out ServerProcess? s) ? $"\nsharpicorn (pid {s.Pid}) error log:\n{s.ErrorLog}" : "";

    /// <summary>Waits for the process to exit on its own and returns its exit code.</summary>
    public int WaitForExit(TimeSpan? timeout = null)
    {
        if (!_process.WaitForExit(timeout ?? Patience))
        {
            throw new TimeoutException($"sharpicorn did not exit within {(timeout ?? Patience).TotalSeconds} s:\n" + ErrorLog);
        }
        // Let the asynchronous readers reach the end of the pipes, so the log is complete.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Waits until a line containing <paramref name="text"/> is in the error log (the server's own report, not a sleep).</summary>
    public void WaitForLog(string text, TimeSpan? timeout = null) =>
        WaitUntil(log => log.Contains(text, StringComparison.Ordinal), $"'{text}' never appeared in the log", timeout);

    /// <summary>Waits until at least <paramref name="count"/> log lines contain <paramref name="text"/>.</summary>
    public void WaitForLogCount(string text, int count, TimeSpan? timeout = null) =>
        WaitUntil(log => CountLines(log, text) >= count, $"fewer than {count} lines with '{text}' in the log", timeout);

    /// <summary>
    /// Woken by each new log line; fails at the deadline or as soon as stderr has closed (the
    /// server and everything that shared its stderr are gone, so the line can never come).
    /// </summary>
    private void WaitUntil(Func<string, bool> done, string failure, TimeSpan? timeout)
    {
        TimeSpan bound = timeout ?? Patience;
        var clock = Stopwatch.StartNew();
        lock (_lock)
        {
            while (!done(_stderr.ToString()))
            {
                if (_stderrClosed)
                {
                    throw new InvalidOperationException($"{failure}, and sharpicorn has exited:\n{_stderr}");
                }
                TimeSpan left = bound - clock.Elapsed;
                if (left <= TimeSpan.Zero)
                {
                    throw new TimeoutException($"{failure} within {bound.TotalSeconds} s:\n{_stderr}");
                }
                Monitor.Wait(_lock, left);
            }
        }
    }

    public void Signal(int signal) => _ = Kill(_process.Id, signal);

    public static void Signal(int pid, int signal) => _ = Kill(pid, signal);

    /// <summary>How many lines of the error log contain <paramref name="text"/>.</summary>
    public int CountLog(string text) => CountLines(ErrorLog, text);

    private static int CountLines(string log, string text) => log.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int sig);

    public long RssKiB() => RssKiB(_process.Id);

    public static long RssKiB(int pid)
    {
        foreach (string line in File.ReadAllLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        return -1;
    }

    public void Dispose()
    {
        if (Port != 0)
        {
            ByPort.TryRemove(new KeyValuePair<int, ServerProcess>(Port, this));
        }
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
