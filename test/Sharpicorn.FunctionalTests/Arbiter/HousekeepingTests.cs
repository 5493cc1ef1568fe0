using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>--preload, --reload, gunicorn.conf.py and the pidfile.</summary>
public sealed class HousekeepingTests
{
    private static string TempDir() => Directory.CreateTempSubdirectory("sharpicorn-test").FullName;

    [Fact]
    public void Preload_GoodApp_Serves()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--preload", "wsgi_basic:app"]);
        Assert.Equal(200, RawHttp.Get(s.Port, "/pid").Status);
    }

    [Fact]
    public void Reload_EditedFile_NewWorkerServesNewCode()
    {
        string dir = TempDir();
        string app = Path.Combine(dir, "reload_app.py");
        const string Source = "def app(environ, start_response):\n    start_response('200 OK', [('Content-Type', 'text/plain')])\n    return [b'VERSION']\n";
        File.WriteAllText(app, Source.Replace("VERSION", "one", StringComparison.Ordinal));
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--reload", "reload_app:app"], chdir: dir);
        Assert.Equal("one", RawHttp.Get(s.Port, "/").Body);
        File.WriteAllText(app, Source.Replace("VERSION", "two", StringComparison.Ordinal));
        s.WaitForLog($"Worker reloading: {app} modified");
        s.WaitForLogCount("Booting worker with pid", 2);
        s.WaitForLog("Worker exiting");
        Assert.Equal("two", RawHttp.Get(s.Port, "/").Body);
    }

    [Fact]
    public void ConfigFile_Settings_AppliedAndCommandLineWins()
    {
        string dir = TempDir();
        string conf = Path.Combine(dir, "gunicorn.conf.py");
        File.WriteAllText(conf, "import multiprocessing\nworkers = 2\nthreads = 3\nbind = ['127.0.0.1:1']\nloglevel = 'debug'\nwsgi_app = 'wsgi_basic:app'\nraw_env = ['FROM_CONFIG=yes']\n");
        // The command line's -b (added by ServerProcess) overrides the file's bind, as in gunicorn.
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "-c", conf]);
        JsonElement e = JsonDocument.Parse(RawHttp.Get(s.Port, "/environ").Body).RootElement;
        Assert.True(e.GetProperty("wsgi.multithread").GetBoolean());
        Assert.True(e.GetProperty("wsgi.multiprocess").GetBoolean());
        s.WaitForLog("[DEBUG]");
        s.WaitForLogCount("Booting worker with pid", 2);
    }

    [Fact]
    public void ConfigFile_ServerHook_RefusedByName()
    {
        string dir = TempDir();
        string conf = Path.Combine(dir, "gunicorn.conf.py");
        // ssl_context is the one hook left refused: there is no Python SSLContext to hand it.
        File.WriteAllText(conf, "def ssl_context(config, default_ssl_context_factory):\n    pass\n");
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "-c", conf, "wsgi_basic:app"], waitReady: false);
        Assert.Equal(2, s.WaitForExit());
        Assert.Contains($"{conf}: server hook 'ssl_context' is not supported by sharpicorn.", s.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigFile_DefaultPathInStartDirectory_Read()
    {
        string dir = TempDir();
        File.WriteAllText(Path.Combine(dir, "gunicorn.conf.py"), "threads = 2\n");
        File.Copy(Path.Combine(Repo.Apps, "wsgi_basic.py"), Path.Combine(dir, "wsgi_basic.py"));
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "wsgi_basic:app"], chdir: dir, workingDirectory: dir);
        Assert.True(JsonDocument.Parse(RawHttp.Get(s.Port, "/environ").Body).RootElement.GetProperty("wsgi.multithread").GetBoolean());
    }

    [Fact]
    public void PidFile_WrittenAndRemoved()
    {
        string pidfile = Path.Combine(TempDir(), "sharpicorn.pid");
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "-p", pidfile, "wsgi_basic:app"]);
        Assert.Equal(s.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(pidfile).Trim());
        s.Signal(15);
        Assert.Equal(0, s.WaitForExit());
        Assert.False(File.Exists(pidfile));
    }
}
