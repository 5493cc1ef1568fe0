namespace Sharpicorn.Arbiter;

/// <summary>A new master started by USR2. The old one leaves its unix socket files to it while it runs.</summary>
internal interface IMasterProcess
{
    int Pid { get; }

    bool HasExited { get; }
}
