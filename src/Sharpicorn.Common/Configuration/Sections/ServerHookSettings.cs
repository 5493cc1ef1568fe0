namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "Server Hooks" section: Python callables in the config file.</summary>
internal static class ServerHookSettings
{
    private const string InWorkerNotes = "The worker runs the config file again in its own interpreter to call it";
    private const string InMasterNotes = "The master embeds Python only when the config file defines a master hook (or --preload) and runs the file again in it";

    public static readonly Setting[] All =
    [
        MasterHook("on_starting", "OnStarting.on_starting", "server", "Called in the master just before it binds its sockets; if it raises, the master exits 1."),
        MasterHook("on_reload", "OnReload.on_reload", "server", "Called in the master when SIGHUP recycles the workers."),
        MasterHook("when_ready", "WhenReady.when_ready", "server", "Called in the master just after the server has started; if it raises, the master exits 1."),
        MasterHook("pre_fork", "Prefork.pre_fork", "server, worker", "Called in the master just before each worker is spawned (workers are new processes, not forks)."),
        WorkerHook("post_fork", "Postfork.post_fork", "server, worker", "Called in the new worker before it imports the app (workers are spawned, not forked)."),
        WorkerHook("post_worker_init", "PostWorkerInit.post_worker_init", "worker", "Called in the worker after the app was loaded."),
        WorkerHook("worker_int", "WorkerInt.worker_int", "worker", "Called in the worker after SIGINT or SIGQUIT."),
        WorkerHook("worker_abort", "WorkerAbort.worker_abort", "worker", "Called in the worker on SIGABRT (a timeout)."),
        MasterHook("pre_exec", "PreExec.pre_exec", "server", "Called in the master just before a new master is executed (USR2)."),
        WorkerHook("pre_request", "PreRequest.pre_request", "worker, req", "Called in the worker before each request, on the request's thread."),
        WorkerHook("post_request", "PostRequest.post_request", "worker, req, environ, resp", "Called in the worker after each request, on the request's thread."),
        MasterHook("child_exit", "ChildExit.child_exit", "server, worker", "Called in the master just after a worker exited."),
        WorkerHook("worker_exit", "WorkerExit.worker_exit", "server, worker", "Called in the worker just before it exits."),
        MasterHook("nworkers_changed", "NumWorkersChanged.nworkers_changed", "server, new_value, old_value", "Called in the master when the number of workers changed."),
        MasterHook("on_exit", "OnExit.on_exit", "server", "Called in the master just before it exits."),
        Hook("ssl_context", "NewSSLContext.ssl_context", "config, default_ssl_context_factory", "Called to build the SSLContext.",
            "sharpicorn's TLS is .NET's, not Python's ssl module, so there is no SSLContext for the hook to change",
            "Use --ciphers, --cert-reqs and --ca-certs; TLS 1.2 and 1.3 are negotiated as the system's OpenSSL allows", planned: false),
    ];

    /// <summary>A hook gunicorn calls in a worker: the worker calls it, with gunicorn's arguments.</summary>
    private static HookSetting WorkerHook(string name, string defaultQualName, string arguments, string help) => new()
    {
        Name = name,
        Section = Section.ServerHooks,
        Arguments = arguments,
        Help = help,
        Default = defaultQualName,
        DefaultOrigin = "gunicorn's default, a no-op",
        Notes = InWorkerNotes,
    };

    /// <summary>A hook gunicorn calls in the master: the master embeds Python for it and calls it, with gunicorn's arguments.</summary>
    private static HookSetting MasterHook(string name, string defaultQualName, string arguments, string help) => new()
    {
        Name = name,
        Section = Section.ServerHooks,
        Arguments = arguments,
        Help = help,
        Default = defaultQualName,
        DefaultOrigin = "gunicorn's default, a no-op",
        Notes = InMasterNotes,
    };

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
