using System.Text.Json;
using System.Text.RegularExpressions;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Deploy;

/// <summary>
/// deploy/kubernetes/deployment.yaml: the container's command line, run as written (bound to
/// 127.0.0.1:0, serving the test's hello app), answers every probe's path with 200.
/// </summary>
public sealed partial class KubernetesRecipeTests
{
    [Fact]
    public void Probes_ContainerArgs_EveryProbePathAnswered()
    {
        string yaml = File.ReadAllText(Path.Combine(Repo.Root, "deploy", "kubernetes", "deployment.yaml"));
        // The args line is a YAML flow sequence of quoted strings, which is also JSON.
        string[] args = JsonSerializer.Deserialize<string[]>(ArgsRegex().Match(yaml).Groups[1].Value)!;
        Assert.Equal("sharpicorn", args[0]);
        string[] paths = [.. ProbePathRegex().Matches(yaml).Select(m => m.Groups[1].Value)];
        Assert.Equal(3, paths.Length);

        var command = args.Skip(1).Select(a => a switch
        {
            "0.0.0.0:8000" => "127.0.0.1:0",
            "app:app" => "hello:app",
            _ => a,
        }).ToList();
        command.InsertRange(0, ["--python", Repo.DebianPython]);
        using var server = ServerProcess.Start(command);
        foreach (string path in paths)
        {
            HttpReply reply = RawHttp.Get(server.Port, path);
            Assert.True(reply.Status == 200 && reply.Body == "OK\n", $"{path}: {reply.Raw}");
        }
    }

    [GeneratedRegex(@"^\s*args: (\[.*\])\s*$", RegexOptions.Multiline)]
    private static partial Regex ArgsRegex();

    [GeneratedRegex(@"^\s*path: (\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex ProbePathRegex();
}
