using Sharpicorn.Http;

namespace Sharpicorn.Tests.Http;

/// <summary>Which request targets --health-path takes from the app.</summary>
public sealed class HealthCheckTests
{
    [Theory]
    [InlineData("/healthz", true)]
    [InlineData("/healthz?probe=liveness", true)]
    [InlineData("/healthz?", true)]
    [InlineData("/healthz/", false)]
    [InlineData("/healthzz", false)]
    [InlineData("/Healthz", false)]
    [InlineData("/health", false)]
    [InlineData("/app/healthz", false)]
    [InlineData("http://host/healthz", false)]
    public void Matches_Target_OnlyTheExactPath(string target, bool expected) => Assert.Equal(expected, HealthCheck.Matches(target, "/healthz"));
}
