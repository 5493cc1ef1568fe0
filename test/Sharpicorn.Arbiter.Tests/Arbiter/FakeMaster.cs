using Sharpicorn.Arbiter;

namespace Sharpicorn.Tests.Arbiter;

internal sealed class FakeMaster(int pid) : IMasterProcess
{
    public int Pid { get; } = pid;

    public bool HasExited { get; set; }
}
