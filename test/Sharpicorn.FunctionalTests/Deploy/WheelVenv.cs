using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Deploy;

/// <summary>
/// A fresh virtualenv with its own pip (ensurepip: no index needed), optionally with the wheel
/// installed offline, deleted when disposed. Nothing of the system's site-packages is visible,
/// so what it serves with can only be what the wheel brought.
/// </summary>
public sealed class WheelVenv : IDisposable
{
    private readonly WorldReadableDirectory _home;

    private WheelVenv(WorldReadableDirectory home)
    {
        _home = home;
        Dir = Path.Combine(home.FullName, "venv");
    }

    /// <summary>The venv itself.</summary>
    public string Dir { get; }

    /// <summary>A world-readable directory beside the venv, for sockets and files a test makes.</summary>
    public string Home => _home.FullName;

    public string Python => Path.Combine(Dir, "bin", "python");

    /// <summary>The console script pip generated for the wheel's entry point.</summary>
    public string Script => Path.Combine(Dir, "bin", "sharpicorn");

    public static WheelVenv Create(string python, bool install = true)
    {
        // World-readable: the deploy recipes' nginx workers (nobody) reach sockets the server makes beside it.
        var venv = new WheelVenv(new WorldReadableDirectory());
        try
        {
            Command.Check(python, ["-m", "venv", venv.Dir]);
            if (install)
            {
                venv.Install();
            }
            return venv;
        }
        catch
        {
            venv.Dispose();
            throw;
        }
    }

    public void Install() => Command.Check(Python, ["-m", "pip", "install", "--no-index", "--no-cache-dir", WheelBuild.Wheel]);

    public void Uninstall() => Command.Check(Python, ["-m", "pip", "uninstall", "--yes", "sharpicorn"]);

    /// <summary>Every file and directory under the venv, relative to it.</summary>
    public SortedSet<string> Tree() => [.. Directory.EnumerateFileSystemEntries(Dir, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(Dir, p))];

    public void Dispose() => _home.Dispose();
}
