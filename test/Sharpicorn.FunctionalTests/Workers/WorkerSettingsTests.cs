using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Workers;

/// <summary>--no-sendfile, --spew and --initgroups, as gunicorn's workers apply them.</summary>
public sealed class WorkerSettingsTests
{
    private static string Source => File.ReadAllText(Path.Combine(Repo.Apps, "settings_app.py"));

    [Fact]
    public void FileWrapper_Default_SentFromTheDescriptorBypassingRead()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "settings_app:app"]);
        Assert.Equal(Source, RawHttp.Get(s.Port, "/wrapper").Body);
    }

    [Fact]
    public void FileWrapper_NoSendfile_IteratedThroughRead()
    {
        // gunicorn without sendfile iterates the wrapper: filelike.read(blksize), here upper-casing.
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--no-sendfile", "settings_app:app"]);
        Assert.Equal(Source.ToUpperInvariant(), RawHttp.Get(s.Port, "/wrapper").Body);
    }

    [Fact]
    public void FileWrapper_SendfileEnvironmentOff_IteratedThroughRead()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "settings_app:app"], env: new Dictionary<string, string> { ["SENDFILE"] = "0" });
        Assert.Equal(Source.ToUpperInvariant(), RawHttp.Get(s.Port, "/wrapper").Body);
    }

    [Fact]
    public void Spew_AppLinesTracedToStdout_InGunicornsFormat()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--spew", "settings_app:app"]);
        Assert.Equal("spew-marker-line", RawHttp.Get(s.Port, "/spew").Body);
        string expected = "settings_app:15:     return \"spew-marker-line\"";
        DateTime deadline = DateTime.UtcNow + ServerProcess.Patience;
        // stdout is read as the worker writes it; the request's lines were printed before its response.
        while (!s.Output.Contains(expected, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no spew line for the request in:\n{s.Output[^Math.Min(2000, s.Output.Length)..]}");
            Thread.Sleep(20);
        }
    }

    [RootFact]
    public void Initgroups_UserAndGroup_WorkerTakesTheUsersGroups()
    {
        // Without --initgroups the master's supplementary groups stay (none, or root's); with it, the worker gets nobody's: nogroup.
        using var world = new WorldReadableDirectory();
        world.Copy(Path.Combine(Repo.Apps, "settings_app.py"));
        string server = Path.Combine(world.CopyFiles(Repo.PublishedServer(), "server"), "sharpicorn");
        using (var plain = ServerProcess.Start(["--python", Repo.DebianPython, "-u", "nobody", "-g", "nogroup", "settings_app:app"], chdir: world.FullName, executable: server))
        {
            JsonElement g = JsonDocument.Parse(RawHttp.Get(plain.Port, "/groups").Body).RootElement;
            Assert.DoesNotContain(65534, g.GetProperty("groups").EnumerateArray().Select(x => x.GetInt32()));
        }
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "-u", "nobody", "-g", "nogroup", "--initgroups", "settings_app:app"], chdir: world.FullName, executable: server);
        JsonElement e = JsonDocument.Parse(RawHttp.Get(s.Port, "/groups").Body).RootElement;
        Assert.Equal(65534, e.GetProperty("gid").GetInt32());
        Assert.Equal([65534], e.GetProperty("groups").EnumerateArray().Select(x => x.GetInt32()));
    }
}
