using Sharpicorn.Arbiter;
using Sharpicorn.Protocol;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>A worker that exists only as a record of what the arbiter did to it.</summary>
internal sealed class FakeChild(int pid, int age, Action<WorkerMessage, long> onMessage, Action onExit) : IWorkerChild
{
    public int Pid { get; } = pid;

    public int Age { get; } = age;

    public Action<WorkerMessage, long> OnMessage { get; } = onMessage;

    public Action OnExit { get; } = onExit;

    /// <summary>What <see cref="Reap"/> reports.</summary>
    public ChildExit Exit { get; set; } = ChildExit.Exited(0);

    public int Reaps { get; private set; }

    public bool Disposed { get; private set; }

    public ChildExit Reap()
    {
        Reaps++;
        return Exit;
    }

    public void Dispose() => Disposed = true;
}
