namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "Worker Processes" section.</summary>
internal static class WorkerProcessSettings
{
    public static readonly Setting[] All =
    [
        new IntSetting
        {
            Name = "workers", Section = Section.WorkerProcesses, Flags = ["-w", "--workers"], Meta = "INT",
            Help = "The number of worker processes.",
            Default = 1, DefaultOrigin = "gunicorn's default; $WEB_CONCURRENCY when set, as in gunicorn", DefaultDoc = "1, or $WEB_CONCURRENCY", Min = 1,
            Set = (s, v) => s.Workers = v, Get = s => s.Workers,
        },
        new StringSetting
        {
            Name = "worker_class", Section = Section.WorkerProcesses, Flags = ["-k", "--worker-class"], Meta = "STRING",
            Help = "sync, gthread (WSGI, on sharpicorn's Python threads) or asgi (one asyncio loop per worker).",
            Default = "sync", DefaultOrigin = "gunicorn's default",
            Validate = WorkerClass,
            Set = (s, v) => s.WorkerClass = v ?? "sync", Get = s => s.WorkerClass,
            Notes = "`sync` and `gthread` (and their gunicorn class paths) are accepted, and for ASGI apps `asgi`, `uvicorn.workers.UvicornWorker` and `uvicorn_worker.UvicornWorker`, all served by sharpicorn's own ASGI implementation (an info line says so); gevent, eventlet and tornado are refused. An ASGI app is also detected without `-k` (see `interface`). Both classes run the same model: Kestrel in front, the app on `--threads` Python threads. As in gunicorn, `sync` with `--threads` > 1 is `gthread`. The class decides when a worker accepts: `sync` only while a Python thread is free (a busy worker leaves new connections in the kernel backlog for an idle one), `gthread` while it has fewer than `worker_connections` requests in progress (running or queued for a thread); idle keep-alive connections and heads still arriving do not count. A sync worker keeps connections alive, which gunicorn's does not.",
        },
        new IntSetting
        {
            Name = "threads", Section = Section.WorkerProcesses, Flags = ["--threads"], Meta = "INT",
            Help = "The number of Python threads handling requests in each worker.",
            Default = 1, DefaultOrigin = "gunicorn's default", Min = 1,
            Set = (s, v) => s.Threads = v, Get = s => s.Threads,
        },
        new IntSetting
        {
            Name = "worker_connections", Section = Section.WorkerProcesses, Flags = ["--worker-connections"], Meta = "INT",
            Help = "The maximum number of simultaneous clients per worker.",
            Default = 1000, DefaultOrigin = "gunicorn's default", Min = 1,
            Set = (s, v) => s.WorkerConnections = v, Get = s => s.WorkerConnections,
            Notes = "As in gunicorn, it bounds gthread workers only, but it counts connections with a request in progress (running on a Python thread or queued for one), not idle keep-alive connections nor ones still sending their head: those cost Kestrel a few KiB each and no thread, so a slowloris cannot fill it (`--header-timeout` sheds them). Over it a worker stops accepting and new connections wait in the kernel backlog for another worker. Open connections of any kind are capped separately by the open-file limit (raised from soft to hard at start) less a tenth kept for the app; over that cap, too, connections wait in the backlog instead of being accepted and closed.",
        },
        new IntSetting
        {
            Name = "max_requests", Section = Section.WorkerProcesses, Flags = ["--max-requests"], Meta = "INT",
            Help = "Requests a worker serves before it is replaced; 0 is no limit.",
            Default = 0, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.MaxRequests = v, Get = s => s.MaxRequests,
            Notes = "Exact: a worker never starts more requests than this (+ its jitter). At the limit it stops accepting, answers with `Connection: close` and drains; its replacement is spawned ahead, from the worker's measured request rate and boot time, and requests beyond the limit wait in the kernel backlog, never fail.",
        },
        new IntSetting
        {
            Name = "max_requests_jitter", Section = Section.WorkerProcesses, Flags = ["--max-requests-jitter"], Meta = "INT",
            Help = "Random extra requests (0 to this) added to max_requests per worker.",
            Default = 0, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.MaxRequestsJitter = v, Get = s => s.MaxRequestsJitter,
        },
        new IntSetting
        {
            Name = "timeout", Section = Section.WorkerProcesses, Flags = ["-t", "--timeout"], Meta = "INT",
            Help = "Workers silent (no progress) for more than this many seconds are killed and restarted; 0 is off.",
            Default = 30, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.Timeout = v, Get = s => s.Timeout,
            Notes = "As gunicorn per worker class. `gthread` (`-k gthread`, or `--threads` > 1): the heartbeat is the worker's own, so a request that waits longer than this (a slow database query) keeps its worker; only a thread holding the GIL that long, which would stall gunicorn's main loop too, gets it aborted. sharpicorn logs such a request's Python stack once. `sync` (`--threads` 1): a request without client I/O for this long gets the worker aborted (SIGABRT, `WORKER TIMEOUT (pid:N)`, exit 1); a response that keeps streaming counts as progress, where gunicorn's sync worker would abort it too. Before it exits, every in-flight request whose response has not started gets a 504 instead of a reset connection, then the stacks are logged. ASGI (as gunicorn's uvicorn worker): the heartbeat is the event loop's, so a coroutine that awaits keeps its worker and only a loop blocked by sync code (`time.sleep` in a coroutine) gets it aborted; the stacks logged are the loop thread's and every pending task's. Importing the app falls under `--boot-timeout` instead.",
        },
        new IntSetting
        {
            Name = "graceful_timeout", Section = Section.WorkerProcesses, Flags = ["--graceful-timeout"], Meta = "INT",
            Help = "Seconds in-flight requests get to finish after SIGTERM.",
            Default = 30, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.GracefulTimeout = v, Get = s => s.GracefulTimeout,
        },
        new IntSetting
        {
            Name = "keepalive", Section = Section.WorkerProcesses, Flags = ["--keep-alive"], Meta = "INT",
            Help = "Seconds to wait for the next request on a Keep-Alive connection; 0 turns keep-alive off.",
            Default = 2, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.KeepAlive = v, Get = s => s.KeepAlive,
            Notes = "Applies to sync workers too, which gunicorn's sync worker does not keep alive.",
        },
        new StringSetting
        {
            Name = "asgi_loop", Section = Section.WorkerProcesses, Flags = ["--asgi-loop"], Meta = "STRING",
            Help = "The event loop of gunicorn's ASGI worker: auto, asyncio or uvloop.",
            Default = "auto", DefaultOrigin = "gunicorn's default", Choices = ["auto", "asyncio", "uvloop"], IgnoreCase = true,
            Set = (s, v) => s.AsgiLoop = (v ?? "auto").ToLowerInvariant(), Get = s => s.AsgiLoop,
            Notes = "`auto` takes uvloop when it is importable, else asyncio. One loop per worker, on its own Python thread.",
        },
        new StringSetting
        {
            Name = "asgi_lifespan", Section = Section.WorkerProcesses, Flags = ["--asgi-lifespan"], Meta = "STRING",
            Help = "ASGI lifespan handling of gunicorn's ASGI worker: auto, on or off.",
            Default = "auto", DefaultOrigin = "gunicorn's default", Choices = ["auto", "on", "off"], IgnoreCase = true,
            Set = (s, v) => s.AsgiLifespan = (v ?? "auto").ToLowerInvariant(), Get = s => s.AsgiLifespan,
            Notes = "`auto`: an app that raises on the lifespan scope before its first message is served without lifespan, as uvicorn does; `on`: that is an error. `lifespan.startup.failed` stops the worker with exit code 3 and the app's message.",
        },
        new IntSetting
        {
            Name = "asgi_disconnect_grace_period", Section = Section.WorkerProcesses, Flags = ["--asgi-disconnect-grace-period"], Meta = "INT",
            Help = "Seconds an ASGI app gets to handle a client disconnect.",
            Default = 3, DefaultOrigin = "gunicorn's default", Min = 0,
            Set = (s, v) => s.AsgiDisconnectGracePeriod = v, Get = s => s.AsgiDisconnectGracePeriod,
            Notes = "After the client goes away the app's task gets this long to finish (it has been sent `http.disconnect`), then it is cancelled.",
        },
        new StringSetting
        {
            Name = "http_parser", Section = Section.WorkerProcesses, Flags = ["--http-parser"], Meta = "STRING",
            Help = "The HTTP parser of gunicorn's ASGI worker: auto, fast or python.",
            Default = "auto", DefaultOrigin = "gunicorn's default", Choices = ["auto", "fast", "python"], IgnoreCase = true,
            Status = SettingStatus.AcceptedWithWarning, Reason = "has no effect: requests are always parsed by Kestrel",
        },
    ];

    private static string? WorkerClass(string? value) => value switch
    {
        "sync" or "gunicorn.workers.sync.SyncWorker" or "egg:gunicorn#sync" => "sync",
        "gthread" or "gunicorn.workers.gthread.ThreadWorker" or "egg:gunicorn#gthread" => "gthread",
        "asgi" or "egg:gunicorn#asgi" or "gunicorn.workers.gasgi.ASGIWorker" or "uvicorn.workers.UvicornWorker" or "uvicorn_worker.UvicornWorker" => "asgi",
        _ => throw new SettingException($"'{value}' is not supported; sharpicorn runs sync and gthread apps on its own Python threads (use --threads for concurrency) and ASGI apps on its own loop (-k asgi)"),
    };
}
