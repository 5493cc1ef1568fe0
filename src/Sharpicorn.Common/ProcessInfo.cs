namespace Sharpicorn;

/// <summary>Facts about this sharpicorn process that every layer may read.</summary>
internal static class ProcessInfo
{
    public const string Version = "0.1.0";

    /// <summary>Where sharpicorn was started: workers start here too, so relative paths mean the same to them.</summary>
    public static string StartDirectory { get; private set; } = Directory.GetCurrentDirectory();

    /// <summary>Called first thing in Main, before --chdir or a config file can move the process.</summary>
    public static void CaptureStartDirectory() => StartDirectory = Directory.GetCurrentDirectory();
}
