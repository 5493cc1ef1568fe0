using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sharpicorn.Tests.Apps;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Deploy;

/// <summary>
/// The wheel as a user gets it: built by `make wheel`'s script, installed with
/// `pip install --no-index` into a fresh venv of Debian's python3 and of the pyenv build, and
/// started from the venv's bin/ with no --python, SHARPICORN_PYTHON or VIRTUAL_ENV.
/// </summary>
public sealed partial class WheelTests
{
    [Fact]
    public void WheelName_PlatformTag_IsTheHighestGlibcTheServerReferences()
    {
        string name = Path.GetFileName(WheelBuild.Wheel);
        Match m = WheelNameRegex().Match(name);
        Assert.True(m.Success, name);
        // objdump comes with the AOT toolchain's binutils: an independent reading of the version-needs table.
        string dump = Command.Check("objdump", ["-T", Path.Combine(Repo.PublishedServer(), "sharpicorn")]);
        Version highest = GlibcRegex().Matches(dump).Select(g => Version.Parse(g.Groups[1].Value)).Max()!;
        Assert.Equal($"{highest.Major}_{highest.Minor}", m.Groups[2].Value);
        Assert.Equal(ProcessInfoVersion(), m.Groups[1].Value);
    }

    [Theory]
    [MemberData(nameof(PythonWorld.Interpreters), MemberType = typeof(PythonWorld))]
    public void Wheel_InstalledInFreshVenv_ServesWithVenvPythonBothWaysAndUninstallsClean(string kind)
    {
        using var venv = WheelVenv.Create(PythonWorld.Python(kind), install: false);
        SortedSet<string> before = venv.Tree();
        venv.Install();

        // The console script, from anywhere: it finds the venv's interpreter by itself.
        using (ServerProcess server = ServerProcess.Start(["wsgi_basic:venv_app"], executable: venv.Script, workingDirectory: "/"))
        {
            AssertServedBy(venv, server);
        }

        // python -m sharpicorn: the same, through the venv's python.
        ProcessStartInfo psi = ServerProcess.StartInfo(venv.Python);
        psi.WorkingDirectory = "/";
        foreach (string a in (string[])["-m", "sharpicorn", "-b", "127.0.0.1:0", "--chdir", Repo.Apps, "wsgi_basic:venv_app"])
        {
            psi.ArgumentList.Add(a);
        }
        using (ServerProcess server = ServerProcess.Run(psi))
        {
            AssertServedBy(venv, server);
        }

        Assert.Contains("(version ", Command.Check(venv.Script, ["--version"]), StringComparison.Ordinal);
        venv.Uninstall();
        SortedSet<string> after = venv.Tree();
        Assert.True(before.SetEquals(after), "left behind: " + string.Join(", ", after.Except(before)) + "; removed: " + string.Join(", ", before.Except(after)));
    }

    /// <summary>Every other CPython 3.9 to 3.13 on this machine (the one on PATH is covered above).</summary>
    public static IEnumerable<object[]> OtherVersions() =>
        Repo.PyenvVersions().Where(p => p != Repo.PyenvPython).Select(p => new object[] { p });

    [Theory]
    [MemberData(nameof(OtherVersions))]
    public void ConsoleScript_VenvOfThisVersion_ServesWithIt(string python)
    {
        // pip of every version accepts the tag, and the launcher's Python runs on 3.9 as on 3.13.
        using var venv = WheelVenv.Create(python);
        using ServerProcess server = ServerProcess.Start(["wsgi_basic:venv_app"], executable: venv.Script, workingDirectory: "/");
        AssertServedBy(venv, server);
        string version = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(python)))!;
        Assert.Equal(version, JsonDocument.Parse(RawHttp.Get(server.Port, "/").Body).RootElement.GetProperty("version").GetString());
    }

    [Fact]
    public void Launcher_NoSharedLibpython_OneLineErrorSaysWhatToInstall()
    {
        using var venv = WheelVenv.Create(Repo.DebianPython);
        // A static build's configuration, through the variable sysconfig reads it by (as for a
        // cross build): LDLIBRARY is the .a and Py_ENABLE_SHARED is 0.
        string fake = Path.Combine(venv.Home, "fake");
        Directory.CreateDirectory(fake);
        Command.Check(venv.Python, ["-c", """
            import sys, sysconfig
            v = dict(sysconfig.get_config_vars())
            v.update(Py_ENABLE_SHARED=0, LDLIBRARY="libpython%d.%d.a" % sys.version_info[:2], INSTSONAME="libpython%d.%d.a" % sys.version_info[:2])
            open(sys.argv[1] + "/_sysconfigdata_static_build.py", "w").write("build_time_vars = %r\n" % v)
            """, fake]);
        CommandResult r = Command.Run(venv.Script, ["--chdir", Repo.Apps, "hello:app"], new Dictionary<string, string>
        {
            ["PYTHONPATH"] = fake,
            ["_PYTHON_SYSCONFIGDATA_NAME"] = "_sysconfigdata_static_build",
        });
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("", r.Output);
        string[] lines = r.Error.TrimEnd('\n').Split('\n');
        Assert.Single(lines);
        Assert.StartsWith($"sharpicorn: {venv.Dir}/bin/python", lines[0], StringComparison.Ordinal);
        Assert.Contains("has no shared libpython", lines[0], StringComparison.Ordinal);
        Assert.Contains("PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install", lines[0], StringComparison.Ordinal);
    }

    /// <summary>The app answers from the venv: its sys.prefix is the venv and its interpreter the venv's python.</summary>
    private static void AssertServedBy(WheelVenv venv, ServerProcess server)
    {
        HttpReply reply = RawHttp.Get(server.Port, "/");
        Assert.True(reply.Status == 200, reply.Raw + server.ErrorLog);
        JsonElement e = JsonDocument.Parse(reply.Body).RootElement;
        Assert.Equal(venv.Dir, e.GetProperty("prefix").GetString());
        Assert.StartsWith(Path.Combine(venv.Dir, "bin", "python"), e.GetProperty("executable").GetString(), StringComparison.Ordinal);
    }

    private static string ProcessInfoVersion()
    {
        string text = Command.Check(Path.Combine(Repo.PublishedServer(), "sharpicorn"), ["--version"]);
        return VersionRegex().Match(text).Groups[1].Value;
    }

    [GeneratedRegex(@"^sharpicorn-([^-]+)-py3-none-manylinux_(\d+_\d+)_x86_64\.whl$")]
    private static partial Regex WheelNameRegex();

    [GeneratedRegex(@"GLIBC_(\d+\.\d+)")]
    private static partial Regex GlibcRegex();

    [GeneratedRegex(@"\(version ([^)]+)\)")]
    private static partial Regex VersionRegex();
}
