using System.Diagnostics;

namespace Sharpicorn.Tests.Apps;

/// <summary>
/// The interpreters a user may point sharpicorn at: Debian's /usr/bin/python3, the pyenv build
/// on PATH, and a virtualenv made from each. Venvs use --system-site-packages (there is no PyPI
/// here) and get a module of their own, venv_marker, so a test can tell the venv's site-packages
/// were really used.
/// </summary>
public static class PythonWorld
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, string> Venvs = [];

    public static IEnumerable<object[]> Interpreters()
    {
        yield return ["debian"];
        if (TestUtilities.Repo.PyenvPython is not null)
        {
            yield return ["pyenv"];
        }
    }

    public static IEnumerable<object[]> InterpretersAndVenvs()
    {
        foreach (object[] i in Interpreters())
        {
            yield return [i[0], false];
            yield return [i[0], true];
        }
    }

    public static string Python(string kind) => kind == "debian" ? TestUtilities.Repo.DebianPython : TestUtilities.Repo.PyenvPython!;

    /// <summary>A venv made from the given interpreter, created once per test run.</summary>
    public static string Venv(string kind)
    {
        lock (Gate)
        {
            if (Venvs.TryGetValue(kind, out string? existing))
            {
                return existing;
            }
            string dir = Path.Combine(Path.GetTempPath(), $"sharpicorn-venv-{kind}-{Environment.ProcessId}");
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
            Run(Python(kind), "-m", "venv", "--without-pip", "--system-site-packages", dir);
            string site = Run(Path.Combine(dir, "bin", "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").Trim();
            File.WriteAllText(Path.Combine(site, "venv_marker.py"), $"WHERE = {System.Text.Json.JsonSerializer.Serialize(dir)}\n");
            Venvs[kind] = dir;
            return dir;
        }
    }

    private static string Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TestUtilities.ServerProcess.Patience))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)} did not finish within {TestUtilities.ServerProcess.Patience.TotalSeconds} s");
        }
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{exe} {string.Join(' ', args)} failed: {error.Result}");
        }
        return output.Result;
    }
}
