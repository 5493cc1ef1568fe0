using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Cli;

/// <summary>Bad input at startup: one clear line and gunicorn's exit code, never a hang.</summary>
public sealed class BootTests
{
    private static (int Code, string Log) Run(params string[] args)
    {
        using var s = ServerProcess.Start(args, waitReady: false);
        int code = s.WaitForExit();
        return (code, s.ErrorLog + s.Output);
    }

    [Fact]
    public void ModuleNotFound_Exit4WithTraceback()
    {
        (int code, string log) = Run("--python", Repo.DebianPython, "no_such_module:app");
        Assert.Equal(4, code);
        Assert.Contains("Traceback (most recent call last):", log, StringComparison.Ordinal);
        Assert.Contains("ModuleNotFoundError: No module named 'no_such_module'", log, StringComparison.Ordinal);
        Assert.Contains("Reason: App failed to load.", log, StringComparison.Ordinal);
    }

    [Fact]
    public void ImportFails_Exit4WithTraceback()
    {
        (int code, string log) = Run("--python", Repo.DebianPython, "broken_import:app");
        Assert.Equal(4, code);
        Assert.Contains("broken_import.py\", line 1", log, StringComparison.Ordinal);
        Assert.Contains("No module named 'this_module_does_not_exist'", log, StringComparison.Ordinal);
    }

    [Fact]
    public void AttributeMissing_Exit4WithGunicornsMessage()
    {
        (int code, string log) = Run("--python", Repo.DebianPython, "wsgi_basic:nope");
        Assert.Equal(4, code);
        Assert.Contains("Failed to find attribute 'nope' in 'wsgi_basic'.", log, StringComparison.Ordinal);
    }

    [Fact]
    public void AttributeNotCallable_Exit4WithGunicornsMessage()
    {
        (int code, string log) = Run("--python", Repo.DebianPython, "wsgi_basic:not_callable");
        Assert.Equal(4, code);
        Assert.Contains("Application object must be callable.", log, StringComparison.Ordinal);
    }

    [Fact]
    public void NoPython_Exit3()
    {
        (int code, string log) = Run("--python", "/nonexistent/python3", "wsgi_basic:app");
        Assert.Equal(3, code);
        Assert.Contains("cannot run the Python interpreter /nonexistent/python3", log, StringComparison.Ordinal);
        Assert.Contains("Reason: Worker failed to boot.", log, StringComparison.Ordinal);
    }

    [Fact]
    public void PythonWithoutSharedLibrary_Exit3NamesTheFix()
    {
        string dir = Directory.CreateTempSubdirectory("sharpicorn-fakepy").FullName;
        string fake = Path.Combine(dir, "python3");
        // Answers the probe like a static CPython build whose libpython does not exist.
        File.WriteAllText(fake, "#!/bin/sh\necho '{\"version\": \"3.11.9\", \"major\": 3, \"minor\": 11, \"implementation\": \"cpython\", \"executable\": \"" + fake + "\", \"prefix\": \"/x\", \"exec_prefix\": \"/x\", \"base_prefix\": \"/x\", \"base_exec_prefix\": \"/x\", \"path\": [], \"site_dirs\": [], \"libdir\": \"/nonexistent/lib\", \"instsoname\": \"libpython3.11.so.1.0\", \"ldlibrary\": \"libpython3.11.a\", \"multiarch\": \"\", \"shared\": false}'\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        (int code, string log) = Run("--python", fake, "wsgi_basic:app");
        Assert.Equal(3, code);
        Assert.Contains("has no shared libpython: /nonexistent/lib/libpython3.11.so.1.0 does not exist", log, StringComparison.Ordinal);
        Assert.Contains("--enable-shared", log, StringComparison.Ordinal);
    }

    [Fact]
    public void PortInUse_Exit1AfterGunicornsRetries()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        (int code, string log) = Run("-b", $"127.0.0.1:{port}", "--python", Repo.DebianPython, "wsgi_basic:app");
        Assert.Equal(1, code);
        Assert.Contains($"[ERROR] Connection in use: ('127.0.0.1', {port})", log, StringComparison.Ordinal);
        Assert.Contains("[ERROR] Retrying in 1 second.", log, StringComparison.Ordinal);
        Assert.Contains($"[ERROR] Can't connect to ('127.0.0.1', {port})", log, StringComparison.Ordinal);
    }

