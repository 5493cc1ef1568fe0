using System.Globalization;
using System.Text;

namespace Sharpicorn.Configuration;

/// <summary>
/// docs/settings.md and docs/gunicorn-compat.md, generated from <see cref="SettingsRegistry"/>.
/// A test in Sharpicorn.Common.Tests (SettingsDocsTests) fails when a committed file differs;
/// UPDATE_DOCS=1 makes it rewrite the file instead.
/// </summary>
internal static class SettingsDocs
{
    public const string SettingsPath = "docs/settings.md";
    public const string CompatPath = "docs/gunicorn-compat.md";

    private const string Generated = "<!-- Generated from src/Sharpicorn.Common/Configuration by SettingsDocs; do not edit. Regenerate: UPDATE_DOCS=1 dotnet test test/Sharpicorn.Common.Tests --filter SettingsDocs -->";

    /// <summary>gunicorn's docs order of sections, then sharpicorn's own.</summary>
    private static readonly string[] Sections =
    [
        Section.ConfigFile, Section.Debugging, Section.Logging, Section.ProcessNaming, Section.Ssl, Section.Security,
        Section.ServerHooks, Section.ServerMechanics, Section.ServerSocket, Section.WorkerProcesses, Section.Http2,
        Section.DirtyArbiters, Section.DirtyArbiterHooks, Section.Control, Section.Sharpicorn,
    ];

    public static string Settings()
    {
        var sb = new StringBuilder();
        sb.Append("# Settings\n\n").Append(Generated).Append("\n\n");
        sb.Append("Every setting sharpicorn reads: gunicorn 26's ").Append(SettingsRegistry.GunicornCount)
            .Append(", under gunicorn's names, flags and defaults, and sharpicorn's own. ")
            .Append("They are read, from lowest to highest precedence, from the defaults (and `WEB_CONCURRENCY`, `FORWARDED_ALLOW_IPS`, `PORT`), ")
            .Append("the config file (`-c`, else `./gunicorn.conf.py`), `GUNICORN_CMD_ARGS`, and the command line, as gunicorn reads them. ")
            .Append("A long flag may be shortened to any unambiguous prefix (`--error-log` is `--error-logfile`), as gunicorn's argparse allows.\n\n");
        sb.Append("Statuses: **supported**; **accepted with a warning** (a value other than gunicorn's default has no effect, and a startup warning says so); ")
            .Append("**refused** (gunicorn's default value is accepted, any other stops startup with exit 2 and the reason). ")
            .Append("[gunicorn-compat.md](gunicorn-compat.md) lists them all on one page.\n");
        foreach (string section in Sections)
        {
            sb.Append("\n## ").Append(section).Append('\n');
            foreach (Setting s in SettingsRegistry.All.Where(s => s.Section == section))
            {
                sb.Append("\n### `").Append(s.Name).Append("`\n\n");
                if (s.Flags.Count > 0)
                {
                    sb.Append("- Flags: ").Append(string.Join(", ", s.Flags.Select(f => "`" + (s.Action switch
                    {
                        CliAction.Switch => f,
                        CliAction.OptionalValue => $"{f} [{s.Meta}]",
                        _ => $"{f} {s.Meta ?? s.Name.ToUpperInvariant()}",
                    }) + "`"))).Append('\n');
                }
                else
                {
                    sb.Append("- Config file only\n");
                }
                sb.Append("- Type: ").Append(s.TypeName).Append('\n');
                sb.Append("- Default: `").Append(DefaultForDocs(s)).Append("`: ").Append(s.DefaultOrigin).Append('\n');
                sb.Append("- Status: ").Append(StatusText(s)).Append("\n\n");
                sb.Append(s.Help).Append('\n');
                if (Explanation(s) is string why)
                {
                    sb.Append('\n').Append(why).Append('\n');
                }
            }
        }
        return sb.ToString();
    }

