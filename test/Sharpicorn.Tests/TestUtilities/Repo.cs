namespace Sharpicorn.Tests.TestUtilities;

/// <summary>Paths in the repository the tests run from.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Launcher => Path.Combine(Root, "sharpicorn");

    public static string Apps => Path.Combine(Root, "test", "apps");

    /// <summary>Debian's interpreter; its packages come from apt (python3-flask, python3-django).</summary>
    public const string DebianPython = "/usr/bin/python3";

    /// <summary>The pyenv interpreter on PATH, or null when there is none.</summary>
    public static string? PyenvPython { get; } = FindPyenv();

    private static string FindRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir, "sharpicorn")) && File.Exists(Path.Combine(dir, "sharpicorn.slnx")))
            {
                return dir;
            }
            dir = Path.GetDirectoryName(dir);
        }
        throw new InvalidOperationException("cannot find the repository root above " + AppContext.BaseDirectory);
    }

    private static string? FindPyenv()
    {
        string root = Environment.GetEnvironmentVariable("PYENV_ROOT") ?? Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? "/root", ".pyenv");
        string versions = Path.Combine(root, "versions");
        if (!Directory.Exists(versions))
        {
            return null;
        }
        return Directory.GetDirectories(versions).Select(d => Path.Combine(d, "bin", "python3")).Where(File.Exists).OrderBy(p => p, StringComparer.Ordinal).LastOrDefault();
    }
}
