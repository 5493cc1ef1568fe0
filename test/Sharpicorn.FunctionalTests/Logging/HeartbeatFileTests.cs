using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Logging;

/// <summary>worker_tmp_dir: gunicorn's WorkerTmp file, unlinked and held open, stamped on every heartbeat.</summary>
public sealed class HeartbeatFileTests
{
    [Fact]
    public void WorkerTmpDir_UnlinkedFileInProcFd_MtimeAdvancesOnMonotonicClock()
    {
        string dir = Directory.CreateTempSubdirectory("sharpicorn-tmp-").FullName;
        try
        {
            using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--worker-tmp-dir", dir, "metrics_app:app"]);
            Assert.Equal(200, RawHttp.Get(s.Port, "/").Status);
            int worker = int.Parse(Regex.Match(s.ErrorLog, @"Booting worker with pid: (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);

            string link = FindHeartbeatFd(worker, dir);
            Assert.Empty(Directory.GetFileSystemEntries(dir));
            long first = MtimeMs(link);
            // CLOCK_MONOTONIC, as gunicorn's time.monotonic(): not wall-clock time.
            long monotonicNow = Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1000);
            Assert.InRange(first, monotonicNow - 120_000, monotonicNow + 1000);

            var clock = Stopwatch.StartNew();
            long later = first;
            while (later <= first)
            {
                Assert.True(clock.Elapsed < ServerProcess.Patience, "the heartbeat file's mtime never advanced");
                // Polling for the next heartbeat (one every 250 ms); the sleep only paces the stat calls.
                Thread.Sleep(50);
                later = MtimeMs(link);
            }
            Assert.True(later > first);
            s.Signal(15);
            Assert.Equal(0, s.WaitForExit());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void WorkerTmpDir_Missing_WorkerFailsToBoot()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--worker-tmp-dir", "/nonexistent/sharpicorn", "metrics_app:app"]);
        Assert.Equal(3, s.WaitForExit());
        Assert.Contains("/nonexistent/sharpicorn doesn't exist. Can't create workertmp.", s.ErrorLog, StringComparison.Ordinal);
        Assert.Contains("Reason: Worker failed to boot.", s.ErrorLog, StringComparison.Ordinal);
    }

    /// <summary>The worker's fd that points at "DIR/wgunicorn-XXXXXX (deleted)", as a watching tool finds it.</summary>
    private static string FindHeartbeatFd(int pid, string dir)
    {
        foreach (string fd in Directory.GetFiles($"/proc/{pid}/fd"))
        {
            if (new FileInfo(fd).LinkTarget is string target
                && target.StartsWith(Path.Combine(dir, "wgunicorn-"), StringComparison.Ordinal)
                && target.EndsWith(" (deleted)", StringComparison.Ordinal))
            {
                return fd;
            }
        }
        Assert.Fail($"no wgunicorn- file in /proc/{pid}/fd");
        return "";
    }

    /// <summary>stat() through the /proc link (it reaches the unlinked file), in ms.</summary>
    private static long MtimeMs(string link)
    {
        using var p = Process.Start(new ProcessStartInfo("stat", ["-L", "-c", "%.3Y", link]) { RedirectStandardOutput = true })!;
        string text = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return (long)(decimal.Parse(text, CultureInfo.InvariantCulture) * 1000);
    }
}
