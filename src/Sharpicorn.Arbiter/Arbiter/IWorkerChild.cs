namespace Sharpicorn.Arbiter;

/// <summary>A started worker process as the OS sees it. Disposing releases the pipe.</summary>
internal interface IWorkerChild : IDisposable
{
    int Pid { get; }

    /// <summary>waitpid: collects the exit status once the exit was reported. Called once, on the loop.</summary>
    ChildExit Reap();
}
