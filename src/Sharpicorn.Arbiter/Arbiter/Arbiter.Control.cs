// Design notes
// ------------
// What the control socket (gunicornc's commands) and --metrics-bind read is the loop's state,
// so both run their work on the loop: InvokeAsync queues an Invoke event and awaits its result.
// Handlers mirror gunicorn/ctl/handlers.py key for key (the client formats them as gunicornc
// does); reload, reopen and shutdown queue the same event the signal would, as gunicorn's
// handlers kill(2) their own master, so the reply goes out before the work starts.
//
// Counters never go backwards: a worker's latest stats frame is its running total, and when it
// exits (its last frame arrives before its exit does, PosixProcessApi) the totals join _retired.
using System.Globalization;
using System.Text.Json;
using Sharpicorn.Control;
using Sharpicorn.Net;
using Sharpicorn.Platform;
using Sharpicorn.Protocol;

namespace Sharpicorn.Arbiter;

internal sealed partial class Arbiter
{
    /// <summary>Restart reasons the metrics always list, so a rate over them never starts from a missing series.</summary>
    internal static readonly string[] RestartReasons = ["timeout", "max-requests", "memory", "lifetime", "crash", "reload"];

    private readonly WorkerStats _retired = new();
    private readonly Dictionary<string, long> _restarts = RestartReasons.ToDictionary(r => r, _ => 0L, StringComparer.Ordinal);
    private long _startedAt = long.MinValue;
    private long _spawned;
    private long _killed;
    private long _reloads;

    /// <summary>The bound listeners, for "show listeners" and the accept-queue gauges; none in in-process tests.</summary>
    public IReadOnlyList<Listener> Listeners { get; init; } = [];

    /// <summary>Runs <paramref name="work"/> on the loop. Never completes once the loop has ended; callers bound their wait.</summary>
    public Task<T> InvokeAsync<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _events.Writer.TryWrite(new ArbiterEvent(ArbiterEventKind.Invoke, Run: () =>
        {
            try
            {
                done.TrySetResult(work());
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        }));
        return done.Task;
    }

    /// <summary>A worker is gone: keep its counts, and count its restart by reason.</summary>
    private void Retired(WorkerProcess w, ChildExit exit)
    {
        if (w.Stats is { } stats)
        {
            _retired.Add(stats);
        }
        string? reason = w.RestartReason;
        if (reason is null && !_stopping && w.TerminatedAt is null && (exit.Signal is not null || exit.ExitCode is not (null or 0)))
        {
            reason = "crash";
        }
        if (reason is not null && (!_stopping || w.RestartReason is not null))
        {
            _restarts[reason] = _restarts.GetValueOrDefault(reason) + 1;
        }
    }

    private double Seconds(long sinceMs) => PythonJson.Round2(Math.Max(0, Now - sinceMs) / 1000.0);

    /// <summary>gunicorn's _execute_command on parsed words. Throws <see cref="ArgumentException"/> for its ValueErrors.</summary>
    internal byte[] Execute(IReadOnlyList<string> parts)
    {
        if (parts.Count == 0)
        {
            throw new ArgumentException("Empty command");
        }
        string cmd = parts[0].ToLowerInvariant();
        var rest = parts.Skip(1).ToList();
        return cmd switch
        {
            "show" => Show(rest),
            "worker" => WorkerCommand(rest),
            "dirty" => DirtyCommand(rest),
            "reload" => Queue(Posix.SIGHUP, w => w.WriteString("status", "reloading")),
            "reopen" => Queue(Posix.SIGUSR1, w => w.WriteString("status", "reopening")),
            "shutdown" => Shutdown(rest.Count > 0 ? rest[0] : "graceful"),
            "help" => Json(WriteHelp),
            "stats" => Json(WriteWorkerStats),
            _ => throw new ArgumentException($"Unknown command: {cmd}"),
        };
    }

