using Sharpicorn.Configuration;
using Sharpicorn.Metrics;

namespace Sharpicorn.Tests.Metrics;

public sealed class StatsdAddressTests
{
    [Theory]
    [InlineData("localhost:8125", "localhost", 8125)]
    [InlineData("LocalHost:9", "localhost", 9)]
    [InlineData("statsd", "statsd", 8125)]
    [InlineData("tcp://10.0.0.1:7000", "10.0.0.1", 7000)]
    [InlineData("[::1]:8126", "::1", 8126)]
    [InlineData("[::1]", "::1", 8125)]
    [InlineData("", "0.0.0.0", 8125)]
    [InlineData("unix:8125", "unix", 8125)]
    public void Parse_Udp_HostAndPort(string value, string host, int port)
    {
        StatsdAddress a = StatsdAddress.Parse(value);
        Assert.Null(a.UnixPath);
        Assert.Equal(host, a.Host);
        Assert.Equal(port, a.Port);
    }

    [Theory]
    [InlineData("unix:/run/statsd.sock", "/run/statsd.sock")]
    [InlineData("unix:///run/statsd.sock", "/run/statsd.sock")]
    [InlineData("unix://relative.sock", "relative.sock")]
    [InlineData("unix:relative.sock", "relative.sock")]
    public void Parse_Unix_Path(string value, string path) => Assert.Equal(path, StatsdAddress.Parse(value).UnixPath);

    [Theory]
    [InlineData("localhost:port")]
    [InlineData("localhost:")]
    [InlineData("fd://x")]
    public void Parse_BadPort_GunicornsMessage(string value) =>
        Assert.Equal("Value must be one of ('host:port', 'unix://PATH')", Assert.Throws<SettingException>(() => StatsdAddress.Parse(value)).Message);

    [Theory]
    [InlineData("localhost:8125", "('localhost', 8125)")]
    [InlineData("unix:/run/s.sock", "/run/s.sock")]
    public void PythonRepr_AsPrintConfigShowsIt(string value, string repr) => Assert.Equal(repr, StatsdAddress.Parse(value).PythonRepr);

    [Fact]
    public void PrintConfig_StatsdHost_ValidatedValue()
    {
        Sharpicorn.Cli.ServerSettings s = Sharpicorn.Cli.CommandLine.Parse(["--statsd-host", "Example:9125", "app:app"], _ => null, readConfig: false);
        Assert.Matches(@"(?m)^statsd_host +\= \('example', 9125\)$", s.Describe());
    }

    [Fact]
    public void CommandLine_BadStatsdHost_Refused() =>
        Assert.Equal("argument --statsd-host: Value must be one of ('host:port', 'unix://PATH')",
            Assert.Throws<Sharpicorn.Cli.UsageException>(() => Sharpicorn.Cli.CommandLine.Parse(["--statsd-host", "host:nope", "app:app"], _ => null, readConfig: false)).Message);
}
