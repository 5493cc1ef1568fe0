using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Sharpicorn.Tests.TestUtilities;

/// <summary>
/// The real sharpicorn executable, bound to an ephemeral port. Ready means its "Listening at:"
/// line has been printed: the socket is listening from then on, so a request sent now waits in
/// the backlog until the app is loaded. No sleeping, no polling.
/// </summary>
public sealed partial class ServerProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _stdout = new();
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _lock = new();

    private ServerProcess(Process process)
    {
        _process = process;
    }

    public int Port { get; private set; }

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

    /// <summary>Starts "sharpicorn ARGS -b 127.0.0.1:0 --chdir test/apps" (unless args bind themselves).</summary>
    public static ServerProcess Start(IEnumerable<string> args, IDictionary<string, string>? env = null, bool waitReady = true, string? chdir = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(Repo.Launcher)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
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
        // Tests pick their interpreter explicitly; an inherited one would make results depend on the shell.
        psi.Environment.Remove("SHARPICORN_PYTHON");
        psi.Environment.Remove("VIRTUAL_ENV");
        if (env is not null)
        {
            foreach ((string k, string v) in env)
            {
                psi.Environment[k] = v;
            }
        }
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
        p.Exited += (_, _) => server._port.TrySetException(new InvalidOperationException("sharpicorn exited before it was ready:\n" + server.ErrorLog));
        p.Start();
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        if (waitReady)
        {
            if (!server._port.Task.Wait(StartTimeout))
            {
                server.Dispose();
                throw new TimeoutException("sharpicorn did not print 'Listening at:' in time:\n" + server.ErrorLog);
            }
            server.Port = server._port.Task.Result;
        }
        return server;
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lock)
        {
            _stderr.Append(line).Append('\n');
            Monitor.PulseAll(_lock);
        }
        Match m = ListeningRegex().Match(line);
        if (m.Success)
        {
            _port.TrySetResult(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [GeneratedRegex(@"Listening at: http://[^ ]*:(\d+)")]
    private static partial Regex ListeningRegex();

    /// <summary>Waits for the process to exit on its own and returns its exit code.</summary>
    public int WaitForExit(TimeSpan? timeout = null)
    {
        if (!_process.WaitForExit(timeout ?? TimeSpan.FromSeconds(120)))
        {
            throw new TimeoutException("sharpicorn did not exit:\n" + ErrorLog);
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Waits until a line containing <paramref name="text"/> is in the error log (the server's own report, not a sleep).</summary>
    public void WaitForLog(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        lock (_lock)
        {
            while (!_stderr.ToString().Contains(text, StringComparison.Ordinal))
            {
                TimeSpan left = deadline - DateTime.UtcNow;
                // Woken by each new log line; the bound only guards against a server that never logs it.
                if (left <= TimeSpan.Zero || !Monitor.Wait(_lock, left) && DateTime.UtcNow >= deadline)
                {
                    throw new TimeoutException($"'{text}' never appeared in the log:\n" + _stderr);
                }
            }
        }
    }

    public void Signal(int signal) => _ = Kill(_process.Id, signal);

    public static void Signal(int pid, int signal) => _ = Kill(pid, signal);

    /// <summary>How many lines of the error log contain <paramref name="text"/>.</summary>
    public int CountLog(string text) => ErrorLog.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Waits until at least <paramref name="count"/> log lines contain <paramref name="text"/>.</summary>
    public void WaitForLogCount(string text, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        lock (_lock)
        {
            while (_stderr.ToString().Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal)) < count)
            {
                TimeSpan left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !Monitor.Wait(_lock, left) && DateTime.UtcNow >= deadline)
                {
                    throw new TimeoutException($"fewer than {count} lines with '{text}' in the log:\n" + _stderr);
                }
            }
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int sig);

    public long RssKiB() => RssKiB(_process.Id);

    public static long RssKiB(int pid)
    {
        foreach (string line in File.ReadAllLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return -1;
    }

    public void Dispose()
    {
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