    private byte[] Show(List<string> args)
    {
        if (args.Count == 0)
        {
            throw new ArgumentException("Missing show target (all|workers|dirty|config|stats|listeners)");
        }
        string target = args[0].ToLowerInvariant();
        return target switch
        {
            "all" => Json(WriteAll),
            "workers" => Json(WriteWorkers),
            "dirty" => Json(w =>
            {
                w.WriteBoolean("enabled", false);
                w.WriteNull("pid");
                w.WriteStartArray("workers");
                w.WriteEndArray();
                w.WriteStartArray("apps");
                w.WriteEndArray();
            }),
            "config" => Json(WriteConfig),
            "stats" => Json(WriteStats),
            "listeners" => Json(WriteListeners),
            _ => throw new ArgumentException($"Unknown show target: {target}"),
        };
    }

    private byte[] WorkerCommand(List<string> args)
    {
        if (args.Count == 0)
        {
            throw new ArgumentException("Missing worker action (add|remove|kill)");
        }
        string action = args[0].ToLowerInvariant();
        switch (action)
        {
            case "add":
                {
                    int count = Math.Max(1, args.Count > 1 ? PyInt(args[1]) : 1);
                    int previous = _numWorkers;
                    _numWorkers += count;
                    return Json(w =>
                    {
                        w.WriteNumber("added", count);
                        w.WriteNumber("previous", previous);
                        w.WriteNumber("total", _numWorkers);
                    });
                }
            case "remove":
                {
                    int count = Math.Max(1, args.Count > 1 ? PyInt(args[1]) : 1);
                    int previous = _numWorkers;
                    int total = Math.Max(1, previous - count);
                    _numWorkers = total;
                    return Json(w =>
                    {
                        w.WriteNumber("removed", previous - total);
                        w.WriteNumber("previous", previous);
                        w.WriteNumber("total", total);
                    });
                }
            case "kill":
                {
                    if (args.Count < 2)
                    {
                        throw new ArgumentException("Missing PID for worker kill");
                    }
                    int pid = PyInt(args[1]);
                    WorkerProcess? target = _workers.Values.FirstOrDefault(x => x.Pid == pid);
                    if (target is null)
                    {
                        return Json(w =>
                        {
                            w.WriteBoolean("success", false);
                            w.WriteString("error", $"Worker {pid} not found");
                        });
                    }
                    Terminate(target);
                    return Json(w =>
                    {
                        w.WriteBoolean("success", true);
                        w.WriteNumber("killed", pid);
                    });
                }
            default:
                throw new ArgumentException($"Unknown worker action: {action}");
        }
    }

    private static byte[] DirtyCommand(List<string> args)
    {
        if (args.Count == 0)
        {
            throw new ArgumentException("Missing dirty action (add|remove)");
        }
        string action = args[0].ToLowerInvariant();
        if (action is not ("add" or "remove"))
        {
            throw new ArgumentException($"Unknown dirty action: {action}");
        }
        if (args.Count > 1)
        {
            _ = PyInt(args[1]);
        }
        return Json(w =>
        {
            w.WriteBoolean("success", false);
            w.WriteString("error", "Dirty arbiter not running");
        });
    }

    private byte[] Shutdown(string mode)
    {
        Queue(mode == "quick" ? Posix.SIGINT : Posix.SIGTERM, _ => { });
        return Json(w =>
        {
            w.WriteString("status", "shutting_down");
            w.WriteString("mode", mode);
        });
    }

    /// <summary>As gunicorn's handlers kill(2) their own master: the signal is handled after this reply.</summary>
    private byte[] Queue(int signal, Action<Utf8JsonWriter> reply)
    {
        _events.Writer.TryWrite(new ArbiterEvent(ArbiterEventKind.Signal, Signal: signal));
        return Json(reply);
    }

