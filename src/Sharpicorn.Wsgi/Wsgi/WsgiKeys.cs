using Sharpicorn.Python;

namespace Sharpicorn.Wsgi;

/// <summary>Interned environ keys, made once per interpreter (GIL held) and kept for its life.</summary>
internal static class WsgiKeys
{
    public static nint RequestMethod { get; private set; }
    public static nint ScriptName { get; private set; }
    public static nint PathInfo { get; private set; }
    public static nint QueryString { get; private set; }
    public static nint RawUri { get; private set; }
    public static nint ServerProtocol { get; private set; }
    public static nint ServerName { get; private set; }
    public static nint ServerPort { get; private set; }
    public static nint RemoteAddr { get; private set; }
    public static nint RemotePort { get; private set; }
    public static nint ContentType { get; private set; }
    public static nint ContentLength { get; private set; }
    public static nint WsgiInput { get; private set; }

    public static void Create()
    {
        RequestMethod = Intern("REQUEST_METHOD"u8);
        ScriptName = Intern("SCRIPT_NAME"u8);
        PathInfo = Intern("PATH_INFO"u8);
        QueryString = Intern("QUERY_STRING"u8);
        RawUri = Intern("RAW_URI"u8);
        ServerProtocol = Intern("SERVER_PROTOCOL"u8);
        ServerName = Intern("SERVER_NAME"u8);
        ServerPort = Intern("SERVER_PORT"u8);
        RemoteAddr = Intern("REMOTE_ADDR"u8);
        RemotePort = Intern("REMOTE_PORT"u8);
        ContentType = Intern("CONTENT_TYPE"u8);
        ContentLength = Intern("CONTENT_LENGTH"u8);
        WsgiInput = Intern("wsgi.input"u8);
    }

    private static nint Intern(ReadOnlySpan<byte> name)
    {
        Span<byte> z = stackalloc byte[name.Length + 1];
        name.CopyTo(z);
        z[name.Length] = 0;
        return PyStr.Intern(z).Steal();
    }
}
