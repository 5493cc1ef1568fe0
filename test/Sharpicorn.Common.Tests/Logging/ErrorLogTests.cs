using Sharpicorn.Logging;

namespace Sharpicorn.Tests.Logging;

public sealed class ErrorLogTests
{
    [Fact]
    public void Timestamp_GunicornsDatefmt()
    {
        Assert.Equal("[2026-01-02 03:04:05 +0530]", ErrorLog.Timestamp(new DateTimeOffset(2026, 1, 2, 3, 4, 5, new TimeSpan(5, 30, 0))));
        Assert.Equal("[2026-01-02 03:04:05 -0800]", ErrorLog.Timestamp(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(-8))));
    }

    [Fact]
    public void File_LevelFiltered_GunicornsLineFormat()
    {
        string path = Path.GetTempFileName();
        using (var log = new ErrorLog(path, LogLevel.Warning))
        {
            log.Info("hidden");
            log.Warning("shown");
        }
        string text = File.ReadAllText(path);
        Assert.DoesNotContain("hidden", text, StringComparison.Ordinal);
        Assert.Matches($@"^\[\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{{4}}\] \[{Environment.ProcessId}\] \[WARNING\] shown\n$", text);
    }
}
