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
            Help = "Seconds one request may run before its thread is interrupted and the client gets a 504; 0 is off.",
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
    ];
}
