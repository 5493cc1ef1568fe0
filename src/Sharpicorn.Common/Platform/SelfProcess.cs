using System.Diagnostics;

namespace Sharpicorn.Platform;

/// <summary>
/// Starting this executable again (workers, --preload's check, a USR2 master): a .NET process
/// must not fork without exec, so every child is a fresh process of the same binary, started
/// where sharpicorn was started so relative paths mean the same to it.
/// </summary>
internal static class SelfProcess
{
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        string path = Environment.ProcessPath ?? "sharpicorn";
        var psi = new ProcessStartInfo(path) { UseShellExecute = false, WorkingDirectory = ProcessInfo.StartDirectory };
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            // Run as "dotnet sharpicorn.dll": the host needs the assembly again.
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sharpicorn.dll"));
        }
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return psi;
    }
}
