namespace Sharpicorn.Wsgi;

/// <summary>
/// The Python half of the WSGI layer (_sharpicorn_wsgi.py, an embedded resource), executed once
/// as the module "_sharpicorn_wsgi". Only what is cheaper or clearer in Python lives there: the
/// wsgi.input buffering (on top of a native blocking _recv), wsgi.errors, wsgi.file_wrapper and
/// gunicorn's app loader. Read through GetManifestResourceStream, which Native AOT keeps.
/// </summary>
internal static class WsgiSupport
{
    public const string ModuleName = "_sharpicorn_wsgi";

    private const string ResourceName = "_sharpicorn_wsgi.py";

    public static string Source { get; } = Read();

    private static string Read()
    {
        using Stream stream = typeof(WsgiSupport).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the assembly lacks its {ResourceName} resource");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
