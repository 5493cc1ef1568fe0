// Design notes
// ------------
// The worker's life once its app turned out to be ASGI (WorkerHost loaded it: detected, or
// forced by --interface asgi / -k asgi). Boot order continues from WorkerHost's:
//   the event loop's thread (AsgiLoop) -> lifespan startup (exit 3 with the app's message on
//   lifespan.startup.failed) -> Kestrel on the inherited sockets -> "booted" -> heartbeat thread.
// The heartbeat's progress is the loop's last wake-up: the heartbeat posts a tick every period,
// so a loop that is blocked (an app calling time.sleep in a coroutine) stops making progress
// and the arbiter's --timeout aborts the worker, as gunicorn's uvicorn worker would be. On that
// SIGABRT the worker answers 504 where nothing was sent, logs the loop thread's Python stack
// and every pending task's, and exits 1 (AbortAsync). The same blocked loop cannot run its own
// --request-timeout timers, so the heartbeat answers a request a second past its deadline
// (AnswerOverdue) with the 504 and its stack, as WSGI's deadline does whatever the app is in.
// Signals are WorkerHost's, with ASGI's stop: TERM drains (WebSockets get 1001, Connection:
// close on HTTP/1.1 responses, Kestrel stops within graceful_timeout), then lifespan shutdown
// runs on the loop before the worker exits.
using System.Threading.Channels;
using Sharpicorn.Asgi;
using Sharpicorn.Cli;
using Sharpicorn.Http;
using Sharpicorn.Logging;
using Sharpicorn.Platform;
using Sharpicorn.Protocol;
using Sharpicorn.Python;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Worker;

