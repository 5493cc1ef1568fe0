namespace Sharpicorn.Asgi;

/// <summary>
/// The Python half of the ASGI layer (_sharpicorn_asgi.py, an embedded resource), executed once
/// as the module "_sharpicorn_asgi": the scope dicts, receive/send, lifespan and the loop itself.
/// </summary>
internal static class AsgiSupport
{
    public const string ModuleName = "_sharpicorn_asgi";

    private const string ResourceName = "_sharpicorn_asgi.py";

    public static string Source { get; } = Read(ResourceName);

    /// <summary>_sharpicorn_detect.py: is_asgi(app) alone, without importing asyncio.</summary>
    public static string DetectSource => Read("_sharpicorn_detect.py");

    private static string Read(string name)
    {
        using Stream stream = typeof(AsgiSupport).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the assembly lacks its {name} resource");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
