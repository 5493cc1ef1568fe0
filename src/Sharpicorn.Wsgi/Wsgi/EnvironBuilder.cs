using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Wsgi;

/// <summary>
/// Builds the environ dict for one request (GIL held): a copy of this thread's template of
/// constant keys, then the request's own values. Keys are interned once; values that repeat
/// (methods, protocols, header names) are cached per thread, with a bound so hostile clients
/// cannot grow the cache.
/// </summary>
internal sealed unsafe class EnvironBuilder
{
    /// <summary>Bound on cached header keys and values (an arbitrary guard, not a measured figure).</summary>
    private const int CacheLimit = 512;

    private readonly Dictionary<string, nint> _headerKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, nint> _values = new(StringComparer.Ordinal);
    private readonly nint _template;
    private readonly nint _scriptName;
    private readonly string _scriptNameText;

    private readonly bool _keepUnderscores;
    private readonly nint _urlSchemeKey;
    private readonly nint _https;

    public EnvironBuilder(nint template, string scriptName, bool keepUnderscores)
    {
        _keepUnderscores = keepUnderscores;
        _urlSchemeKey = PyStr.FromLatin1("wsgi.url_scheme").Steal();
        _https = PyStr.FromLatin1("https").Steal();
        _template = template;
        _scriptNameText = scriptName;
        _scriptName = PyStr.FromLatin1(scriptName).Steal();
    }

    public OwnedRef Build(WsgiRequest req, nint input)
    {
        var environ = new OwnedRef(CPython.PyDict_Copy(_template)).OrThrow();
        IHttpRequestFeature r = req.Request;
        nint d = environ.Handle;
        SetNew(d, WsgiKeys.RequestMethod, Cached(r.Method));
        string raw = r.RawTarget;
        (string path, string query) = RequestTarget.Split(raw);
        if (_scriptNameText.Length > 0 && path.StartsWith(_scriptNameText, StringComparison.Ordinal))
        {
            path = path[_scriptNameText.Length..];
        }
        CPython.PyDict_SetItem(d, WsgiKeys.ScriptName, _scriptName);
        SetPath(d, path);
        SetNew(d, WsgiKeys.QueryString, PyStr.FromLatin1(query));
        SetNew(d, WsgiKeys.RawUri, PyStr.FromLatin1(raw));
        SetNew(d, WsgiKeys.ServerProtocol, Cached(r.Protocol));

        IHttpConnectionFeature c = req.Connection;
        if (c.LocalIpAddress is { } local)
        {
            SetNew(d, WsgiKeys.ServerName, Cached(local.ToString()));
            SetNew(d, WsgiKeys.ServerPort, Cached(c.LocalPort.ToString(CultureInfo.InvariantCulture)));
        }
        else
        {
            // A unix socket has no address: gunicorn takes SERVER_NAME/PORT from Host.
            string host = r.Headers.Host.ToString();
            int colon = host.LastIndexOf(':');
            bool hasPort = colon > host.LastIndexOf(']');
            SetNew(d, WsgiKeys.ServerName, Cached(hasPort ? host[..colon] : host));
            SetNew(d, WsgiKeys.ServerPort, Cached(hasPort ? host[(colon + 1)..] : (host.Length > 0 ? "80" : "")));
        }
        if (c.RemoteIpAddress is { } remote)
        {
            SetNew(d, WsgiKeys.RemoteAddr, PyStr.FromLatin1(remote.ToString()));
            SetNew(d, WsgiKeys.RemotePort, PyStr.FromLatin1(c.RemotePort.ToString(CultureInfo.InvariantCulture)));
        }
        else
        {
            SetNew(d, WsgiKeys.RemoteAddr, Cached(""));
        }

        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> h in r.Headers)
        {
            string name = h.Key;
            // gunicorn's default header_map ("drop"): a name with "_" could pass for one with "-".
            if (!_keepUnderscores && name.Contains('_', StringComparison.Ordinal))
            {
                continue;
            }
            using OwnedRef key = string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase) ? new BorrowedRef(WsgiKeys.ContentType).NewOwned()
                : string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase) ? new BorrowedRef(WsgiKeys.ContentLength).NewOwned()
                : HeaderKey(name);
            string value = h.Value.Count == 1 ? h.Value[0]! : string.Join(',', h.Value.ToArray());
            SetNew(d, key.Handle, PyStr.FromLatin1(value));
        }
        CPython.PyDict_SetItem(d, WsgiKeys.WsgiInput, input);
        if (req.UrlScheme == "https")
        {
            CPython.PyDict_SetItem(d, _urlSchemeKey, _https);
        }
        return environ;
    }

    private static void SetPath(nint d, string path)
    {
        Span<byte> buf = path.Length <= 1024 ? stackalloc byte[path.Length] : new byte[path.Length];
        int n = RequestTarget.PercentDecode(path, buf);
        SetNew(d, WsgiKeys.PathInfo, PyStr.FromLatin1(buf[..n]));
    }

    private static void SetNew(nint dict, nint key, OwnedRef value)
    {
        using (value)
        {
            if (CPython.PyDict_SetItem(dict, key, value.Handle) != 0)
            {
                PythonException.ThrowPending();
            }
        }
    }

    /// <summary>The HTTP_* key for a header name, as a new reference.</summary>
    private OwnedRef HeaderKey(string name) =>
        FromCache(_headerKeys, name, static n => "HTTP_" + n.ToUpperInvariant().Replace('-', '_'));

    /// <summary>A str for a value that repeats across requests, as a new reference.</summary>
    private OwnedRef Cached(string value) => FromCache(_values, value, static v => v);

    private static OwnedRef FromCache(Dictionary<string, nint> cache, string key, Func<string, string> text)
    {
        if (cache.TryGetValue(key, out nint s))
        {
            return new BorrowedRef(s).NewOwned();
        }
        OwnedRef created = PyStr.FromLatin1(text(key));
        if (cache.Count < CacheLimit)
        {
            cache[key] = created.Borrow().NewOwned().Steal();
        }
        return created;
    }
}
