namespace Sharpicorn.Wsgi;

/// <summary>What a worker's hooks see of the process: gunicorn's worker.age, worker.ppid, server.num_workers, server.LISTENERS, worker.tmp.</summary>
internal sealed record WorkerIdentity(int MasterPid, int Age, int Workers, int TmpFd, IReadOnlyList<int> ListenFds);
