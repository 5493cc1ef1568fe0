namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "Server Hooks" section: Python callables in the config file.</summary>
internal static class ServerHookSettings
{
    private const string InMaster = "the master runs no Python, so it calls no hooks";
    private const string InWorker = "the workers call no Python hooks";
    private const string PerWorkerSetup = "Each worker imports the app itself, so per-worker setup (database pools, tracing, Sentry) can run at import time";

    public static readonly Setting[] All =
    [
        Hook("on_starting", "OnStarting.on_starting", "server", "Called just before the master process is initialised.", InMaster),
        Hook("on_reload", "OnReload.on_reload", "server", "Called when SIGHUP recycles the workers.", InMaster),
        Hook("when_ready", "WhenReady.when_ready", "server", "Called just after the server has started.", InMaster),
        Hook("pre_fork", "Prefork.pre_fork", "server, worker", "Called just before a worker is forked.", InMaster,
            "Workers are started as new processes, not forked, so there is no fork to hook"),
        Hook("post_fork", "Postfork.post_fork", "server, worker", "Called in the worker just after it was forked.", InWorker, PerWorkerSetup),
        Hook("post_worker_init", "PostWorkerInit.post_worker_init", "worker", "Called in the worker after the app was loaded.", InWorker, PerWorkerSetup),
        Hook("worker_int", "WorkerInt.worker_int", "worker", "Called in the worker after SIGINT or SIGQUIT.", InWorker),
        Hook("worker_abort", "WorkerAbort.worker_abort", "worker", "Called in the worker on SIGABRT (a timeout).", InWorker,
            "sharpicorn logs the Python stacks of a worker that timed out before it is killed"),
        Hook("pre_exec", "PreExec.pre_exec", "server", "Called just before a new master is executed (USR2).", InMaster),
        Hook("pre_request", "PreRequest.pre_request", "worker, req", "Called in the worker before each request.", InWorker,
            "Wrap the app in WSGI middleware to run code before each request"),
        Hook("post_request", "PostRequest.post_request", "worker, req, environ, resp", "Called in the worker after each request.", InWorker,
            "Wrap the app in WSGI middleware to run code after each request"),
        Hook("child_exit", "ChildExit.child_exit", "server, worker", "Called in the master just after a worker exited.", InMaster),
        Hook("worker_exit", "WorkerExit.worker_exit", "server, worker", "Called in the worker just before it exits.", InWorker),
        Hook("nworkers_changed", "NumWorkersChanged.nworkers_changed", "server, new_value, old_value", "Called in the master when the number of workers changed.", InMaster),
        Hook("on_exit", "OnExit.on_exit", "server", "Called just before the master exits.", InMaster),
        Hook("ssl_context", "NewSSLContext.ssl_context", "config, default_ssl_context_factory", "Called to build the SSLContext.",
            "sharpicorn's TLS is .NET's, not Python's ssl module, so there is no SSLContext for the hook to change",
            "Use --ciphers, --cert-reqs and --ca-certs; TLS 1.2 and 1.3 are negotiated as the system's OpenSSL allows", planned: false),
    ];

    /// <summary>A hook of the master or a worker; gunicorn's default is a no-op method whose qualified name it prints.</summary>
    internal static HookSetting Hook(string name, string defaultQualName, string arguments, string help, string reason, string? instead = null, string section = Section.ServerHooks, bool planned = true) => new()
    {
        Name = name,
        Section = section,
        Arguments = arguments,
        Help = help,
        Default = defaultQualName,
        DefaultOrigin = "gunicorn's default, a no-op",
        Status = SettingStatus.Refused,
        Planned = planned,
        Reason = reason,
        Instead = instead,
    };
}
