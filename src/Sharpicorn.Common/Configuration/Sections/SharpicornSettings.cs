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
            Help = "Seconds one request may run: at the deadline the client gets a 504 unless the response has started, and the thread is interrupted; 0 is off.",
            Default = 0, DefaultOrigin = "sharpicorn's own, after mod_wsgi's request-timeout; off",
            Set = (s, v) => s.RequestTimeout = v, Get = s => s.RequestTimeout,
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
