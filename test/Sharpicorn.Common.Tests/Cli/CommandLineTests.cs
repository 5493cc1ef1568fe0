using Sharpicorn.Cli;

namespace Sharpicorn.Tests.Cli;

public sealed class CommandLineTests
{
    private static ServerSettings Parse(string[] args, Dictionary<string, string>? env = null) =>
        CommandLine.Parse(args, k => env is not null && env.TryGetValue(k, out string? v) ? v : null);

    [Fact]
    public void Parse_Defaults_AreGunicorns()
    {
        ServerSettings s = Parse(["app:app"]);
        Assert.Equal(["127.0.0.1:8000"], s.Bind);
        Assert.Equal(1, s.Workers);
        Assert.Equal(1, s.Threads);
        Assert.Equal(2, s.KeepAlive);
        Assert.Equal(4094, s.LimitRequestLine);
        Assert.Equal(100, s.LimitRequestFields);
        Assert.Equal(8190, s.LimitRequestFieldSize);
        Assert.Equal(30, s.GracefulTimeout);
        Assert.Equal(2048, s.Backlog);
        Assert.Equal(1000, s.WorkerConnections);
        Assert.Equal("info", s.LogLevel);
        Assert.Equal("app:app", s.AppModule);
    }

    [Fact]
    public void Parse_FlagForms_AllAccepted()
    {
        ServerSettings s = Parse(["-b", "a:1", "--bind=b:2", "-bc:3", "--threads", "8", "-w1", "--log-level=DEBUG", "app"]);
        Assert.Equal(["a:1", "b:2", "c:3"], s.Bind);
        Assert.Equal(8, s.Threads);
        Assert.Equal("debug", s.LogLevel);
    }

    [Fact]
    public void Parse_GunicornCmdArgs_CommandLineWins()
    {
        ServerSettings s = Parse(["--threads", "3", "app"], new() { ["GUNICORN_CMD_ARGS"] = "--threads 2 --bind '0.0.0.0:9' --keep-alive 5" });
        Assert.Equal(3, s.Threads);
        Assert.Equal(5, s.KeepAlive);
        Assert.Equal(["0.0.0.0:9"], s.Bind);
    }

    [Fact]
    public void Parse_PortVariable_BindsAllInterfaces()
    {
        Assert.Equal(["0.0.0.0:5000"], Parse(["app"], new() { ["PORT"] = "5000" }).Bind);
    }

    [Fact]
    public void Parse_WebConcurrency_SetsWorkers()
    {
        Assert.Equal(3, Parse(["app"], new() { ["WEB_CONCURRENCY"] = "3" }).Workers);
        Assert.Equal(2, Parse(["-w", "2", "app"], new() { ["WEB_CONCURRENCY"] = "3" }).Workers);
        Assert.Equal("WEB_CONCURRENCY: invalid int value: 'many'", Assert.Throws<UsageException>(() => Parse(["app"], new() { ["WEB_CONCURRENCY"] = "many" })).Message);
    }

    [Theory]
    [InlineData("--protocol", "--protocol: the uwsgi protocol is a binary request format")]
    public void Parse_UnsupportedGunicornFlag_RefusedWithReason(string flag, string message)
    {
        var e = Assert.Throws<UsageException>(() => Parse([flag, "x.ini", "app"]));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--threads", "x", "argument --threads: invalid int value: 'x'")]
    [InlineData("--threads", "0", "argument --threads: must be at least 1, not 0")]
    [InlineData("--log-level", "loud", "argument --log-level: invalid choice: 'loud' (choose from debug, info, warning, error, critical)")]
    [InlineData("-k", "gevent", "argument -k/--worker-class: 'gevent' is not supported")]
    [InlineData("-e", "NOEQUALS", "argument -e/--env: 'NOEQUALS' is not of the form KEY=VALUE")]
    public void Parse_BadValue_ArgparseStyleMessage(string flag, string value, string message)
    {
        var e = Assert.Throws<UsageException>(() => Parse([flag, value, "app"]));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TwoAppModules_Refused()
    {
        Assert.Equal("unrecognized arguments: b", Assert.Throws<UsageException>(() => Parse(["a", "b"])).Message);
    }

    [Fact]
    public void Parse_MissingValue_Refused()
    {
        Assert.Equal("argument -b/--bind: expected one argument", Assert.Throws<UsageException>(() => Parse(["app", "-b"])).Message);
    }

    [Fact]
    public void Help_ListsEverySupportedFlag()
    {
        string help = CommandLine.Help();
        foreach (string flag in new[] { "--bind", "--threads", "--keep-alive", "--limit-request-field_size", "--access-logformat", "--python" })
        {
            Assert.Contains(flag, help, StringComparison.Ordinal);
        }
    }
}
