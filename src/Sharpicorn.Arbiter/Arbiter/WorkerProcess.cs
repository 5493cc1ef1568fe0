namespace Sharpicorn.Arbiter;

/// <summary>The arbiter's bookkeeping for one worker process. Touched only by the arbiter's loop.</summary>
internal sealed class WorkerProcess(IWorkerChild child, int age, long spawnedAt)
{
    public IWorkerChild Child { get; } = child;

    public int Pid { get; } = child.Pid;

    /// <summary>Spawn order; the oldest worker (lowest age) is retired first, as in gunicorn.</summary>
    public int Age { get; } = age;

    /// <summary>Monotonic ms (<see cref="Platform.MonotonicClock"/>).</summary>
    public long SpawnedAt { get; } = spawnedAt;

    public bool Booted => BootedAt is not null;

    /// <summary>When the worker reported Booted (monotonic ms); BootedAt - SpawnedAt is its measured boot time.</summary>
    public long? BootedAt { get; set; }

    /// <summary>Last progress the worker reported (monotonic ms).</summary>
    public long LastProgress { get; set; } = spawnedAt;

    /// <summary>SIGABRT sent for a timeout; SIGKILL follows if it is still alive.</summary>
    public long? AbortedAt { get; set; }

    /// <summary>Serving, but to be stopped once a replacement has booted (HUP, max_requests, lifetime, memory).</summary>
    public bool Retiring { get; set; }

    /// <summary>SIGTERM (or QUIT) sent; SIGKILL after graceful_timeout.</summary>
    public long? TerminatedAt { get; set; }

    /// <summary>max_worker_lifetime for this worker, jitter included (ms; 0 is no limit).</summary>
    public long LifetimeLimit { get; set; }

    /// <summary>max_worker_memory for this worker, jitter included (KiB; 0 is no limit).</summary>
    public long MemoryLimitKiB { get; set; }

    /// <summary>When the last heartbeat arrived (monotonic ms): the control socket's last_heartbeat.</summary>
    public long LastHeartbeat { get; set; } = spawnedAt;

    /// <summary>The worker's latest stats frame; its counts join the retired totals when it exits.</summary>
    public Protocol.WorkerStats? Stats { get; set; }

    /// <summary>Why it is being replaced (timeout, max-requests, memory, lifetime, reload), for the restart counter.</summary>
    public string? RestartReason { get; set; }
}
