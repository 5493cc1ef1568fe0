using Sharpicorn.Python;

namespace Sharpicorn.Wsgi;

/// <summary>
/// Interned environ keys, made once per loaded app (GIL held) and kept for the life of the
/// interpreter, which is never finalized: the references are never released.
/// </summary>
internal sealed class WsgiKeys
{
    /// <summary>Creates every key (GIL held).</summary>
    public WsgiKeys()
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
        UrlScheme = Intern("wsgi.url_scheme"u8);
    }

    public nint RequestMethod { get; }
    public nint ScriptName { get; }
    public nint PathInfo { get; }
    public nint QueryString { get; }
    public nint RawUri { get; }
    public nint ServerProtocol { get; }
    public nint ServerName { get; }
    public nint ServerPort { get; }
    public nint RemoteAddr { get; }
    public nint RemotePort { get; }
    public nint ContentType { get; }
    public nint ContentLength { get; }
    public nint WsgiInput { get; }
    public nint UrlScheme { get; }

    private static nint Intern(ReadOnlySpan<byte> name) => PyStr.Intern(name).IntoRaw();
}
