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
