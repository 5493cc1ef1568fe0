using System.Globalization;
using System.Security.Cryptography.X509Certificates;
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
internal sealed class EnvironBuilder
{
    /// <summary>Bound on cached header keys and values (an arbitrary guard, not a measured figure).</summary>
    private const int CacheLimit = 512;

    private readonly Dictionary<string, nint> _headerKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, nint> _values = new(StringComparer.Ordinal);
    private readonly nint _template;
    private readonly nint _scriptName;
    private readonly string _scriptNameText;

    private readonly bool _keepUnderscores;
    private readonly HashSet<string> _forwarderHeaders;
    private readonly bool _forwardAny;
    private readonly WsgiKeys _keys;
    private readonly nint _https;
    private readonly bool _clientCertificates;

    /// <summary>Takes ownership of <paramref name="template"/> (GIL held).</summary>
    public EnvironBuilder(OwnedRef template, WsgiKeys keys, string scriptName, bool keepUnderscores, bool clientCertificates = false, IReadOnlyCollection<string>? forwarderHeaders = null)
    {
        _forwarderHeaders = forwarderHeaders is null ? [] : new HashSet<string>(forwarderHeaders, StringComparer.Ordinal);
        _forwardAny = _forwarderHeaders.Contains("*");
        _clientCertificates = clientCertificates;
        _keepUnderscores = keepUnderscores;
        _keys = keys;
        _https = PyStr.FromLatin1("https").IntoRaw();
        _template = template.IntoRaw();
        _scriptNameText = scriptName;
        _scriptName = PyStr.FromLatin1(scriptName).IntoRaw();
    }

    /// <summary>A new environ for <paramref name="req"/> with <paramref name="input"/> as wsgi.input; on any failure nothing is left behind.</summary>
    public OwnedRef Build(WsgiRequest req, nint input)
    {
        OwnedRef environ = CPython.PyDict_Copy(_template).OrThrow();
        try
        {
            Fill(environ.Handle, req, input);
        }
        catch
        {
            // The half-built dict holds references to the template's values and the input
            // stream; dropping it here is what releases them.
            environ.Dispose();
            throw;
        }
        return environ;
    }