    private void WriteWorkers(Utf8JsonWriter w)
    {
        w.WriteStartArray("workers");
        foreach (WorkerProcess x in _workers.Values.OrderBy(x => x.Age))
        {
            w.WriteStartObject();
            w.WriteNumber("pid", x.Pid);
            w.WriteNumber("age", x.Age);
            w.WriteBoolean("booted", x.Booted);
            w.WriteBoolean("aborted", x.AbortedAt is not null);
            w.WritePropertyName("last_heartbeat");
            w.WriteRawValue(PythonJson.Float(Seconds(x.LastHeartbeat)));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("count", _workers.Count);
    }

    private void WriteAll(Utf8JsonWriter w)
    {
        w.WriteStartObject("arbiter");
        w.WriteNumber("pid", Environment.ProcessId);
        w.WriteString("type", "arbiter");
        w.WriteString("role", "master");
        w.WriteEndObject();
        w.WriteStartArray("web_workers");
        foreach (WorkerProcess x in _workers.Values.OrderBy(x => x.Age))
        {
            w.WriteStartObject();
            w.WriteNumber("pid", x.Pid);
            w.WriteString("type", "web");
            w.WriteNumber("age", x.Age);
            w.WriteBoolean("booted", x.Booted);
            w.WritePropertyName("last_heartbeat");
            w.WriteRawValue(PythonJson.Float(Seconds(x.LastHeartbeat)));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("web_worker_count", _workers.Count);
        w.WriteNull("dirty_arbiter");
        w.WriteStartArray("dirty_workers");
        w.WriteEndArray();
        w.WriteNumber("dirty_worker_count", 0);
    }

    /// <summary>gunicorn's show_config keys, in its order; worker_class is the class gunicorn would load.</summary>
    private void WriteConfig(Utf8JsonWriter w)
    {
        var s = _settings;
        w.WriteStartArray("bind");
        foreach (string b in s.Bind)
        {
            w.WriteStringValue(b);
        }
        w.WriteEndArray();
        w.WriteNumber("workers", s.Workers);
        bool threaded = s.WorkerClass is "gthread" || s.Threads > 1;
        w.WriteString("worker_class", threaded ? "<class 'gunicorn.workers.gthread.ThreadWorker'>" : "<class 'gunicorn.workers.sync.SyncWorker'>");
        w.WriteNumber("threads", s.Threads);
        w.WriteNumber("timeout", s.Timeout);
        w.WriteNumber("graceful_timeout", s.GracefulTimeout);
        w.WriteNumber("keepalive", s.KeepAlive);
        w.WriteNumber("max_requests", s.MaxRequests);
        w.WriteNumber("max_requests_jitter", s.MaxRequestsJitter);
        w.WriteNumber("worker_connections", s.WorkerConnections);
        w.WriteBoolean("preload_app", s.Preload);
        w.WriteBoolean("daemon", s.Daemon);
        if (s.PidFile is null)
        {
            w.WriteNull("pidfile");
        }
        else
        {
            w.WriteString("pidfile", s.PidFile);
        }
        if (s.ProcName is null)
        {
            w.WriteNull("proc_name");
        }
        else
        {
            w.WriteString("proc_name", s.ProcName);
        }
        w.WriteBoolean("reload", s.Reload);
        w.WriteNumber("dirty_workers", 0);
        w.WriteStartArray("dirty_apps");
        w.WriteEndArray();
        w.WriteNumber("dirty_timeout", 300);
        w.WriteString("control_socket", s.ControlSocket);
        w.WriteBoolean("control_socket_disable", s.ControlSocketDisable);
    }

    private void WriteStats(Utf8JsonWriter w)
    {
        w.WritePropertyName("uptime");
        w.WriteRawValue(PythonJson.Float(Seconds(_startedAt)));
        w.WriteNumber("pid", Environment.ProcessId);
        w.WriteNumber("workers_current", _workers.Count);
        w.WriteNumber("workers_target", _numWorkers);
        w.WriteNumber("workers_spawned", _spawned);
        w.WriteNumber("workers_killed", _killed);
        w.WriteNumber("reloads", _reloads);
        w.WriteNull("dirty_arbiter_pid");
    }

    private void WriteListeners(Utf8JsonWriter w)
    {
        w.WriteStartArray("listeners");
        foreach (Listener l in Listeners)
        {
            w.WriteStartObject();
            w.WriteString("address", l.Describe(_settings.IsSsl));
            w.WriteNumber("fd", l.Fd);
            w.WriteString("type", l.Socket.AddressFamily switch
            {
                System.Net.Sockets.AddressFamily.Unix => "unix",
                System.Net.Sockets.AddressFamily.InterNetwork => "tcp",
                System.Net.Sockets.AddressFamily.InterNetworkV6 => "tcp6",
                _ => "unknown",
            });
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("count", Listeners.Count);
    }

    /// <summary>gunicorn's help, plus sharpicorn's "stats" (what `sharpicorn ctl stats` and `top` show).</summary>
    private static void WriteHelp(Utf8JsonWriter w)
    {
        w.WriteStartObject("commands");
        foreach ((string cmd, string desc) in HelpText)
        {
            w.WriteString(cmd, desc);
        }
        w.WriteEndObject();
    }

    internal static readonly (string Command, string Description)[] HelpText =
    [
        ("show all", "Show all processes (arbiter, web workers, dirty workers)"),
        ("show workers", "List HTTP workers with their status"),
        ("show dirty", "List dirty workers and apps"),
        ("show config", "Show current effective configuration"),
        ("show stats", "Show server statistics"),
        ("show listeners", "Show bound sockets"),
        ("worker add [N]", "Spawn N workers (default 1)"),
        ("worker remove [N]", "Remove N workers (default 1)"),
        ("worker kill <PID>", "Gracefully terminate specific worker"),
        ("dirty add [N]", "Spawn N dirty workers (default 1)"),
        ("dirty remove [N]", "Remove N dirty workers (default 1)"),
        ("reload", "Graceful reload (HUP)"),
        ("reopen", "Reopen log files (USR1)"),
        ("shutdown [graceful|quick]", "Shutdown server (TERM/INT)"),
        ("stats", "Per-worker requests, in-flight requests, RSS and last progress (sharpicorn)"),
        ("help", "Show this help message"),
    ];

    /// <summary>sharpicorn's "stats": per worker, what its stats frames and /proc say.</summary>
    private void WriteWorkerStats(Utf8JsonWriter w)
    {
        long now = Now;
        w.WriteStartArray("workers");
        long total = _retired.TotalRequests;
        foreach (WorkerProcess x in _workers.Values.OrderBy(x => x.Age))
        {
            long requests = x.Stats?.TotalRequests ?? 0;
            total += requests;
            w.WriteStartObject();
            w.WriteNumber("pid", x.Pid);
            w.WriteNumber("age", x.Age);
            w.WriteBoolean("booted", x.Booted);
            w.WriteString("state", x.TerminatedAt is not null ? "stopping" : x.Retiring ? "retiring" : x.Booted ? "serving" : "booting");
            w.WritePropertyName("uptime");
            w.WriteRawValue(PythonJson.Float(Seconds(x.SpawnedAt)));
            w.WriteNumber("requests", requests);
            if (processes.ReadRssKiB(x.Pid) is long rss)
            {
                w.WriteNumber("rss_kib", rss);
            }
            else
            {
                w.WriteNull("rss_kib");
            }
            w.WritePropertyName("last_progress");
            w.WriteRawValue(PythonJson.Float(PythonJson.Round2(Math.Max(0, now - x.LastProgress) / 1000.0)));
            w.WriteStartArray("in_flight");
            foreach (InFlightRequest r in x.Stats?.InFlight ?? [])
            {
                w.WriteStartObject();
                w.WriteString("method", r.Method);
                w.WriteString("path", r.Path);
                w.WritePropertyName("duration");
                w.WriteRawValue(PythonJson.Float(PythonJson.Round2(Math.Max(0, now - r.StartedAt) / 1000.0)));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("count", _workers.Count);
        w.WriteNumber("requests_total", total);
    }

    /// <summary>Python's int() of a command argument, with its ValueError message.</summary>
    private static int PyInt(string s) =>
        int.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new ArgumentException($"invalid literal for int() with base 10: {Configuration.PythonText.Repr(s)}");

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
