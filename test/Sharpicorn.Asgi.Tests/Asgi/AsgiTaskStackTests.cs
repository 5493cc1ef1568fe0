using System.Text.Json;
using Sharpicorn.Asgi;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Asgi;

/// <summary>
/// The support module's stack reports (task_stack, abort_report), run by a plain python3 on the
/// module's own source through test/apps/asgi_task_stacks.py: no server, no clock.
/// </summary>
public sealed class AsgiTaskStackTests
{
    private static readonly Lazy<JsonElement> Result = new(Run);

    private static JsonElement Run()
    {
        string source = Path.Combine(Path.GetTempPath(), $"sharpicorn-asgi-{Guid.NewGuid():N}.py");
        File.WriteAllText(source, AsgiSupport.Source);
        try
        {
            (int exit, string stdout, string stderr) = ClientTool.Run(Repo.DebianPython, Path.Combine(Repo.Apps, "asgi_task_stacks.py"), source);
            Assert.True(exit == 0, stderr);
            return JsonDocument.Parse(stdout).RootElement.Clone();
        }
        finally
        {
            File.Delete(source);
        }
    }

    /// <summary>The 'File "...", line N, in FUNCTION' entries of a formatted stack, outermost first.</summary>
    private static string[] Functions(string stack) =>
        [.. stack.Split('\n').Where(l => l.StartsWith("  File ", StringComparison.Ordinal)).Select(l => l[(l.LastIndexOf(" in ", StringComparison.Ordinal) + 4)..])];

    [Fact]
    public void TaskStack_SuspendedTask_EveryAwaitFrameOutermostFirst()
    {
        string stack = Result.Value.GetProperty("stack").GetString()!;
        // Task.get_stack() would give "outer" alone; the chain goes through a generator-based
        // coroutine (gi_yieldfrom) down to asyncio's own await on the Future.
        Assert.Equal(["outer", "legacy", "inner", "wait"], Functions(stack));
        Assert.Contains("asgi_task_stacks.py\", line 16, in inner\n    await asyncio.Event().wait()\n", stack, StringComparison.Ordinal);
    }

    [Fact]
    public void TaskStack_TaskTheLoopRuns_ItsFramesOnTheLoopThread()
    {
        // A running coroutine has no await chain (cr_await is None): its frames are the thread's,
        // from the task's own coroutine inwards, without the loop's machinery above it.
        string[] functions = Functions(Result.Value.GetProperty("running").GetString()!);
        Assert.Equal("blocker", functions[0]);
    }

    [Fact]
    public void AbortReport_LoopThreadBlocked_ItsStackTheRunningTaskAndThePendingOnes()
    {
        JsonElement report = Result.Value.GetProperty("report");
        // The loop thread's own stack (sys._current_frames) runs through the blocking coroutine.
        Assert.Contains("blocker", Functions(report[0].GetString()!));
        Assert.Equal("blocking", report[1][1].GetString());
        JsonElement[] others = [.. report[2].EnumerateArray()];
        Assert.Equal(2, report[3].GetInt32());
        JsonElement waiting = Assert.Single(others, o => o[1].GetString() == "waiting");
        Assert.Equal(0, waiting[0].GetInt64());
        Assert.Equal(["outer", "legacy", "inner", "wait"], Functions(waiting[2].GetString()!));
        Assert.DoesNotContain(others, o => o[1].GetString() == "blocking");
    }
}
