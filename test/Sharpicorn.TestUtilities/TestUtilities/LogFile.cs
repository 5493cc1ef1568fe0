using System.Diagnostics;

namespace Sharpicorn.Tests.TestUtilities;

/// <summary>A log file a server writes once it has left the test's pipes (--daemon, --error-logfile).</summary>
public static class LogFile
{
    /// <summary>How often the file is read again: a file has no event to wait on that works on every filesystem.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Waits until <paramref name="path"/> contains <paramref name="text"/> and returns the whole
    /// file. Bounded by <see cref="ServerProcess.Patience"/>; fails with what the file says.
    /// </summary>
    public static string WaitFor(string path, string text)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            string content = File.Exists(path) ? File.ReadAllText(path) : "";
            if (content.Contains(text, StringComparison.Ordinal))
            {
                return content;
            }
            if (clock.Elapsed > ServerProcess.Patience)
            {
                throw new TimeoutException($"'{text}' never appeared in {path} within {ServerProcess.Patience.TotalSeconds} s:\n{content}");
            }
            Thread.Sleep(PollInterval);
        }
    }
}
