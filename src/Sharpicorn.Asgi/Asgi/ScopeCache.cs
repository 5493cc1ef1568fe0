using System.Net;
using System.Text;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Asgi;

/// <summary>
/// Python objects every scope repeats (its type, method, scheme and version strings, header
/// names as lowercase bytes, the server tuple), made once and shared: a scope then costs one
/// reference count per field instead of an allocation and an encoding. Only the loop thread
/// touches it, with the GIL held. Strings are immutable in Python, so sharing them is invisible
/// to the app.
/// </summary>
internal sealed class ScopeCache
{
    /// <summary>Bounds each table: a client inventing header names or methods cannot grow it; past this, objects are made per scope.</summary>
    private const int MaxEntries = 512;

    private readonly Dictionary<string, nint> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, nint> _headerNames = new(StringComparer.Ordinal);
    private IPAddress? _serverAddress;
    private int _serverPort;
    private nint _server;

    /// <summary>A new reference to the shared str for <paramref name="s"/>.</summary>
    public OwnedRef Str(string s)
    {
        if (_strings.TryGetValue(s, out nint o))
        {
            return new BorrowedRef(o).NewOwned();
        }
        OwnedRef made = PyStr.FromString(s);
        if (_strings.Count < MaxEntries)
        {
            _strings[s] = new BorrowedRef(made.Handle).NewOwned().IntoRaw();
        }
        return made;
    }

    /// <summary>A new reference to the lowercase latin-1 bytes of Kestrel's header name <paramref name="key"/>.</summary>
    public OwnedRef HeaderName(string key)
    {
        if (_headerNames.TryGetValue(key, out nint o))
        {
            return new BorrowedRef(o).NewOwned();
        }
        OwnedRef made = Latin1Bytes(key.ToLowerInvariant());
        if (_headerNames.Count < MaxEntries)
        {
            _headerNames[key] = new BorrowedRef(made.Handle).NewOwned().IntoRaw();
        }
        return made;
    }

    /// <summary>A new reference to (host, port) of the listener; a worker has few, and requests on one connection repeat it.</summary>
    public OwnedRef Server(IPAddress address, int port)
    {
        if (_server == 0 || port != _serverPort || !address.Equals(_serverAddress))
        {
            OwnedRef made = PyTuples.Of(PyStr.FromString(address.ToString()), CPython.PyLong_FromLongLong(port).OrThrow());
            if (_server != 0)
            {
                new OwnedRef(_server).Dispose();
            }
            _server = made.IntoRaw();
            _serverAddress = address;
            _serverPort = port;
        }
        return new BorrowedRef(_server).NewOwned();
    }

    public static OwnedRef Latin1Bytes(string s)
    {
        int n = Encoding.Latin1.GetByteCount(s);
        OwnedRef bytes = CPython.PyBytes_FromSize(n, out Span<byte> span).OrThrow();
        Encoding.Latin1.GetBytes(s, span);
        return bytes;
    }
}
