using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Arbiter;

/// <summary>--reload-extra-file (paths and globs) and --reload-engine poll.</summary>
public sealed class ReloadEngineTests
{
    private const string Source = "def app(environ, start_response):\n    start_response('200 OK', [('Content-Type', 'text/plain')])\n    return [open(__file__.replace('reload_app.py', 'data.txt')).read().encode()]\n";

    private static string AppDir()
    {
        string dir = Directory.CreateTempSubdirectory("sharpicorn-reload").FullName;
        File.WriteAllText(Path.Combine(dir, "reload_app.py"), Source);
        File.WriteAllText(Path.Combine(dir, "data.txt"), "one");
        return dir;
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("poll")]
    public void ExtraFile_Edited_WorkersReplaced(string engine)
    {
        string dir = AppDir();
        string data = Path.Combine(dir, "data.txt");
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--reload", "--reload-engine", engine, "--reload-extra-file", data, "reload_app:app"], chdir: dir);
        Assert.Equal("one", RawHttp.Get(s.Port, "/").Body);
        // The poll engine notes mtimes on its first pass: edit until the reload is seen.
        Edit(s, data, "two", $"Worker reloading: {data} modified");
        s.WaitForLogCount("Booting worker with pid", 2);
        s.WaitForLog("Worker exiting");
        Assert.Equal("two", RawHttp.Get(s.Port, "/").Body);
    }

    [Fact]
    public void GlobPattern_FileCreatedAfterStartThenEdited_Reloads()
    {
        string dir = AppDir();
        Directory.CreateDirectory(Path.Combine(dir, "templates", "deep"));
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--reload", "--reload-engine", "poll", "--reload-extra-file", Path.Combine(dir, "templates", "**", "*.html"), "reload_app:app"], chdir: dir);
        string page = Path.Combine(dir, "templates", "deep", "page.html");
        File.WriteAllText(page, "a");
        File.WriteAllText(Path.Combine(dir, "templates", "deep", ".hidden.html"), "a");
        Edit(s, page, "b", $"Worker reloading: {page} modified");
        Assert.Equal(0, s.CountLog(".hidden.html"));
    }

    [Fact]
    public void PollEngine_PythonFileEdited_Reloads()
    {
        string dir = AppDir();
        string app = Path.Combine(dir, "reload_app.py");
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--reload", "--reload-engine", "poll", "reload_app:app"], chdir: dir);
        Edit(s, app, Source + "# edited\n", $"Worker reloading: {app} modified");
    }

    [Fact]
    public void ExtraFile_Missing_RefusedAtStartup()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--reload", "--reload-extra-file", "/nonexistent/x.txt", "wsgi_basic:app"], waitReady: false);
        Assert.NotEqual(0, s.WaitForExit());
        Assert.Contains("File /nonexistent/x.txt does not exists.", s.ErrorLog, StringComparison.Ordinal);
    }

    /// <summary>Rewrites <paramref name="file"/> with a later mtime each time until the server logs <paramref name="logLine"/> (the poller's first pass only notes mtimes).</summary>
    private static void Edit(ServerProcess s, string file, string text, string logLine)
    {
        DateTime deadline = DateTime.UtcNow + ServerProcess.Patience;
        DateTime stamp = DateTime.UtcNow;
        while (s.CountLog(logLine) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no \"{logLine}\" in:\n{s.ErrorLog}");
            File.WriteAllText(file, text);
            stamp = stamp.AddSeconds(2);
            File.SetLastWriteTimeUtc(file, stamp);
            try
            {
                s.WaitForLog(logLine, TimeSpan.FromSeconds(3));
            }
            catch (TimeoutException)
            {
                // Not yet: edit again.
            }
        }
    }
}
