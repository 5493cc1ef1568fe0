using System.Text.Json;
using Sharpicorn.Cli;
using Sharpicorn.Configuration;

namespace Sharpicorn.Tests.Cli;

/// <summary>The config file (as the JSON its script prints), GUNICORN_CMD_ARGS and the command line together, without running Python.</summary>
public sealed class ConfigSourcesTests
{
    private const string File = "conf.py";

    private static ServerSettings Parse(string configJson, string[] args, Dictionary<string, string>? env = null) =>
        CommandLine.Parse(
            ["-c", File, .. args],
            k => env is not null && env.TryGetValue(k, out string? v) ? v : null,
            (path, _) =>
            {
                using JsonDocument doc = JsonDocument.Parse(configJson);
                return ConfigFile.Read(path, doc.RootElement);
            });

    private static string Error(string configJson, params string[] args) => Assert.Throws<UsageException>(() => Parse(configJson, args)).Message;

    [Fact]
    public void Parse_RefusedSettingsAtGunicornsDefaults_Start()
    {
        ServerSettings s = Parse("""{"spew": false, "logconfig_dict": {}, "sendfile": null, "tmp_upload_dir": null, "capture_output": false, "keyfile": null, "proxy_protocol": "off", "reload_engine": "auto"}""", ["app"]);
        Assert.Equal("app", s.AppModule);
        Assert.Empty(s.Warnings);
    }

    [Fact]
    public void Parse_LogConfigDict_TopLevelKeysNestedAsJson()
    {
        ServerSettings s = Parse("""{"logconfig_dict": {"version": 1, "root": {"level": "INFO"}}}""", ["app"]);
        Assert.Equal([KeyValuePair.Create("version", "1"), KeyValuePair.Create("root", """{"level": "INFO"}""")], s.LogConfigDict);
        Assert.True(Sharpicorn.Logging.LoggingPlan.UsesPython(s));
    }

    [Theory]
    [InlineData("""{"dirty_workers": 2}""", "conf.py: setting 'dirty_workers' is not supported by sharpicorn. A dirty app subclasses gunicorn.dirty.DirtyApp")]
    [InlineData("""{"ssl_context": {"__callable__": "ssl_context"}}""", "conf.py: server hook 'ssl_context' is not supported by sharpicorn. Sharpicorn's TLS is .NET's, not Python's ssl module, so there is no SSLContext for the hook to change. Remove it to start sharpicorn. Use --ciphers")]
    [InlineData("""{"on_dirty_starting": {"__callable__": "on_dirty_starting"}}""", "conf.py: server hook 'on_dirty_starting' is not supported by sharpicorn. A dirty app subclasses gunicorn.dirty.DirtyApp")]
    [InlineData("""{"worker_class": {"__class__": "gevent.GeventWorker"}}""", "conf.py: invalid value for worker_class: 'gevent.GeventWorker' is not supported")]
    [InlineData("""{"threads": 0}""", "conf.py: invalid value for threads: must be at least 1, not 0")]
    public void Parse_NonDefaultRefusedOrInvalidValue_RefusedWithReason(string json, string message)
    {
        Assert.StartsWith(message, Error(json, "app"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("when_ready")]
    [InlineData("child_exit")]
    [InlineData("post_fork")]
    public void Parse_ServerHookInFile_AcceptedAndMarkedAsSet(string hook)
    {
        ServerSettings s = Parse("{\"" + hook + "\": {\"__callable__\": \"" + hook + "\"}}", ["app"]);
        Assert.True(s.SetBy.ContainsKey(hook));
        Assert.Empty(s.Warnings);
    }

    [Fact]
    public void Parse_WarnedSettingInFile_WarningNamesTheFile()
    {
        Assert.StartsWith("conf.py: http_parser = python has no effect: requests are always parsed by Kestrel", Assert.Single(Parse("""{"http_parser": "python"}""", ["app"]).Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WsgiAppAndPositional_CommandLineWins()
    {
        Assert.Equal("cli:app", Parse("""{"wsgi_app": "conf:app"}""", ["cli:app"]).AppModule);
        Assert.Equal("conf:app", Parse("""{"wsgi_app": "conf:app"}""", []).AppModule);
    }

    [Fact]
    public void Parse_Precedence_FileThenEnvironmentThenCommandLine()
    {
        const string Json = """{"threads": 2, "workers": 5, "keepalive": 7, "bind": ["f:1", "f:2"]}""";
        var env = new Dictionary<string, string> { ["GUNICORN_CMD_ARGS"] = "--threads 3 --workers 6" };
        ServerSettings s = Parse(Json, ["--threads", "4", "app"], env);
        Assert.Equal(4, s.Threads);
        Assert.Equal(6, s.Workers);
        Assert.Equal(7, s.KeepAlive);
        Assert.Equal(["f:1", "f:2"], s.Bind);
        // A list given on a higher source replaces the file's, as gunicorn's cfg.set does.
        Assert.Equal(["c:1"], Parse(Json, ["-b", "c:1", "app"]).Bind);
    }

    [Fact]
    public void Parse_ClassValues_ReadAsTheirPath()
    {
        Assert.Equal("sync", Parse("""{"worker_class": {"__class__": "gunicorn.workers.sync.SyncWorker"}}""", ["app"]).WorkerClass);
    }

    [Fact]
    public void Parse_UnknownNamesAndSharpicornSettings_IgnoredAndApplied()
    {
        ServerSettings s = Parse("""{"multiprocessing": "module", "helper": {"__callable__": "helper"}, "boot_timeout": 5, "secure_scheme_headers": {"X-PROTO": "https"}}""", ["app"]);
        Assert.Equal(5, s.BootTimeout);
        Assert.Equal("https", Assert.Single(s.SecureSchemeHeaders).Value);
    }

    [Fact]
    public void Parse_ConfigNamedInGunicornCmdArgs_Read()
    {
        string? seen = null;
        CommandLine.Parse(
            ["app"],
            k => k == "GUNICORN_CMD_ARGS" ? "-c from-env.py" : null,
            (path, _) =>
            {
                seen = path;
                return [];
            });
        Assert.Equal("from-env.py", seen);
    }
}
