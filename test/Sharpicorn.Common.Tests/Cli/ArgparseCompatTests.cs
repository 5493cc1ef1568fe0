using Sharpicorn.Cli;

namespace Sharpicorn.Tests.Cli;

/// <summary>The command line follows gunicorn's argparse, not stricter rules of its own.</summary>
public sealed class ArgparseCompatTests
{
    private static ServerSettings Parse(params string[] args) => CommandLine.Parse(args, _ => null);

    private static string Error(params string[] args) => Assert.Throws<UsageException>(() => Parse(args)).Message;

    [Fact]
    public void Parse_UnambiguousPrefix_MeansTheFullFlag()
    {
        ServerSettings s = Parse("--error-log", "err.log", "--thr", "4", "--access-logfi=-", "--pre", "app");
        Assert.Equal("err.log", s.ErrorLog);
        Assert.Equal(4, s.Threads);
        Assert.Equal("-", s.AccessLog);
        Assert.True(s.Preload);
        Assert.Equal("app", s.AppModule);
    }

    [Fact]
    public void Parse_PrefixOfHelpAndVersion_Recognised()
    {
        Assert.True(Parse("--hel").ShowHelp);
        Assert.Equal("ambiguous option: --he could match --header-map, --header-timeout, --health-path, --help", Error("--he"));
        Assert.True(Parse("--vers").ShowVersion);
    }

    [Theory]
    [InlineData("--max-req", "ambiguous option: --max-req could match --max-requests, --max-requests-jitter")]
    [InlineData("--max-requests-j=3", null)]
    [InlineData("--lo", "ambiguous option: --lo could match --log-file, --log-level, --logger-class, --log-config, --log-config-json, --log-syslog-to, --log-syslog, --log-syslog-prefix, --log-syslog-facility")]
    public void Parse_AmbiguousPrefix_ArgparseError(string arg, string? message)
    {
        if (message is null)
        {
            Assert.Equal(3, Parse(arg, "app").MaxRequestsJitter);
            return;
        }
        Assert.Equal(message, Error(arg, "1", "app"));
    }

    [Fact]
    public void Parse_UnknownFlagWithSeparateValue_NamesTheFlagNotTheApp()
    {
        Assert.Equal("unrecognized arguments: --bogus", Error("--bogus", "VALUE", "app:app"));
        Assert.Equal("unrecognized arguments: --bogus=V", Error("--bogus=V", "app:app"));
        Assert.Equal("unrecognized arguments: --bogus --frob", Error("-w", "2", "--bogus", "app:app", "--frob"));
    }

    [Fact]
    public void Parse_SwitchGivenAValue_ArgparseError()
    {
        Assert.Equal("argument --reload: ignored explicit argument 'x'", Error("--reload=x", "app"));
    }

    [Fact]
    public void Parse_ValueThatLooksLikeAFlag_ExpectedOneArgument()
    {
        Assert.Equal("argument -b/--bind: expected one argument", Error("-b", "-w", "app"));
        Assert.Equal("-", Parse("--access-logfile", "-", "app").AccessLog);
    }

    [Fact]
    public void Parse_FlagsAfterTheAppModule_Applied()
    {
        ServerSettings s = Parse("-w", "2", "app", "--bind", "x:1");
        Assert.Equal(["x:1"], s.Bind);
        Assert.Equal("app", s.AppModule);
    }

    [Fact]
    public void Parse_DoubleDash_EndsOptions()
    {
        Assert.Equal("-app", Parse("--", "-app").AppModule);
    }

    [Theory]
    [InlineData("--suppress-ragged-eofs")]
    [InlineData("--protocol=http")]
    [InlineData("--dirty-workers=0")]
    [InlineData("--capture-output")]
    [InlineData("--enable-stdio-inheritance")]
    [InlineData("--no-control-socket")]
    public void Parse_RefusedFlagAtGunicornsDefault_Accepted(string arg)
    {
        ServerSettings s = Parse(arg, "app");
        Assert.Empty(s.Warnings);
        Assert.Equal("app", s.AppModule);
    }

