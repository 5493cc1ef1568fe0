using Sharpicorn.Configuration;

namespace Sharpicorn.Tests.Configuration;

/// <summary>docs/settings.md and docs/gunicorn-compat.md are generated; these fail when the committed files are stale. UPDATE_DOCS=1 rewrites them.</summary>
public sealed class SettingsDocsTests
{
    [Fact]
    public void SettingsDocs_SettingsMd_UpToDate() => Check(SettingsDocs.SettingsPath, SettingsDocs.Settings());

    [Fact]
    public void SettingsDocs_CompatMd_UpToDate() => Check(SettingsDocs.CompatPath, SettingsDocs.Compat());

    [Fact]
    public void SettingsDocs_Compat_ListsEveryGunicornSettingWithStatus()
    {
        string compat = SettingsDocs.Compat();
        foreach (Setting s in SettingsRegistry.Gunicorn)
        {
            Assert.Contains($"| `{s.Name}` |", compat, StringComparison.Ordinal);
        }
        Assert.Equal(SettingsRegistry.GunicornCount, compat.Split('\n').Count(l => l.StartsWith("| `", StringComparison.Ordinal)) - SettingsRegistry.All.Count(s => s.SharpicornOnly));
    }

    [Fact]
    public void SettingsDocs_Readme_CarriesTheGeneratedSummaryNotATable()
    {
        string readme = File.ReadAllText(Path.Combine(RepoRoot(), "README.md"));
        Assert.True(
            readme.Contains(SettingsDocs.ReadmeSummary(), StringComparison.Ordinal),
            "README.md's settings summary is stale; replace it with: " + SettingsDocs.ReadmeSummary());
        Assert.DoesNotContain("| gunicorn | sharpicorn |", readme, StringComparison.Ordinal);
    }

    private static void Check(string relative, string generated)
    {
        string path = Path.Combine(RepoRoot(), relative);
        if (Environment.GetEnvironmentVariable("UPDATE_DOCS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, generated);
        }
        string committed = File.Exists(path) ? File.ReadAllText(path) : "";
        Assert.True(
            committed == generated,
            $"{relative} is stale: it is generated from src/Sharpicorn.Common/Configuration. Regenerate it with: UPDATE_DOCS=1 dotnet test test/Sharpicorn.Common.Tests --filter SettingsDocs");
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "sharpicorn.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("no sharpicorn.slnx above " + AppContext.BaseDirectory);
    }
}