    public static string Compat()
    {
        var gunicorn = SettingsRegistry.Gunicorn.ToList();
        var sb = new StringBuilder();
        sb.Append("# gunicorn compatibility\n\n").Append(Generated).Append("\n\n");
        sb.Append("What sharpicorn does with each of gunicorn 26's ").Append(gunicorn.Count).Append(" settings (`KNOWN_SETTINGS` in gunicorn/config.py). ")
            .Append("A refused setting is refused only when set to a value other than gunicorn's default, so a config file that spells out the defaults ")
            .Append("(`spew = False`, `sendfile = None`, `logconfig_dict = {}`) starts. Details of each setting: [settings.md](settings.md).\n\n");
        sb.Append("| status | settings |\n|---|---|\n");
        foreach (SettingStatus status in Enum.GetValues<SettingStatus>())
        {
            sb.Append("| ").Append(StatusName(status)).Append(" | ").Append(gunicorn.Count(s => s.Status == status).ToString(CultureInfo.InvariantCulture)).Append(" |\n");
        }
        foreach (string section in Sections.Where(s => s != Section.Sharpicorn))
        {
            sb.Append("\n## ").Append(section).Append("\n\n| setting | flags | status | what sharpicorn does |\n|---|---|---|---|\n");
            foreach (Setting s in gunicorn.Where(s => s.Section == section))
            {
                sb.Append("| `").Append(s.Name).Append("` | ")
                    .Append(s.Flags.Count == 0 ? "(config file)" : string.Join(", ", s.Flags.Select(f => $"`{f}`")))
                    .Append(" | ").Append(StatusName(s.Status)).Append(" | ")
                    .Append(Cell(Explanation(s) ?? "As gunicorn.")).Append(" |\n");
            }
        }
        sb.Append("\n## sharpicorn's own settings\n\n| setting | flags | what it does |\n|---|---|---|\n");
        foreach (Setting s in SettingsRegistry.All.Where(s => s.SharpicornOnly))
        {
            sb.Append("| `").Append(s.Name).Append("` | ").Append(string.Join(", ", s.Flags.Select(f => $"`{f}`"))).Append(" | ").Append(Cell(s.Help)).Append(" |\n");
        }
        return sb.ToString();
    }

    /// <summary>The README's one-line summary; a test checks the README still carries it word for word.</summary>
    public static string ReadmeSummary()
    {
        var gunicorn = SettingsRegistry.Gunicorn.ToList();
        string Count(SettingStatus status) => gunicorn.Count(s => s.Status == status).ToString(CultureInfo.InvariantCulture);
        return $"Of gunicorn 26's {gunicorn.Count} settings, {Count(SettingStatus.Supported)} are supported, "
            + $"{Count(SettingStatus.AcceptedWithWarning)} are accepted with a startup warning (they have no effect), and "
            + $"{Count(SettingStatus.Refused)} are refused at startup, with the reason, unless set to gunicorn's default value.";
    }

    public static string StatusName(SettingStatus status) => status switch
    {
        SettingStatus.Supported => "supported",
        SettingStatus.AcceptedWithWarning => "accepted with a warning",
        _ => "refused",
    };

    private static string StatusText(Setting s) => s.SharpicornOnly ? "sharpicorn's own" : StatusName(s.Status);

    /// <summary>The reason (and what to do instead) for a setting that is not simply supported, or the notes on how a supported one differs.</summary>
    private static string? Explanation(Setting s) => s.Status switch
    {
        SettingStatus.Supported => s.Notes,
        SettingStatus.AcceptedWithWarning => $"Accepted, but a value other than `{DefaultForDocs(s)}` {s.Reason}.{Then(s.Instead)}{Then(s.Notes)}",
        _ => $"Refused: {s.Reason}.{Then(s.Instead)}{Then(s.Notes)}",
    };

    /// <summary>The default as the docs show it; an empty str as Python writes it.</summary>
    private static string DefaultForDocs(Setting s) => s.DefaultDoc ?? (s.DefaultText.Length == 0 ? "''" : s.DefaultText);

    private static string Then(string? sentence) => sentence is null ? "" : " " + sentence.TrimEnd('.') + ".";

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