    [Theory]
    [InlineData("--protocol=uwsgi", "--protocol: the uwsgi protocol is a binary request format of its own")]
    [InlineData("--dirty-workers=2", "--dirty-workers: a dirty app subclasses gunicorn.dirty.DirtyApp")]
    [InlineData("--no-control-socket=1", "argument --no-control-socket: ignored explicit argument '1'")]
    public void Parse_RefusedFlag_NamesTheFlagAndTheReason(string arg, string message)
    {
        Assert.StartsWith(message, Error(arg, "app"), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OptionalValueFlagAlone_MeansItsConstant()
    {
        Assert.Equal("auto", Parse("app", "--proxy-protocol").ProxyProtocol);
        // As in argparse, a bare word after it is its value, not the app.
        Assert.StartsWith("argument --proxy-protocol: invalid choice: 'app'", Error("--proxy-protocol", "app"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("off", "off")]
    [InlineData("False", "off")]
    [InlineData("0", "off")]
    [InlineData("none", "off")]
    [InlineData("V1", "v1")]
    [InlineData("v2", "v2")]
    [InlineData("true", "auto")]
    [InlineData("1", "auto")]
    public void Parse_ProxyProtocol_Gunicorn26sSpellingsNormalised(string value, string expected)
    {
        Assert.Equal(expected, Parse("--proxy-protocol", value, "app").ProxyProtocol);
    }

    [Fact]
    public void Parse_CaptureOutputWithALogFile_Accepted()
    {
        ServerSettings s = Parse("--capture-output", "--error-logfile", "e.log", "app");
        Assert.True(s.CaptureOutput);
        Assert.Empty(s.Warnings);
    }

    [Fact]
    public void Parse_StdioInheritanceWithDaemon_Accepted()
    {
        ServerSettings s = Parse("-R", "-D", "app");
        Assert.True(s.EnableStdioInheritance);
        Assert.True(s.Daemon);
    }

    [Fact]
    public void Parse_SyslogFlags_TypedSettings()
    {
        ServerSettings s = Parse("--log-syslog", "--log-syslog-to", "unix:///dev/log", "--log-syslog-prefix", "web", "--log-syslog-facility", "local3", "--disable-redirect-access-to-syslog", "app");
        Assert.True(s.Syslog);
        Assert.Equal("unix:///dev/log", s.SyslogAddr);
        Assert.Equal("web", s.SyslogPrefix);
        Assert.Equal("local3", s.SyslogFacility);
        Assert.True(s.DisableRedirectAccessToSyslog);
        Assert.False(Sharpicorn.Logging.LoggingPlan.UsesPython(s));
        Assert.False(Sharpicorn.Logging.LoggingPlan.AccessEnabled(s));
    }

    [Fact]
    public void Parse_LoggerClassSimple_IsTheDefault()
    {
        Assert.Equal("gunicorn.glogging.Logger", Parse("--logger-class", "simple", "app").LoggerClass);
        Assert.True(Sharpicorn.Logging.LoggingPlan.UsesPython(Parse("--logger-class", "myapp.Logger", "app")));
    }

    [Theory]
    [InlineData("--http-parser=python", "--http-parser python has no effect: requests are always parsed by Kestrel")]
    public void Parse_WarnedFlag_StartsWithAWarning(string arg, string warning)
    {
        ServerSettings s = Parse(arg, "app");
        Assert.StartsWith(warning, Assert.Single(s.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RestOfTheTable_StoredWithoutWarning()
    {
        ServerSettings s = Parse(
            "--no-sendfile", "--reload-engine", "poll", "--spew", "--initgroups", "--paste", "x.ini#admin", "--paste-global", "A=1",
            "--forwarder-headers", "SCRIPT_NAME, REMOTE_USER", "--permit-obsolete-folding", "--strip-header-spaces",
            "--permit-unconventional-http-method", "--permit-unconventional-http-version", "--casefold-http-method");
        Assert.False(s.Sendfile);
        Assert.False(s.UseSendfile);
        Assert.Equal("poll", s.ReloadEngine);
        Assert.True(s.Spew && s.Initgroups && s.PermitObsoleteFolding && s.StripHeaderSpaces);
        Assert.True(s.PermitUnconventionalHttpMethod && s.PermitUnconventionalHttpVersion && s.CasefoldHttpMethod);
        Assert.Equal("x.ini#admin", s.Paste);
        Assert.Equal(["A=1"], s.PasteGlobalConf);
        Assert.Equal(["SCRIPT_NAME", "REMOTE_USER"], s.ForwarderHeaders);
        Assert.Empty(s.Warnings);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("y", true)]
    [InlineData("TRUE", true)]
    [InlineData("0", false)]
    [InlineData("on", false)]
    public void SendfileFromEnvironment_GunicornsReading(string? value, bool on) =>
        Assert.Equal(on, ServerSettings.SendfileFromEnvironment(value));

    [Fact]
    public void Parse_WorkerTmpDir_StoredWithoutWarning()
    {
        ServerSettings s = Parse("--worker-tmp-dir", "/dev/shm", "app");
        Assert.Equal("/dev/shm", s.WorkerTmpDir);
        Assert.Empty(s.Warnings);
    }

    [Fact]
    public void Parse_RepeatedStoreFlag_LastWins()
    {
        Assert.Equal("b", string.Join(',', Parse("--pythonpath", "a", "--pythonpath", "b", "app").PythonPath));
    }

    [Fact]
    public void Help_ListsRefusedFlagsApart()
    {
        string help = CommandLine.Help();
        int refused = help.IndexOf("gunicorn flags sharpicorn refuses", StringComparison.Ordinal);
        Assert.True(refused > 0);
        Assert.Contains("--dirty-app", help[refused..], StringComparison.Ordinal);
        Assert.Contains("--certfile", help[..refused], StringComparison.Ordinal);
        Assert.Contains("--reuse-port", help[..refused], StringComparison.Ordinal);
        Assert.Contains("--reload-engine", help[..refused], StringComparison.Ordinal);
        Assert.All(Sharpicorn.Configuration.SettingsRegistry.All.SelectMany(s => s.Flags), f => Assert.Contains(f, help, StringComparison.Ordinal));
    }
}
