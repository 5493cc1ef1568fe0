using Sharpicorn.Protocol;

namespace Sharpicorn.Arbiter;

/// <summary>
/// Everything the arbiter does to processes and receives from the OS, so its loop can run
/// in-process against fakes. Callbacks may run on any thread: they must only enqueue.
/// </summary>
internal interface IProcessApi
{
    /// <summary>
    /// Starts worker number <paramref name="age"/>. Its pipe messages go to
    /// <paramref name="onMessage"/>; <paramref name="onExit"/> runs once the process has ended
    /// (it is then a zombie until <see cref="IWorkerChild.Reap"/>). Throws
    /// <see cref="SpawnException"/> when the process cannot be started.
    /// </summary>
    IWorkerChild Spawn(int age, int workers, Action<WorkerMessage, long> onMessage, Action onExit);

    /// <summary>
    /// USR2: starts a new master of this executable on the same listening sockets. Throws
    /// <see cref="SpawnException"/> when it cannot be started.
    /// </summary>
    IMasterProcess StartMaster();

    /// <summary>kill(2). Returns 0, or the errno.</summary>
    int Kill(int pid, int signal);

    /// <summary>Handlers for the master's signals; each only hands the number on.</summary>
    IDisposable RegisterSignals(IReadOnlyList<int> signals, Action<int> onSignal);

    /// <summary>Where the pipe readers hand a worker's stats frames (its age, the stats); the arbiter sets it before the first spawn.</summary>
    Action<int, WorkerStats>? StatsSink
    {
        get => null;
        set
        {
        }
    }

    /// <summary>The process's resident set (KiB), or null if it cannot be read (max_worker_memory).</summary>
    long? ReadRssKiB(int pid);
}
