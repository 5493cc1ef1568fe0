using System.Diagnostics;

namespace Sharpicorn.Tests.TestUtilities;

/// <summary>Runs a client tool (curl, h2load, openssl) to completion, bounded in time.</summary>
public static class ClientTool
{
    /// <summary>How long a client may run before the test gives up on it (a bound, not a timing assertion).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    public static (int Exit, string Stdout, string Stderr) Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Patience))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} did not finish within {Patience.TotalSeconds} s");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
