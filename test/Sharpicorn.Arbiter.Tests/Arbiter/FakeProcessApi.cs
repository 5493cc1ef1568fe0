using Sharpicorn.Arbiter;
using Sharpicorn.Protocol;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>Records spawns and kills; starts nothing.</summary>
internal sealed class FakeProcessApi : IProcessApi
{
    public const int FirstPid = 100;

    private readonly Lock _lock = new();

    public List<FakeChild> Spawned { get; } = [];

    public List<(int Pid, int Signal)> Kills { get; } = [];

    public Dictionary<int, long> RssKiB { get; } = [];

    /// <summary>When set, Spawn throws this (the executable is gone, fork fails).</summary>
    public string? SpawnFailure { get; set; }

    /// <summary>When set, a worker sent one of these signals reports its exit at once (for the threaded loop test).</summary>
    public HashSet<int> ExitOn { get; } = [];

    public Action<int>? SignalHandler { get; private set; }

    public IReadOnlyList<int> RegisteredSignals { get; private set; } = [];

    public IWorkerChild Spawn(int age, int workers, Action<WorkerMessage, long> onMessage, Action onExit)
    {
        if (SpawnFailure is not null)
        {
            throw new SpawnException(SpawnFailure);
        }
        var child = new FakeChild(FirstPid + age, age, onMessage, onExit);
        lock (_lock)
        {
            Spawned.Add(child);
        }
        return child;
    }

    /// <summary>New masters started by USR2.</summary>
    public List<FakeMaster> Masters { get; } = [];

    public IMasterProcess StartMaster()
    {
        if (SpawnFailure is not null)
        {
            throw new SpawnException(SpawnFailure);
        }
        var master = new FakeMaster(FirstPid + 1000 + Masters.Count);
        Masters.Add(master);
        return master;
    }

    public int Kill(int pid, int signal)
    {
        FakeChild? child;
        lock (_lock)
        {
            Kills.Add((pid, signal));
            child = Spawned.Find(c => c.Pid == pid);
        }
        if (child is not null && ExitOn.Contains(signal))
        {
            child.Exit = ChildExit.Exited(0);
            child.OnExit();
        }
        return 0;
    }

    public IDisposable RegisterSignals(IReadOnlyList<int> signals, Action<int> onSignal)
    {
        RegisteredSignals = signals;
        SignalHandler = onSignal;
        return new Registration(this);
    }

    public long? ReadRssKiB(int pid) => RssKiB.TryGetValue(pid, out long rss) ? rss : null;

    public IReadOnlyList<int> SignalsTo(FakeChild child)
    {
        lock (_lock)
        {
            return [.. Kills.Where(k => k.Pid == child.Pid).Select(k => k.Signal)];
        }
    }

    private sealed class Registration(FakeProcessApi owner) : IDisposable
    {
        public void Dispose() => owner.SignalHandler = null;
    }
}
