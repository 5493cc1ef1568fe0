using Sharpicorn.Arbiter;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>The wait status decoded as WIFEXITED/WEXITSTATUS/WIFSIGNALED/WTERMSIG do.</summary>
public sealed class ChildExitTests
{
    [Theory]
    [InlineData(0x0000, 0)]
    [InlineData(0x0100, 1)]
    [InlineData(0x0300, 3)]
    [InlineData(0x0400, 4)]
    [InlineData(0x8900, 137)]
    [InlineData(0xff00, 255)]
    public void FromWaitStatus_Exited_ExitCodeNoSignal(int status, int code)
    {
        Assert.Equal(ChildExit.Exited(code), ChildExit.FromWaitStatus(status));
    }

    [Theory]
    [InlineData(0x0009, 9)]
    [InlineData(0x000f, 15)]
    [InlineData(0x0003, 3)]
    [InlineData(0x0086, 6)]
    [InlineData(0x008b, 11)]
    public void FromWaitStatus_Signaled_SignalNoExitCode(int status, int signal)
    {
        // 0x80 is the core-dump bit: still that signal.
        Assert.Equal(ChildExit.Killed(signal), ChildExit.FromWaitStatus(status));
    }

    [Fact]
    public void FromWaitStatus_Stopped_Unknown()
    {
        Assert.Equal(ChildExit.Unknown, ChildExit.FromWaitStatus(0x137f));
    }

    [Theory]
    [InlineData(1, "SIGHUP")]
    [InlineData(6, "SIGABRT")]
    [InlineData(9, "SIGKILL")]
    [InlineData(15, "SIGTERM")]
    [InlineData(29, "SIGIO")]
    [InlineData(31, "SIGSYS")]
    [InlineData(34, "SIGRTMIN")]
    [InlineData(35, "signal 35")]
    [InlineData(64, "SIGRTMAX")]
    public void SignalName_PythonsNames(int signal, string name)
    {
        Assert.Equal(name, ChildExit.SignalName(signal));
    }
}