internal static class AsgiWorkerHost
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    /// <summary>Not a signal: the accept gate's "max_requests reached", queued on the signal loop.</summary>
    private const int LimitReached = -1;

    /// <summary>Serves <paramref name="app"/> (a reference the loop keeps) until a signal ends the worker; returns the exit code through <paramref name="exit"/>.</summary>
    public static async Task<int> RunAsync(ServerSettings settings, ForwardedScheme forwarded, ErrorLog log, AccessLog? access, nint app, WorkerChannel channel, int masterPid, IEnumerable<ulong> fds, TlsSetup? tls, Channel<int> signals, WorkerHooks? hooks, Func<int, int> exit)
    {
        var options = new AsgiOptions
        {
            Loop = settings.AsgiLoop,
            Lifespan = settings.AsgiLifespan,
            RootPath = settings.RootPath,
            RequestTimeout = settings.RequestTimeout,
            DisconnectGracePeriod = settings.AsgiDisconnectGracePeriod,
            WebSocketMaxMessageSize = settings.WebsocketMaxMessageSize,
        };
        AsgiLoop loop;
        using (GilScope.Acquire())
        {
            loop = AsgiLoop.Create(log, options);
            loop.Start(app);
        }
        (bool ok, string message) = await loop.Started.ConfigureAwait(false);
        if (!ok)
        {
            // uvicorn's words; the arbiter then stops with gunicorn's "Worker failed to boot." (exit 3).
            if (message.Length > 0)
            {
                log.Error(message.TrimEnd('\n'));
            }
            log.Error("Application startup failed. Exiting.");
            return exit(ExitCodes.WorkerBootError);
        }

        long maxRequests = WorkerMonitor.JitteredMaxRequests(settings);
        AsgiHttpApplication? asgi = null;
        // ASGI is gthread's rule: accept while requests in progress < worker_connections.
        var gate = new AcceptGate(false, settings.WorkerConnections, maxRequests, () =>
        {
            if (asgi is not null)
            {
                asgi.Draining = true;
            }
            signals.Writer.TryWrite(LimitReached);
        }, null, AcceptGate.MaxOpenConnections(OpenFileLimit.Current));
        asgi = new AsgiHttpApplication(loop, gate, settings, forwarded, log, access);
        KestrelFront front = await KestrelFront.StartAsync(fds, settings, asgi, gate, forwarded, tls, log, new KestrelLoggerFactory(log)).ConfigureAwait(false);
        channel.Send(WorkerMessage.Booted);

        using var heartbeat = new CancellationTokenSource();
        var beat = new Thread(() => Heartbeat(loop, channel, masterPid, signals.Writer, log, heartbeat.Token)) { IsBackground = true, Name = "asgi heartbeat" };
        beat.Start();

        while (true)
        {
            int signal = await signals.Reader.ReadAsync().ConfigureAwait(false);
            switch (signal)
            {
                case Posix.SIGUSR1:
                    log.Reopen();
                    access?.Reopen();
                    continue;
                case Posix.SIGABRT:
                    await AbortAsync(front, loop, log).ConfigureAwait(false);
                    // As gunicorn's handle_abort, for a uvicorn worker too: after the report, before the exit.
                    hooks?.Run("worker_abort");
                    return exit(1);
                case LimitReached:
                    log.Info("Autorestarting worker after current request.");
                    channel.Send(WorkerMessage.Retire);
                    await GracefulStopAsync(front, loop, asgi, settings, log).ConfigureAwait(false);
                    break;
                case Posix.SIGTERM:
                    await GracefulStopAsync(front, loop, asgi, settings, log).ConfigureAwait(false);
                    break;
                default:
                    hooks?.Run("worker_int");
                    using (var now = new CancellationTokenSource(TimeSpan.Zero))
                    {
                        await front.StopAsync(now.Token).ConfigureAwait(false);
                    }
                    break;
            }
            await heartbeat.CancelAsync().ConfigureAwait(false);
            return exit(ExitCodes.Ok);
        }
    }

    private static async Task GracefulStopAsync(KestrelFront front, AsgiLoop loop, AsgiHttpApplication asgi, ServerSettings settings, ErrorLog log)
    {
        long deadline = Environment.TickCount64 + (settings.GracefulTimeout * 1000L);
        asgi.Draining = true;
        loop.CloseWebSockets();
        await front.DrainAsync(TimeSpan.FromSeconds(Math.Min(settings.GracefulTimeout, settings.KeepAlive + 1)), () => log.Debug("Stopped accepting; draining open connections")).ConfigureAwait(false);
        using (var rest = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64))))
        {
            await front.StopAsync(rest.Token).ConfigureAwait(false);
        }
        // Lifespan shutdown, within what is left of graceful_timeout.
        loop.Stop();
        long left = Math.Max(0, deadline - Environment.TickCount64);
        await Task.WhenAny(loop.Stopped, Task.Delay(TimeSpan.FromMilliseconds(left))).ConfigureAwait(false);
    }

    /// <summary>
    /// --request-timeout while the app blocks the loop (sync code in a coroutine), so the loop's
    /// timer cannot fire: as WSGI's deadline, the client gets its 504 at the deadline whatever the
    /// app is stuck in, and the stack is logged. Needs the GIL once, with StackDump's bounded wait
    /// on a helper thread; never on a Kestrel thread.
    /// </summary>
    private static void AnswerOverdue(AsgiLoop loop, ErrorLog log)
    {
        List<AsgiConnection> overdue = loop.Overdue(BlockedLoopMs);
        if (overdue.Count == 0)
        {
            return;
        }
        List<string>? records = StackDump.WithGil(() => loop.DeadlineUnderGil(overdue));
        if (records is null)
        {
            log.Error($"Request timeout: {overdue.Count} request(s) past the deadline while the event loop is blocked\n  (no stack: the GIL was not released within 2 s; a thread is stuck in C code holding it)");
            return;
        }
        foreach (string record in records)
        {
            log.Error(record);
        }
    }

    /// <summary>
    /// How long a timed-out worker waits for its 504s to reach the clients, as WorkerHost's: with
    /// StackDump's GIL wait, inside the 3 s the arbiter gives it before SIGKILL.
    /// </summary>
    private static readonly TimeSpan AbortFlush = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The arbiter's SIGABRT (--timeout: the loop had no wake-up for that long). As the WSGI
    /// worker: stop accepting, a 504 for every request whose response has not started, then the
    /// stacks: the loop thread's (where the app blocks it) and every pending task's. All of it
    /// needs the GIL once, taken on a helper thread with StackDump's bounded wait; an app holding
    /// the GIL in C code past it gets neither 504s nor stacks, only the line saying so.
    /// </summary>
    private static async Task AbortAsync(KestrelFront front, AsgiLoop loop, ErrorLog log)
    {
        using var flush = new CancellationTokenSource(AbortFlush);
        Task stopping = front.StopAsync(flush.Token);
        List<string>? records = StackDump.WithGil(loop.AbortUnderGil);
        // Logged before the flush is waited for: the SIGKILL 3 s after the SIGABRT must not cost the stacks.
        if (records is null)
        {
            log.Error("WORKER TIMEOUT: the event loop's thread\n  (no stack: the GIL was not released within 2 s; a thread is stuck in C code holding it)");
        }
        else
        {
            foreach (string record in records)
            {
                log.Error(record);
            }
        }
        try
        {
            await stopping.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // What did not finish within AbortFlush is cut by the exit, as in gunicorn.
        }
    }

    /// <summary>
    /// How late past --request-timeout a request must be before the heartbeat answers it instead
    /// of the loop's own timer; and how long without a wake-up before the loop counts as blocked.
    /// A guard against racing a loop that is merely busy, not a measurement.
    /// </summary>
    private const long BlockedLoopMs = 1000;

    private static void Heartbeat(AsgiLoop loop, WorkerChannel channel, int masterPid, ChannelWriter<int> signals, ErrorLog log, CancellationToken stop)
    {
        while (!stop.WaitHandle.WaitOne(Period))
        {
            loop.Tick();
            if (MonotonicClock.NowMs(TimeProvider.System) - loop.LastDrainMs > BlockedLoopMs)
            {
                AnswerOverdue(loop, log);
            }
            if (!channel.Send(WorkerMessage.Heartbeat, loop.LastDrainMs) || Posix.GetParentPid() != masterPid)
            {
                // The arbiter is gone: stop now, as gunicorn's workers do.
                signals.TryWrite(Posix.SIGQUIT);
                return;
            }
        }
    }
}
