namespace Sharpicorn.Tests.TestUtilities;

/// <summary>Paths in the repository the tests run from.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Launcher => Path.Combine(Root, "sharpicorn");

    public static string Apps => Path.Combine(Root, "test", "apps");

    /// <summary>
    /// The published server the launcher runs (artifacts/bin), built first if it is missing or
    /// stale: the launcher does that, under its lock, when asked for its version.
    /// </summary>
    public static string PublishedServer()
    {
        var psi = new System.Diagnostics.ProcessStartInfo(Launcher, "--version") { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(ServerProcess.Patience))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Launcher} --version did not finish within {ServerProcess.Patience.TotalSeconds} s");
        }
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Launcher} --version failed: {output.Result}{error.Result}");
        }
        return Path.Combine(Root, "artifacts", "bin");
    }

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

    /// <summary>What python3 on PATH really runs (through pyenv's shim), if it is a pyenv build.</summary>
    private static string? FindPyenv()
    {
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo("python3", "-c \"import sys; print(sys.executable)\"") { RedirectStandardOutput = true };
            using var p = System.Diagnostics.Process.Start(psi)!;
            Task<string> output = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(ServerProcess.Patience))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException("python3 on PATH did not answer within " + ServerProcess.Patience.TotalSeconds + " s");
            }
            string exe = output.Result.Trim();
            return exe.Contains("/.pyenv/", StringComparison.Ordinal) ? exe : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>Every pyenv CPython 3.9 to 3.13 on this machine, for the binding's version matrix.</summary>
    public static IEnumerable<string> PyenvVersions()
    {
        string root = Environment.GetEnvironmentVariable("PYENV_ROOT") ?? Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? "/root", ".pyenv");
        string versions = Path.Combine(root, "versions");
        if (!Directory.Exists(versions))
        {
            return [];
        }
        return Directory.GetDirectories(versions)
            .Select(d => (Dir: d, Ok: Version.TryParse(Path.GetFileName(d), out Version? v), V: v))
            .Where(x => x.Ok && x.V!.Major == 3 && x.V.Minor is >= 9 and <= 13 && File.Exists(Path.Combine(x.Dir, "bin", "python3")))
            .OrderBy(x => x.V)
            .Select(x => Path.Combine(x.Dir, "bin", "python3"));
    }
}
