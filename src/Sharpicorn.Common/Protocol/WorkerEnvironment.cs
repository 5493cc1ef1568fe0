namespace Sharpicorn.Protocol;

/// <summary>
/// The environment variables that make a sharpicorn process a worker: the contract between the
/// arbiter and the processes it starts. Everything else a worker knows comes from the same
/// command line, GUNICORN_CMD_ARGS and config as the arbiter's.
/// </summary>
internal static class WorkerEnvironment
{
    /// <summary>Set (to the worker's age) in workers only.</summary>
    public const string Role = "SHARPICORN_WORKER";

    /// <summary>Comma-separated inherited listening descriptors.</summary>
    public const string ListenFds = "SHARPICORN_LISTEN_FDS";

    /// <summary>The write end of the worker's pipe to the arbiter.</summary>
    public const string PipeFd = "SHARPICORN_PIPE_FD";

    /// <summary>The arbiter's pid: a worker whose parent changes shuts down, as in gunicorn.</summary>
    public const string MasterPid = "SHARPICORN_MASTER_PID";

    /// <summary>The worker count at spawn time, for wsgi.multiprocess.</summary>
    public const string Workers = "SHARPICORN_WORKERS";

    /// <summary>Set in the detached copy --daemon starts; it becomes the arbiter.</summary>
    public const string Daemonized = "SHARPICORN_DAEMONIZED";

    /// <summary>Set for --preload's one-off process: load the app, report, exit.</summary>
    public const string PreloadCheck = "SHARPICORN_PRELOAD_CHECK";

    /// <summary>Listening descriptors a re-exec'd master (USR2) inherits from the old one.</summary>
    public const string InheritedFds = "SHARPICORN_INHERITED_FDS";
}
