using System.Buffers;
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

    /// <summary>Longer header names are not cached (nor lower-cased on the stack).</summary>
    private const int MaxCachedName = 64;

    private readonly Dictionary<string, nint> _strings = new(StringComparer.Ordinal);

    /// <summary>Lowercase header name to its bytes object; looked up by span, so a hit allocates nothing.</summary>
    private readonly Dictionary<string, nint> _headerNames = new(StringComparer.Ordinal);

    private readonly Dictionary<string, nint>.AlternateLookup<ReadOnlySpan<char>> _headerNamesBySpan;

    public ScopeCache() => _headerNamesBySpan = _headerNames.GetAlternateLookup<ReadOnlySpan<char>>();
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

    /// <summary>A new reference to the lowercase bytes of the header name <paramref name="name"/> as sent (a token: ASCII).</summary>
    public OwnedRef HeaderName(scoped ReadOnlySpan<byte> name)
    {
        Span<char> lower = stackalloc char[MaxCachedName];
        if (name.Length <= MaxCachedName && Ascii.ToLower(name, lower, out int n) == OperationStatus.Done)
        {
            return LowerHeaderName(lower[..n]);
        }
        OwnedRef made = CPython.PyBytes_FromSize(name.Length, out Span<byte> bytes).OrThrow();
        name.CopyTo(bytes);
        Ascii.ToLowerInPlace(bytes, out _);
        return made;
    }

    /// <summary>A new reference to the lowercase latin-1 bytes of Kestrel's header name <paramref name="key"/>.</summary>
    public OwnedRef HeaderName(string key)
    {
        Span<char> lower = stackalloc char[MaxCachedName];
        if (key.Length <= MaxCachedName)
        {
            int n = key.AsSpan().ToLowerInvariant(lower);
            return LowerHeaderName(lower[..n]);
        }
        return Latin1Bytes(key.ToLowerInvariant());
    }

    private OwnedRef LowerHeaderName(scoped ReadOnlySpan<char> lower)
    {
        if (_headerNamesBySpan.TryGetValue(lower, out nint o))
        {
            return new BorrowedRef(o).NewOwned();
        }
        OwnedRef made = CPython.PyBytes_FromSize(lower.Length, out Span<byte> bytes).OrThrow();
        Encoding.Latin1.GetBytes(lower, bytes);
        if (_headerNames.Count < MaxEntries)
        {
            _headerNamesBySpan[lower] = new BorrowedRef(made.Handle).NewOwned().IntoRaw();
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

    public static OwnedRef Latin1Bytes(string s) => Latin1Bytes(s.AsSpan());

    public static OwnedRef Latin1Bytes(ReadOnlySpan<char> s)
    {
        int n = Encoding.Latin1.GetByteCount(s);
        OwnedRef bytes = CPython.PyBytes_FromSize(n, out Span<byte> span).OrThrow();
        Encoding.Latin1.GetBytes(s, span);
        return bytes;
    }
}
