using System.Diagnostics;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Deploy;

/// <summary>What a command printed and how it ended.</summary>
public sealed record CommandResult(int ExitCode, string Output, string Error);

/// <summary>A command run to completion, bounded by <see cref="ServerProcess.Patience"/>; names no interpreter unless told.</summary>
public static class Command
{
    public static CommandResult Run(string exe, IEnumerable<string> args, IDictionary<string, string>? env = null, string? workingDirectory = null)
    {
        ProcessStartInfo psi = ServerProcess.StartInfo(exe);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        psi.WorkingDirectory = workingDirectory ?? "";
        // pip must not look for a newer pip: there is no index here.
        psi.Environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1";
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach ((string k, string v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        using var p = Process.Start(psi)!;
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(ServerProcess.Patience))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', psi.ArgumentList)} did not finish within {ServerProcess.Patience.TotalSeconds} s");
        }
        p.WaitForExit();
        return new CommandResult(p.ExitCode, output.Result, error.Result);
    }

    /// <summary>As <see cref="Run"/>, failing with what the command said unless it exits 0.</summary>
    public static string Check(string exe, IEnumerable<string> args, IDictionary<string, string>? env = null, string? workingDirectory = null)
    {
        var list = args.ToList();
        CommandResult r = Run(exe, list, env, workingDirectory);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"{exe} {string.Join(' ', list)} exited {r.ExitCode}:\n{r.Output}{r.Error}");
        }
        return r.Output;
    }
}