    [Fact]
    public void BadBindAddress_Exit1()
    {
        (int code, string log) = Run("-b", "127.0.0.1:notaport", "wsgi_basic:app");
        Assert.Equal(1, code);
        Assert.Contains("'notaport' is not a valid port number.", log, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsupportedGunicornFlag_RefusedExit2()
    {
        (int code, string log) = Run("--dirty-workers", "2", "wsgi_basic:app");
        Assert.Equal(2, code);
        Assert.Contains("sharpicorn: error: --dirty-workers: a dirty app subclasses gunicorn.dirty.DirtyApp", log, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFlag_RefusedExit2()
    {
        (int code, string log) = Run("--frobnicate", "wsgi_basic:app");
        Assert.Equal(2, code);
        Assert.Contains("sharpicorn: error: unrecognized arguments: --frobnicate", log, StringComparison.Ordinal);
    }

    [Fact]
    public void NoAppModule_Exit2()
    {
        (int code, string log) = Run();
        Assert.Equal(2, code);
        Assert.Contains("No application module specified.", log, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_PrintsGunicornStyle()
    {
        (int code, string log) = Run("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^sharpicorn \(version \d+\.\d+\.\d+\)", log);
    }

    [Fact]
    public void CheckConfig_GoodAndBrokenApp_Exit0And1()
    {
        Assert.Equal(0, Run("--check-config", "--python", Repo.DebianPython, "wsgi_basic:app").Code);
        (int code, string log) = Run("--check-config", "--python", Repo.DebianPython, "broken_import:app");
        Assert.Equal(1, code);
        Assert.Contains("No module named 'this_module_does_not_exist'", log, StringComparison.Ordinal);
    }

    [Fact]
    public void PrintConfig_ResolvedSettingsGunicornStyle()
    {
        (int code, string log) = Run("--print-config", "-w", "3", "--threads", "5", "wsgi_basic:app");
        Assert.Equal(0, code);
        // Names are padded to the longest of all settings (permit_unconventional_http_version), as gunicorn's Config.__str__ does.
        Assert.Contains("\nworkers                            = 3\n", log, StringComparison.Ordinal);
        Assert.Contains("\nthreads                            = 5\n", log, StringComparison.Ordinal);
        Assert.Contains("\nwsgi_app                           = wsgi_basic:app\n", log, StringComparison.Ordinal);
        Assert.Contains("\nspew                               = False\n", log, StringComparison.Ordinal);
        Assert.Contains("\non_starting                        = <OnStarting.on_starting()>\n", log, StringComparison.Ordinal);
    }

    [Fact]
    public void AbbreviatedFlags_AcceptedAsArgparseDoes()
    {
        (int code, string log) = Run("--check-config", "--python", Repo.DebianPython, "--error-log", "-", "--thr=2", "wsgi_basic:app");
        Assert.True(code == 0, log);
        // --python is a prefix of --pythonpath, so "--pyth" is ambiguous, as in argparse.
        Assert.Contains("ambiguous option: --pyth could match --pythonpath, --python", Run("--pyth", Repo.DebianPython, "wsgi_basic:app").Log, StringComparison.Ordinal);
    }

    [Fact]
    public void AmbiguousFlag_Exit2NamesTheCandidates()
    {
        (int code, string log) = Run("--max-req", "3", "wsgi_basic:app");
        Assert.Equal(2, code);
        Assert.Contains("sharpicorn: error: ambiguous option: --max-req could match --max-requests, --max-requests-jitter", log, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFlagWithValue_NamesTheFlagNotTheApp()
    {
        (int code, string log) = Run("--bogus", "VALUE", "wsgi_basic:app");
        Assert.Equal(2, code);
        Assert.Contains("sharpicorn: error: unrecognized arguments: --bogus\n", log.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigFile_RefusedSettingsAtGunicornsDefaults_Start()
    {
        string conf = Config("spew = False\nlogconfig_dict = {}\nsendfile = None\ntmp_upload_dir = None\ncapture_output = False\n");
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "-c", conf, "wsgi_basic:app"]);
        Assert.Equal(200, RawHttp.Get(s.Port, "/environ").Status);
        Assert.DoesNotContain("[WARNING]", s.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigFile_RefusedSettingNotDefault_Exit2WithReason()
    {
        string conf = Config("dirty_workers = 2\n");
        (int code, string log) = Run("--python", Repo.DebianPython, "-c", conf, "wsgi_basic:app");
        Assert.Equal(2, code);
        Assert.Contains($"sharpicorn: error: {conf}: setting 'dirty_workers' is not supported by sharpicorn. A dirty app subclasses gunicorn.dirty.DirtyApp", log, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigFile_WsgiAppAndPositional_CommandLineWins()
    {
        string conf = Config("wsgi_app = 'no_such_module:app'\n");
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "-c", conf, "wsgi_basic:app"]);
        Assert.Equal(200, RawHttp.Get(s.Port, "/environ").Status);
    }

    [Fact]
    public void WarnedSetting_WarningAtStartup()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--http-parser", "python", "wsgi_basic:app"]);
        s.WaitForLog("[WARNING] --http-parser python has no effect: requests are always parsed by Kestrel");
        Assert.Equal(200, RawHttp.Get(s.Port, "/environ").Status);
    }

    private static string Config(string text)
    {
        string conf = Path.Combine(Directory.CreateTempSubdirectory("sharpicorn-test").FullName, "gunicorn.conf.py");
        File.WriteAllText(conf, text);
        return conf;
    }
}
