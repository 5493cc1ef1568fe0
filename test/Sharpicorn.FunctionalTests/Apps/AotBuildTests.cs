using System.Globalization;
using Sharpicorn.Tests.TestUtilities;
using Xunit.Abstractions;

namespace Sharpicorn.Tests.Apps;

/// <summary>
/// The launcher's default build is Native AOT, and its memory stays flat under load.
/// Design notes: a .NET worker's RSS grows with the GC's gen0 budget until the first
/// collections, then stays; the CPU-sized default budget (about 18 MiB on a 32 MiB L3) made a
/// hello worker grow 20 -> 33 MiB over its first 10k requests and on to 45 MiB by 200k. The
/// build caps the budget (GCGen0MaxBudget, src/Sharpicorn/Sharpicorn.csproj), so the budget is
/// spent, and the RSS it costs is reached, within the first 10k requests: what is still growing
/// between 10k and 200k is a trend, not a budget being filled. 200k at 16 connections is the
/// bounded stand-in for issue 7's 1M (the same check by hand over 1M requests is in its notes).
/// </summary>
public sealed class AotBuildTests(ITestOutputHelper output)
{
    /// <summary>Issue 7: a worker's RSS after 1M requests is at most its RSS after 10k + 10 MiB.</summary>
    private const long GrowthToleranceKiB = 10 * 1024;

    /// <summary>Issue 7: the master stays at or under 15 MiB RSS.</summary>
    private const long MasterLimitKiB = 15 * 1024;

    /// <summary>The pid of the master's one worker (hello has no /pid page).</summary>
    private static int OnlyWorker(ServerProcess s)
    {
        string[] children = File.ReadAllText($"/proc/{s.Pid}/task/{s.Pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(children);
        return int.Parse(children[0], CultureInfo.InvariantCulture);
    }

    [AotFact]
    public void PublishedServer_DefaultBuild_IsNativeAotAndServesTheExample()
    {
        string bin = Repo.PublishedServer();
        // A ReadyToRun or JIT publish carries the IL next to its apphost; Native AOT is one file.
        Assert.False(File.Exists(Path.Combine(bin, "sharpicorn.dll")), $"{bin} holds sharpicorn.dll: the launcher fell back from Native AOT ({Path.Combine(bin, ".aot.log")})");
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "app:app"], chdir: Path.Combine(Repo.Root, "examples"));
        HttpReply r = RawHttp.Get(s.Port, "/");
        Assert.Equal(200, r.Status);
        Assert.NotEmpty(r.Body);
    }

    [AotFact]
    public void WorkerRss_From10kTo200kRequests_GrowsAtMost10MiBAndTheMasterStaysUnder15MiB()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "-w", "1", "--threads", "4", "hello:app"]);
        RawHttp.Get(s.Port, "/");
        int worker = OnlyWorker(s);
        long idle = ServerProcess.RssKiB(worker);
        RefcountTests.Hammer(s.Port, 10_000, "/", connections: 16);
        long at10k = ServerProcess.RssKiB(worker);
        RefcountTests.Hammer(s.Port, 190_000, "/", connections: 16);
        long at200k = ServerProcess.RssKiB(worker);
        long master = s.RssKiB();
        string report = string.Create(CultureInfo.InvariantCulture, $"worker RSS (KiB): idle {idle}, 10k {at10k}, 200k {at200k}; master {master}");
        output.WriteLine(report);
        Assert.Equal(worker, OnlyWorker(s));
        Assert.True(at200k - at10k <= GrowthToleranceKiB, "the worker's RSS grew after 10k requests: " + report);
        Assert.True(master <= MasterLimitKiB, "the master is over 15 MiB: " + report);
    }
}
