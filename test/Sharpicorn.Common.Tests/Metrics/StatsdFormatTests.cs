using Sharpicorn.Metrics;

namespace Sharpicorn.Tests.Metrics;

public sealed class StatsdFormatTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("a", "a")]
    [InlineData("a.", "a.")]
    [InlineData("ab", "ab.")]
    [InlineData("app", "app.")]
    [InlineData("app.", "app.")]
    [InlineData("app...", "app.")]
    [InlineData("service.app", "service.app.")]
    [InlineData(".b", ".b.")]
    public void Prefix_GunicornsSubstitution_OneTrailingDot(string prefix, string expected) =>
        Assert.Equal(expected, StatsdFormat.Prefix(prefix));

    [Fact]
    public void Counter_SamplingRateOnePointZero() =>
        Assert.Equal("app.gunicorn.requests:1|c|@1.0", StatsdFormat.Counter("app.", "gunicorn.requests", 1, ""));

    [Fact]
    public void Gauge_NoPrefix_PlainLine() =>
        Assert.Equal("gunicorn.workers:3|g", StatsdFormat.Gauge("", "gunicorn.workers", 3, ""));

    [Fact]
    public void Histogram_WithTags_HashSuffix() =>
        Assert.Equal("gunicorn.backlog:7|h|#env:prod,svc:web", StatsdFormat.Histogram("", "gunicorn.backlog", 7, "env:prod,svc:web"));

    [Fact]
    public void Counter_WithTags_TagsAfterRate() =>
        Assert.Equal("p.gunicorn.log.error:1|c|@1.0|#a:b", StatsdFormat.Counter("p.", "gunicorn.log.error", 1, "a:b"));

    [Theory]
    [InlineData(0, "0.0")]
    [InlineData(1, "0.001")]
    [InlineData(523, "0.523")]
    [InlineData(12_345, "12.345")]
    [InlineData(1_500_000, "1500.0")]
    [InlineData(2_000_001, "2000.001")]
    [InlineData(61_234_567, "61234.567")]
    public void Timer_DurationMs_PythonFloatRepr(long micros, string expected)
    {
        // gunicorn: request_time.seconds * 1000 + float(request_time.microseconds) / 10 ** 3
        double ms = StatsdFormat.DurationMs(TimeSpan.FromTicks(micros * 10));
        Assert.Equal($"gunicorn.request.duration:{expected}|ms", StatsdFormat.Timer("", "gunicorn.request.duration", ms, ""));
    }

    [Fact]
    public void DurationMs_SubMicrosecondTicks_Truncated() =>
        Assert.Equal(0.001, StatsdFormat.DurationMs(TimeSpan.FromTicks(19)));
}
