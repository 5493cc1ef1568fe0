using System.Xml.Linq;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Layering;

/// <summary>
/// The project graph is the layering: a project sees only what it references, so an upward
/// <c>using</c> does not compile. These tests keep the graph itself from drifting upward, and
/// keep Kestrel and Python out of the layers that must not have them (ARCHITECTURE.md, "Layers").
/// </summary>
public sealed class LayeringTests
{
    /// <summary>Each src project and the projects it may reference. Anything else is a reference that points up or sideways.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Sharpicorn.Common"] = [],
        ["Sharpicorn.Python"] = [],
        ["Sharpicorn.Wsgi"] = ["Sharpicorn.Common", "Sharpicorn.Python"],
        // Room for ASGI beside WSGI: same layer, same dependencies, neither references the other.
        ["Sharpicorn.Asgi"] = ["Sharpicorn.Common", "Sharpicorn.Python"],
        ["Sharpicorn.Server"] = ["Sharpicorn.Common", "Sharpicorn.Python", "Sharpicorn.Wsgi", "Sharpicorn.Asgi"],
        // The master never runs an app and never hosts Kestrel.
        ["Sharpicorn.Arbiter"] = ["Sharpicorn.Common"],
        ["Sharpicorn"] = ["Sharpicorn.Common", "Sharpicorn.Python", "Sharpicorn.Wsgi", "Sharpicorn.Asgi", "Sharpicorn.Server", "Sharpicorn.Arbiter"],
    };

    /// <summary>Only the layers that see request features or host Kestrel may pull in ASP.NET Core.</summary>
    private static readonly HashSet<string> MayUseAspNetCore = ["Sharpicorn.Wsgi", "Sharpicorn.Asgi", "Sharpicorn.Server"];

    private static IEnumerable<string> SourceProjects() =>
        Directory.EnumerateFiles(Path.Combine(Repo.Root, "src"), "*.csproj", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    private static XDocument Load(string csproj) => XDocument.Load(csproj);

    private static string Name(string csproj) => Path.GetFileNameWithoutExtension(csproj);

    [Fact]
    public void EverySourceProject_HasALayer()
    {
        var unknown = SourceProjects().Select(Name).Where(n => !Allowed.ContainsKey(n)).ToList();
        Assert.True(unknown.Count == 0, "src projects without a layer in LayeringTests.Allowed (and ARCHITECTURE.md): " + string.Join(", ", unknown));
        Assert.Contains("Sharpicorn.Python", SourceProjects().Select(Name));
    }

    [Fact]
    public void ProjectReferences_NeverPointUpALayer()
    {
        var violations = new List<string>();
        int references = 0;
        foreach (string csproj in SourceProjects())
        {
            string name = Name(csproj);
            foreach (XElement reference in Load(csproj).Descendants("ProjectReference"))
            {
                references++;
                string target = Path.GetFileNameWithoutExtension(reference.Attribute("Include")!.Value.Replace('\\', '/'));
                if (Allowed.TryGetValue(name, out string[]? allowed) && !allowed.Contains(target))
                {
                    violations.Add($"{name} -> {target}");
                }
            }
        }
        Assert.True(violations.Count == 0, "references that point up or across a layer: " + string.Join(", ", violations));
        Assert.True(references >= 8, $"expected the layered graph, found {references} project references");
    }

    [Fact]
    public void AspNetCore_OnlyInTheHttpLayers()
    {
        var offenders = SourceProjects()
            .Where(p => Load(p).Descendants("FrameworkReference").Any(f => f.Attribute("Include")?.Value == "Microsoft.AspNetCore.App"))
            .Select(Name)
            .Where(n => !MayUseAspNetCore.Contains(n))
            .ToList();
        Assert.True(offenders.Count == 0, "ASP.NET Core referenced below or beside the HTTP layers: " + string.Join(", ", offenders));
    }

    [Fact]
    public void SourceFiles_StayInTheirProject()
    {
        // A <Compile Include="../.."> would smuggle a type across layers without a reference.
        var linked = SourceProjects()
            .SelectMany(p => Load(p).Descendants("Compile").Select(c => $"{Name(p)}: {c.Attribute("Include")?.Value}"))
            .Where(s => s.Contains("..", StringComparison.Ordinal))
            .ToList();
        Assert.Empty(linked);
    }

    [Fact]
    public void TestProjects_MirrorSourceProjects()
    {
        var tests = Directory.EnumerateFiles(Path.Combine(Repo.Root, "test"), "*.csproj", SearchOption.AllDirectories).Select(Name).ToHashSet();
        foreach (string layer in new[] { "Sharpicorn.Common", "Sharpicorn.Python", "Sharpicorn.Wsgi", "Sharpicorn.Server", "Sharpicorn.Arbiter" })
        {
            Assert.Contains(layer + ".Tests", tests);
        }
    }

    [Fact]
    public void TestSolution_ListsEveryTestProject()
    {
        // test.sh builds and runs test/Sharpicorn.Tests.slnx: a project missing from it would never run.
        string solution = File.ReadAllText(Path.Combine(Repo.Root, "test", "Sharpicorn.Tests.slnx"));
        var missing = Directory.EnumerateFiles(Path.Combine(Repo.Root, "test"), "*.csproj", SearchOption.AllDirectories)
            .Select(Name)
            .Where(n => !solution.Contains($"{n}/{n}.csproj", StringComparison.Ordinal))
            .ToList();
        Assert.True(missing.Count == 0, "test projects missing from test/Sharpicorn.Tests.slnx: " + string.Join(", ", missing));
    }
}
