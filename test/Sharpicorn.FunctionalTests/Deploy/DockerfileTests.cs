using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Deploy;

/// <summary>
/// deploy/docker/Dockerfile cannot be built here (no Docker), so its steps run as written in a
/// stand-in for the image: FROM python:3.X picks that CPython (pyenv's, else Debian's) as
/// `python`; the image's absolute paths live under a fresh directory; COPY copies from the
/// repository (dist/ is the test's wheel); RUN goes to `sh -ec`; ENV, WORKDIR and CMD apply,
/// CMD's bind address becoming 127.0.0.1:0. USER and EXPOSE change nothing here.
/// </summary>
public sealed partial class DockerfileTests
{
    [Fact]
    public void Dockerfile_StepsInFreshVenv_ServeAppAndHealthPath()
    {
        string wheel = WheelBuild.Wheel;
        using var root = new WorldReadableDirectory();
        // One pass, so a mapped path (under /tmp) is never mapped again.
        string Map(string text) => ImagePathRegex().Replace(text, hit => root.FullName + hit.Value);

        var env = new Dictionary<string, string> { ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin" };
        string workdir = root.FullName;
        string[]? cmd = null;
        bool from = false;
        foreach ((string instruction, string rest) in Instructions(File.ReadAllText(Path.Combine(Repo.Root, "deploy", "docker", "Dockerfile"))))
        {
            switch (instruction)
            {
                case "FROM":
                    Match m = PythonImageRegex().Match(rest);
                    Assert.True(m.Success, "FROM is not a python:3.X image: " + rest);
                    string bin = Path.Combine(root.FullName, "image-bin");
                    Directory.CreateDirectory(bin);
                    File.CreateSymbolicLink(Path.Combine(bin, "python"), Interpreter(m.Groups[1].Value));
                    env["PATH"] = bin + ":" + env["PATH"];
                    from = true;
                    break;
                case "COPY":
                    string[] parts = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    Assert.Equal(2, parts.Length);
                    string source = parts[0] == "dist/" ? Path.GetDirectoryName(wheel)! : Path.Combine(Repo.Root, parts[0]);
                    CopyTree(source, Map(parts[1]));
                    break;
                case "RUN":
                    Command.Check("sh", ["-ec", Map(rest)], env, workdir);
                    break;
                case "ENV":
                    int eq = rest.IndexOf('=', StringComparison.Ordinal);
                    string name = rest[..eq];
                    env[name] = Map(rest[(eq + 1)..]).Replace("$" + name, env.GetValueOrDefault(name, ""), StringComparison.Ordinal);
                    break;
                case "WORKDIR":
                    workdir = Map(rest);
                    break;
                case "CMD":
                    cmd = JsonSerializer.Deserialize<string[]>(rest);
                    break;
                case "USER" or "EXPOSE":
                    break;
                default:
                    Assert.Fail("an instruction this test does not run: " + instruction);
                    break;
            }
        }
        Assert.True(from && cmd is { Length: > 0 }, "no FROM or no CMD");

        // The image's CMD: `sharpicorn` is found on the PATH the ENV step set, as in the container.
        ProcessStartInfo psi = ServerProcess.StartInfo(Which(cmd![0], env["PATH"]));
        psi.WorkingDirectory = workdir;
        psi.Environment["PATH"] = env["PATH"];
        foreach (string a in cmd.Skip(1))
        {
            psi.ArgumentList.Add(a == "0.0.0.0:8000" ? "127.0.0.1:0" : a);
        }
        using ServerProcess server = ServerProcess.Run(psi);
        Assert.StartsWith(Path.Combine(root.FullName, "opt", "venv", "bin"), psi.FileName, StringComparison.Ordinal);
        HttpReply hello = RawHttp.Get(server.Port, "/");
        Assert.True(hello.Status == 200 && hello.Body == "Hello, World!", hello.Raw + server.ErrorLog);
        HttpReply health = RawHttp.Get(server.Port, "/healthz");
        Assert.Equal(200, health.Status);
        Assert.Equal("OK\n", health.Body);
    }

    /// <summary>The Dockerfile's instructions, continuation lines joined, comments dropped.</summary>
    private static IEnumerable<(string Instruction, string Arguments)> Instructions(string dockerfile)
    {
        string joined = dockerfile.Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (string raw in joined.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            yield return (line[..space].ToUpperInvariant(), line[(space + 1)..].Trim());
        }
    }

    /// <summary>A CPython of the image's minor version: pyenv's when it has one, else Debian's python3.</summary>
    private static string Interpreter(string minor) =>
        Repo.PyenvVersions().FirstOrDefault(p => Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(p)))!.StartsWith(minor + ".", StringComparison.Ordinal))
        ?? Repo.DebianPython;

    private static string Which(string name, string path) =>
        path.Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists) ?? throw new FileNotFoundException(name + " is not on " + path);

    private static void CopyTree(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string to = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to, overwrite: true);
        }
    }

    /// <summary>The image paths the Dockerfile uses, each mapped under the stand-in root.</summary>
    [GeneratedRegex(@"(?<![\w.-])(/opt/venv|/tmp/wheels|/app)(?![\w.-])")]
    private static partial Regex ImagePathRegex();

    [GeneratedRegex(@"^python:(3\.\d+)-slim$")]
    private static partial Regex PythonImageRegex();
}
