using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Apps;

/// <summary>--paste and --paste-global with Debian's python3-pastedeploy.</summary>
public sealed class PasteTests
{
    [Fact]
    public void Paste_RelativeIniWithSectionAndGlobals_AppBuiltByPasteDeploy()
    {
        // Relative to where sharpicorn starts, as gunicorn's os.path.abspath; the app module is found from --chdir.
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--paste", "paste_app.ini#admin", "--paste-global", "FOO=1", "--paste-global", "A\\=B=x=y"], workingDirectory: Repo.Apps);
        JsonElement conf = JsonDocument.Parse(RawHttp.Get(s.Port, "/").Body).RootElement;
        Assert.Equal("admin", conf.GetProperty("local").GetProperty("greeting").GetString());
        Assert.Equal("1", conf.GetProperty("global").GetProperty("FOO").GetString());
        Assert.Equal("x=y", conf.GetProperty("global").GetProperty("A=B").GetString());
        Assert.Contains($"[{Path.Combine(Repo.Apps, "paste_app.ini")}]", File.ReadAllText($"/proc/{s.Pid}/cmdline"), StringComparison.Ordinal);
    }

    [Fact]
    public void Paste_MissingFile_GunicornsErrorExit1()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--paste", "/nonexistent/app.ini"], waitReady: false);
        Assert.Equal(1, s.WaitForExit());
        Assert.Contains("Error: '/nonexistent/app.ini' not found", s.Output + s.ErrorLog, StringComparison.Ordinal);
    }
}