    private void Fill(nint d, WsgiRequest req, nint input)
    {
        WsgiKeys keys = _keys;
        IHttpRequestFeature r = req.Request;
        SetNew(d, keys.RequestMethod, Cached(r.Method));
        string raw = r.RawTarget;
        (string path, string query) = RequestTarget.Split(raw);
        string scriptName = req.ScriptName ?? _scriptNameText;
        if (scriptName.Length > 0 && path.StartsWith(scriptName, StringComparison.Ordinal))
        {
            path = path[scriptName.Length..];
        }
        if (req.ScriptName is null)
        {
            Set(d, keys.ScriptName, _scriptName);
        }
        else
        {
            SetNew(d, keys.ScriptName, PyStr.FromLatin1(scriptName));
        }
        SetPath(d, keys.PathInfo, path);
        SetNew(d, keys.QueryString, PyStr.FromLatin1(query));
        SetNew(d, keys.RawUri, PyStr.FromLatin1(raw));
        SetNew(d, keys.ServerProtocol, Cached(req.ProtocolAsSent ?? WsgiRequest.ServerProtocol(r.Protocol)));

        IHttpConnectionFeature c = req.Connection;
        if (c.LocalIpAddress is { } local)
        {
            SetNew(d, keys.ServerName, Cached(local.ToString()));
            SetNew(d, keys.ServerPort, Cached(c.LocalPort.ToString(CultureInfo.InvariantCulture)));
        }
        else
        {
            // A unix socket has no address: gunicorn takes SERVER_NAME/PORT from Host.
            string host = r.Headers.Host.ToString();
            int colon = host.LastIndexOf(':');
            bool hasPort = colon > host.LastIndexOf(']');
            SetNew(d, keys.ServerName, Cached(hasPort ? host[..colon] : host));
            SetNew(d, keys.ServerPort, Cached(hasPort ? host[(colon + 1)..] : (host.Length > 0 ? "80" : "")));
        }
        if (c.RemoteIpAddress is { } remote)
        {
            SetNew(d, keys.RemoteAddr, PyStr.FromLatin1(remote.ToString()));
            SetNew(d, keys.RemotePort, PyStr.FromLatin1(c.RemotePort.ToString(CultureInfo.InvariantCulture)));
        }
        else
        {
            SetNew(d, keys.RemoteAddr, Cached(""));
        }

        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> h in r.Headers)
        {
            string name = h.Key;
            // gunicorn's default header_map ("drop"): a name with "_" could pass for one with "-".
            if (!_keepUnderscores && name.Contains('_', StringComparison.Ordinal) && !Forwarded(req, name))
            {
                continue;
            }
            using OwnedRef key = string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase) ? new BorrowedRef(keys.ContentType).NewOwned()
                : string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase) ? new BorrowedRef(keys.ContentLength).NewOwned()
                : HeaderKey(name);
            string value = h.Value.Count == 1 ? h.Value[0]! : string.Join(',', h.Value.ToArray());
            SetNew(d, key.Handle, PyStr.FromLatin1(value));
        }
        if (req.ExtraEnviron is { } extra)
        {
            foreach ((string name, string value) in extra)
            {
                using OwnedRef key = PyStr.FromLatin1(name);
                SetNew(d, key.Handle, PyStr.FromLatin1(value));
            }
        }
        Set(d, keys.WsgiInput, input);
        if (req.UrlScheme == "https")
        {
            Set(d, keys.UrlScheme, _https);
        }
        if (_clientCertificates && req.Features.Get<ITlsConnectionFeature>()?.ClientCertificate is { } cert)
        {
            SetClientCertificate(d, cert);
        }
    }

    /// <summary>
    /// gunicorn gives the app only its socket (gunicorn.socket.getpeercert()); these are the names
    /// Apache's mod_ssl (and uWSGI's https router, for the PEM) give a verified client certificate.
    /// </summary>
    private static void SetClientCertificate(nint d, X509Certificate2 cert)
    {
        SetText(d, "SSL_CLIENT_CERT", cert.ExportCertificatePem() + "\n");
        SetText(d, "SSL_CLIENT_S_DN", cert.Subject);
        SetText(d, "SSL_CLIENT_I_DN", cert.Issuer);
        SetText(d, "SSL_CLIENT_M_SERIAL", cert.SerialNumber);
        SetText(d, "SSL_CLIENT_VERIFY", "SUCCESS");
    }

    private static void SetText(nint d, string key, string value)
    {
        using OwnedRef k = PyStr.FromLatin1(key);
        // A distinguished name may hold any Unicode (UTF8String); the PEM and serial are ASCII.
        SetNew(d, k.Handle, PyStr.FromString(value));
    }

    private static void SetPath(nint d, nint key, string path)
    {
        Span<byte> buf = path.Length <= 1024 ? stackalloc byte[path.Length] : new byte[path.Length];
        int n = RequestTarget.PercentDecode(path, buf);
        SetNew(d, key, PyStr.FromLatin1(buf[..n]));
    }

    private static void SetNew(nint dict, nint key, OwnedRef value)
    {
        using (value)
        {
            Set(dict, key, value.Handle);
        }
    }

    private static void Set(nint dict, nint key, nint value)
    {
        if (CPython.PyDict_SetItem(dict, key, value) != 0)
        {
            PythonException.ThrowPending();
        }
    }

    /// <summary>forwarder_headers: a name with '_' that a trusted forwarder may send (gunicorn matches the upper-cased name).</summary>
    public bool Forwarded(WsgiRequest req, string name) =>
        req.TrustedForwarder && (_forwardAny || _forwarderHeaders.Contains(name.ToUpperInvariant()));

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
            cache[key] = created.Borrow().NewOwned().IntoRaw();
        }
        return created;
    }
}
