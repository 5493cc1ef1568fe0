// Design notes
// ------------
// Each setting is declared once, in the file of its gunicorn section (Sections/), as a typed
// Setting<T>: name, flags, conversion and validation, default and its origin, help, status.
// Everything a user sees is generated from these declarations: the command line and
// GUNICORN_CMD_ARGS (Cli/ArgumentParser), the config-file reader (Cli/ConfigFile),
// --print-config (Describe), --help (CommandLine.Help), docs/settings.md and
// docs/gunicorn-compat.md (SettingsDocs). A value is converted where it is read, stored by the
// setting (into ServerSettings' typed properties, or ServerSettings.Values when the server has
// no use for it), and checked once all sources are applied (CommandLine.Check): a refused
// setting stops startup only when its final value differs from gunicorn's default, as a config
// file that spells out gunicorn's defaults must start; an accepted-with-warning one adds a
// startup warning. To add a setting: declare it in its section file, then regenerate the docs
// (UPDATE_DOCS=1 dotnet test test/Sharpicorn.Common.Tests --filter SettingsDocs).
using Sharpicorn.Cli;
using Sharpicorn.Configuration.Sections;

namespace Sharpicorn.Configuration;

/// <summary>
/// Every setting, each declared once in its section file: gunicorn 26's 119 (gunicorn/config.py
/// KNOWN_SETTINGS) in gunicorn's order, then sharpicorn's own.
/// </summary>
internal static class SettingsRegistry
{
    /// <summary>The number of settings gunicorn 26 has (KNOWN_SETTINGS in gunicorn/config.py at 26.1.0).</summary>
    public const int GunicornCount = 119;

    public static readonly IReadOnlyList<Setting> All =
    [
        .. ConfigFileSettings.All,
        .. ServerSocketSettings.All,
        .. WorkerProcessSettings.All,
        .. SecuritySettings.All,
        .. DebuggingSettings.All,
        .. ServerMechanicsSettings.All,
        .. LoggingSettings.All,
        .. ProcessNamingSettings.All,
        .. ServerHookSettings.All,
        .. SslSettings.All,
        .. Http2Settings.All,
        .. DirtyArbiterSettings.All,
        .. ControlSettings.All,
        .. SharpicornSettings.All,
    ];

    public static IEnumerable<Setting> Gunicorn => All.Where(s => !s.SharpicornOnly);

    private static readonly Dictionary<string, Setting> ByName = All.ToDictionary(s => s.Name, StringComparer.Ordinal);

    public static Setting? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>gunicorn's --print-config: "name = value" for every setting, names padded to the longest and sorted (gunicorn's Config.__str__).</summary>
    public static string Describe(ServerSettings settings)
    {
        int width = All.Max(s => s.Name.Length);
        return string.Concat(All.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => $"{s.Name.PadRight(width)} = {s.Print(settings)}\n"));
    }
}
