using Sharpicorn.Metrics;
using Sharpicorn.Protocol;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Metrics;

/// <summary>The text exposition format's rules (Prometheus's "Exposition formats" page), checked by <see cref="PrometheusRules"/>.</summary>
public sealed class PrometheusTextTests
{
    [Fact]
    public void Families_CounterGaugeHistogram_FollowTheFormatRules()
    {
        var p = new PrometheusText();
        p.Family("app_requests_total", "counter", "Requests \\ served\nby status.");
        p.Sample("app_requests_total", 3, ("method", "GET"), ("status", "200"));
        p.Sample("app_requests_total", 1, ("method", "PO\"ST\\\n"), ("status", "500"));
        p.Family("app_in_flight", "gauge", "In flight.");
        p.Sample("app_in_flight", 0);
        p.Family("app_duration_seconds", "histogram", "Durations.");
        long[] counts = new long[DurationBuckets.Count];
        counts[0] = 2;
        counts[5] = 1;
        counts[^1] = 4;
        p.Histogram("app_duration_seconds", DurationBuckets.Bounds, counts, 123.5);
        string text = p.ToString();
        Assert.Empty(PrometheusRules.Violations(text));
        Assert.Contains("app_requests_total{method=\"PO\\\"ST\\\\\\n\",status=\"500\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("# HELP app_requests_total Requests \\\\ served\\nby status.\n", text, StringComparison.Ordinal);
        Assert.Contains("app_duration_seconds_bucket{le=\"0.1\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("app_duration_seconds_bucket{le=\"+Inf\"} 7\n", text, StringComparison.Ordinal);
        Assert.Contains("app_duration_seconds_count 7\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.005, "0.005")]
    [InlineData(21901312.0, "21901312")]
    public void Value_Special_GoSpelling(double v, string text) => Assert.Equal(text, PrometheusText.Value(v));

    [Fact]
    public void Rules_BrokenPage_Caught()
    {
        Assert.NotEmpty(PrometheusRules.Violations("x_total 1\n"));
        Assert.NotEmpty(PrometheusRules.Violations("# HELP a x\n# TYPE a counter\na{1bad=\"v\"} 1\n"));
        Assert.NotEmpty(PrometheusRules.Violations("# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na 2\n"));
        Assert.NotEmpty(PrometheusRules.Violations("# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"));
    }
}
