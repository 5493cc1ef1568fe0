namespace Sharpicorn.Configuration.Sections;

/// <summary>sharpicorn's own settings, which gunicorn does not have. A gunicorn.conf.py may set them too; gunicorn ignores names it does not know.</summary>
internal static class SharpicornSettings
{
    public static readonly Setting[] All =
    [
        new StringSetting
        {
            Name = "python", Section = Section.Sharpicorn, Flags = ["--python"], Meta = "PATH", SharpicornOnly = true,
            Help = "The Python interpreter to embed.",
            Default = null, DefaultOrigin = "sharpicorn's own: $SHARPICORN_PYTHON, else $VIRTUAL_ENV/bin/python, else python3 on PATH",
            DefaultDoc = "$SHARPICORN_PYTHON, $VIRTUAL_ENV/bin/python, python3",
            Set = (s, v) => s.Python = v, Get = s => s.Python,
        },
        new StringSetting
        {
            Name = "forwarded_remote_addr", Section = Section.Sharpicorn, Flags = ["--forwarded-remote-addr"], Meta = "HEADER", Const = "x-forwarded-for", SharpicornOnly = true,
            Help = "Take REMOTE_ADDR from this header when the peer is in forwarded_allow_ips: off, x-forwarded-for (the bare flag) or forwarded (RFC 7239).",
            Default = "off", DefaultOrigin = "sharpicorn's own; off, as gunicorn never rewrites REMOTE_ADDR from a header",
            Choices = ["off", "x-forwarded-for", "forwarded"], IgnoreCase = true,
            Set = (s, v) => s.ForwardedRemoteAddr = v ?? "off", Get = s => s.ForwardedRemoteAddr,
            Notes = "Named after the environ key it sets, beside gunicorn's forwarded_allow_ips; waitress calls this trusted_proxy_headers and uvicorn --proxy-headers. One header is named, not both, so a client cannot slip in the one the front end does not manage. The client is the rightmost address that is not itself in forwarded_allow_ips, as in uvicorn; REMOTE_PORT is the port the header gives, else 0. A hop that is not an IP address (unknown, an obfuscated name) or a malformed header leaves REMOTE_ADDR the peer's.",
        },
        new StringSetting
        {
            Name = "metrics_bind", Section = Section.Sharpicorn, Flags = ["--metrics-bind"], Meta = "ADDRESS", SharpicornOnly = true,
            Help = "Serve Prometheus metrics (the text exposition format, summed over the workers) from the master at HOST:PORT.",
            Default = null, DefaultOrigin = "sharpicorn's own; off",
            Set = (s, v) => s.MetricsBind = v, Get = s => s.MetricsBind,
            Notes = "Any path answers (/metrics by convention). Requests by method and status, a duration histogram, in-flight requests, bytes in and out, workers, restarts by reason, per-worker RSS and each listener's accept-queue depth (TCP_INFO). Counters include the workers that were replaced, so they never go backwards while the master runs.",
        },
        new StringSetting
        {
            Name = "interface", Section = Section.Sharpicorn, Flags = ["--interface"], Meta = "STRING", SharpicornOnly = true,
            Help = "The app's interface: auto, asgi or wsgi.",
            Default = "auto", DefaultOrigin = "sharpicorn's own; auto, as granian's --interface picks per app",
            Choices = ["auto", "asgi", "wsgi"], IgnoreCase = true,
            Set = (s, v) => s.Interface = (v ?? "auto").ToLowerInvariant(), Get = s => s.Interface,
            Notes = "`auto`: an `async def` callable, or an object whose `__call__` is a coroutine function, is ASGI 3; anything else is WSGI. `-k asgi` (or uvicorn's worker classes) means `asgi`.",
        },
        new IntSetting
        {
            Name = "websocket_max_message_size", Section = Section.Sharpicorn, Flags = ["--websocket-max-message-size"], Meta = "INT", SharpicornOnly = true,
            Help = "Bytes one WebSocket message may have (ASGI); a bigger one closes the connection with 1009.",
            Default = 16 * 1024 * 1024, DefaultOrigin = "sharpicorn's own; 16 MiB, uvicorn's --ws-max-size", Min = 1,
            Set = (s, v) => s.WebsocketMaxMessageSize = v, Get = s => s.WebsocketMaxMessageSize,
        },
        new IntSetting
        {
            Name = "boot_timeout", Section = Section.Sharpicorn, Flags = ["--boot-timeout"], Meta = "INT", SharpicornOnly = true,
            Help = "Seconds a worker may take to import the app and start serving; 0 is no limit.",
            Default = 120, DefaultOrigin = "sharpicorn's own, apart from timeout so a slow import is not killed by it (gunicorn #3436)",
            Set = (s, v) => s.BootTimeout = v, Get = s => s.BootTimeout,
        },
        new IntSetting
        {
            Name = "request_timeout", Section = Section.Sharpicorn, Flags = ["--request-timeout"], Meta = "INT", SharpicornOnly = true,
            Help = "Seconds one request may run: at the deadline the client gets a 504 unless the response has started, and the thread is interrupted (an ASGI request's task is cancelled); 0 is off.",
            Default = 0, DefaultOrigin = "sharpicorn's own, after mod_wsgi's request-timeout; off",
            Set = (s, v) => s.RequestTimeout = v, Get = s => s.RequestTimeout,
        },
        new IntSetting
        {
            Name = "header_timeout", Section = Section.Sharpicorn, Flags = ["--header-timeout"], Meta = "INT", SharpicornOnly = true,
            Help = "Seconds a client may take to send a request's head (line and headers) once it started; over it the connection is closed with a 408.",
            Default = 10, DefaultOrigin = "the header timeout of Apache httpd's anti-slowloris mod_reqtimeout configuration (header=10-20); Kestrel's own is 30 s", Min = 1,
            Set = (s, v) => s.HeaderTimeout = v, Get = s => s.HeaderTimeout,
            Notes = "gunicorn has none. A real client sends its head at once; a slowloris client trickles it, and this bounds how long each one holds a descriptor. Slow heads never hold a Python thread or count against `worker_connections` (see `worker_connections`).",
        },
        new IntSetting
        {
            Name = "max_worker_lifetime", Section = Section.Sharpicorn, Flags = ["--max-worker-lifetime"], Meta = "INT", SharpicornOnly = true,
            Help = "Seconds a worker lives before it is replaced; 0 is no limit.",
            Default = 0, DefaultOrigin = "sharpicorn's own; no limit",
            Set = (s, v) => s.MaxWorkerLifetime = v, Get = s => s.MaxWorkerLifetime,
        },
        new IntSetting
        {
            Name = "max_worker_lifetime_jitter", Section = Section.Sharpicorn, Flags = ["--max-worker-lifetime-jitter"], Meta = "INT", SharpicornOnly = true,
            Help = "Random extra seconds (0 to this) added to max_worker_lifetime per worker.",
            Default = 0, DefaultOrigin = "sharpicorn's own",
            Set = (s, v) => s.MaxWorkerLifetimeJitter = v, Get = s => s.MaxWorkerLifetimeJitter,
        },
        new IntSetting
        {
            Name = "max_worker_memory", Section = Section.Sharpicorn, Flags = ["--max-worker-memory"], Meta = "INT", SharpicornOnly = true,
            Help = "MiB of RSS above which a worker is replaced; 0 is no limit.",
            Default = 0, DefaultOrigin = "sharpicorn's own; no limit",
            Set = (s, v) => s.MaxWorkerMemory = v, Get = s => s.MaxWorkerMemory,
        },
        new IntSetting
        {
            Name = "max_worker_memory_jitter", Section = Section.Sharpicorn, Flags = ["--max-worker-memory-jitter"], Meta = "INT", SharpicornOnly = true,
            Help = "Random extra MiB (0 to this) added to max_worker_memory per worker.",
            Default = 0, DefaultOrigin = "sharpicorn's own",
            Set = (s, v) => s.MaxWorkerMemoryJitter = v, Get = s => s.MaxWorkerMemoryJitter,
        },
        new BoolSetting
        {
            Name = "access_log_json", Section = Section.Sharpicorn, Flags = ["--access-log-json"], SharpicornOnly = true,
            Help = "Write the access log as one JSON object per request instead of access_log_format.",
            Default = false, DefaultOrigin = "sharpicorn's own; off, gunicorn's text format",
            Set = (s, v) => s.AccessLogJson = v ?? false, Get = s => s.AccessLogJson,
            Notes = "Fields: `time` (ISO 8601, the request's start), `remote_addr`, `user` (HTTP Basic user name), `method`, `uri` (the raw request target), `path`, `query`, `protocol`, `status`, `bytes`, `duration_us`, `referer`, `user_agent`, `pid`; absent values are null. The `{NAME}i`, `{NAME}o` and `{NAME}e` atoms of `--access-logformat` add `request_headers`, `response_headers` and `environ` objects keyed by those names. Escaping is JSON's: quotes, backslashes and control characters are escaped, other characters are UTF-8. Written to `--access-logfile`, which it needs.",
        },
        new StringSetting
        {
            Name = "health_path", Section = Section.Sharpicorn, Flags = ["--health-path"], Meta = "PATH", SharpicornOnly = true,
            Help = "A path the server answers itself with 200 OK, without calling the app, for load balancer and Kubernetes probes.",
            Default = null, DefaultOrigin = "sharpicorn's own; off, as gunicorn has no health endpoint",
            Validate = v => v is null || v.StartsWith('/') ? v : throw new SettingException($"health_path must start with '/', got '{v}'"),
            Set = (s, v) => s.HealthPath = v, Get = s => s.HealthPath,
            Notes = "Any method on exactly this path (the query string is ignored) gets `200 OK`, `Content-Type: text/plain` and the body `OK` (none for HEAD), from the worker's HTTP front: the app is not called, no Python thread is taken, it is not written to the access log and does not count towards `max_requests`. A worker answers it once it has loaded the app (its HTTP front starts only then), so a 200 means the app imported and the worker accepts connections; it does not call into the app, so a deadlocked app still answers: judge that with a probe on a real page.",
        },
    ];
}
