using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Deploy;

/// <summary>
/// The wheel, built once per test run exactly as `make wheel` builds it (the launcher's Native
/// AOT server, wheel/build_wheel.py under Debian's python3), into a directory of its own so a
/// run never touches the repository's dist/.
/// </summary>
public static class WheelBuild
{
    private static readonly Lazy<string> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The path of the .whl file.</summary>
    public static string Wheel => Built.Value;

    private static string Build()
    {
        string server = Path.Combine(Repo.PublishedServer(), "sharpicorn");
        string dist = Directory.CreateTempSubdirectory("sharpicorn-dist-").FullName;
        string printed = Command.Check(Repo.DebianPython, [Path.Combine(Repo.Root, "wheel", "build_wheel.py"), "--binary", server, "--out", dist]).Trim();
        Assert.True(File.Exists(printed), $"build_wheel.py printed {printed}, which does not exist");
        return printed;
    }
}
