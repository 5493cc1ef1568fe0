using System.Text;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;

namespace Sharpicorn.Wsgi;

/// <summary>start_response() and write(), called back from Python on this thread (GIL held).</summary>
internal sealed unsafe partial class PythonWorker
{
    /// <summary>Hop-by-hop headers are the server's business; gunicorn drops them from the app's list.</summary>
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers", "transfer-encoding", "upgrade",
    };

    /// <summary>PEP 3333 start_response: validates everything before it is stored, so nothing invalid is ever sent.</summary>
    internal nint StartResponse(nint self, nint status, nint headers, nint excInfo)
    {
        WsgiRequest req = Current!;
        if (excInfo != 0)
        {
            if (req.HeadersSent)
            {
                // PEP 3333: too late to change the response, so re-raise the app's exception.
                if (CPython.Py_TYPE(excInfo) != CPython.PyTuple_Type || CPython.PyTuple_Size(excInfo) != 3)
                {
                    return Raise(CPython.PyExc_TypeError, "exc_info must be a 3-tuple");
                }
                nint t = CPython.PyTuple_GetItem(excInfo, 0), v = CPython.PyTuple_GetItem(excInfo, 1), tb = CPython.PyTuple_GetItem(excInfo, 2);
                CPython.Py_IncRef(t);
                CPython.Py_IncRef(v);
                CPython.Py_IncRef(tb);
                CPython.PyErr_Restore(t, v, tb == CPython.Py_None ? 0 : tb);
                if (tb == CPython.Py_None)
                {
                    CPython.Py_DecRef(tb);
                }
                return 0;
            }
        }
        else if (req.StartResponseCalled)
        {
            return Raise(CPython.PyExc_AssertionError, "Response headers already set!");
        }

        string? statusText = PyStr.ToLatin1OrNull(status);
        if (statusText is null)
        {
            return Raise(CPython.PyExc_TypeError, "status must be a str such as '200 OK'");
        }
        if (!TryParseStatus(statusText, out int code, out string reason))
        {
            return Raise(CPython.PyExc_ValueError, $"Invalid status: {Repr(statusText)}");
        }

        nint type = CPython.Py_TYPE(headers);
        bool list = type == CPython.PyList_Type;
        if (!list && type != CPython.PyTuple_Type)
        {
            return Raise(CPython.PyExc_TypeError, "response headers must be a list of (name, value) tuples");
        }
        nint count = list ? CPython.PyList_Size(headers) : CPython.PyTuple_Size(headers);
        var collected = new List<KeyValuePair<string, string>>((int)count);
        long? contentLength = null;
        bool close = false;
        for (nint i = 0; i < count; i++)
        {
            nint pair = list ? CPython.PyList_GetItem(headers, i) : CPython.PyTuple_GetItem(headers, i);
            if (CPython.Py_TYPE(pair) != CPython.PyTuple_Type || CPython.PyTuple_Size(pair) != 2)
            {
                return Raise(CPython.PyExc_TypeError, $"response header {i} is not a (name, value) tuple");
            }
            string? name = PyStr.ToLatin1OrNull(CPython.PyTuple_GetItem(pair, 0));
            string? value = PyStr.ToLatin1OrNull(CPython.PyTuple_GetItem(pair, 1));
            if (name is null)
            {
                return Raise(CPython.PyExc_TypeError, $"response header {i}: the name is not a latin-1 str");
            }
            if (value is null)
            {
                return Raise(CPython.PyExc_TypeError, $"response header {Repr(name)}: the value is not a latin-1 str");
            }
            if (!IsToken(name))
            {
                return Raise(CPython.PyExc_ValueError, $"Invalid HTTP header name: {Repr(name)}");
            }
            if (!IsFieldValue(value))
            {
                return Raise(CPython.PyExc_ValueError, $"Invalid HTTP Header: {Repr(value)}");
            }
            if (string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (!long.TryParse(value.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long cl))
                {
                    return Raise(CPython.PyExc_ValueError, $"Invalid Content-Length: {Repr(value)}");
                }
                contentLength = cl;
                continue;
            }
            if (HopByHop.Contains(name))
            {
                close |= string.Equals(name, "Connection", StringComparison.OrdinalIgnoreCase)
                    && value.Trim().Equals("close", StringComparison.OrdinalIgnoreCase);
                continue;
            }
            collected.Add(new(name, value));
        }

        req.StartResponseCalled = true;
        req.StatusCode = code;
        req.ReasonPhrase = reason;
        req.Headers.Clear();
        req.Headers.AddRange(collected);
        req.ContentLength = contentLength;
        req.CloseConnection = close;
        // write() carries the same ticket as this start_response.
        return CPython.PyCFunction_NewEx(WsgiNative.WriteDef, self, 0);
    }

    /// <summary>The write() callable start_response returns: sends and flushes at once.</summary>
    internal nint WriteCallable(nint data)
    {
        WsgiRequest req = Current!;
        if (!req.StartResponseCalled)
        {
            return Raise(CPython.PyExc_AssertionError, "write() called before start_response()");
        }
        if (!CPython.HasTypeFlag(data, CPython.Py_TPFLAGS_BYTES_SUBCLASS))
        {
            return Raise(CPython.PyExc_TypeError, "write() argument must be bytes");
        }
        if (req.ClientGone)
        {
            return Raise(CPython.PyExc_OSError, "client disconnected");
        }
        byte* p;
        nint n;
        CPython.PyBytes_AsStringAndSize(data, &p, &n);
        if (n > 0)
        {
            WriteBody(req, new ReadOnlySpan<byte>(p, (int)n), flush: true);
        }
        CPython.Py_IncRef(CPython.Py_None);
        return CPython.Py_None;
    }

    private static nint Raise(nint type, string message)
    {
        PyStr.SetError(type, message);
        return 0;
    }

    internal static bool TryParseStatus(string status, out int code, out string reason)
    {
        code = 0;
        reason = "";
        if (status.Length < 3 || (status.Length > 3 && status[3] != ' '))
        {
            return false;
        }
        for (int i = 0; i < 3; i++)
        {
            if (status[i] is < '0' or > '9')
            {
                return false;
            }
            code = (code * 10) + (status[i] - '0');
        }
        if (code < 100)
        {
            return false;
        }
        reason = status.Length > 4 ? status[4..] : "";
        foreach (char c in reason)
        {
            if (c < 0x20 && c != '\t' || c == 0x7F)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>RFC 9110 token: the only characters a header name may have.</summary>
    internal static bool IsToken(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }
        foreach (char c in name)
        {
            bool ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
                || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>No CR, LF, NUL or other control character but HTAB: what keeps header injection out.</summary>
    internal static bool IsFieldValue(string value)
    {
        foreach (char c in value)
        {
            if ((c < 0x20 && c != '\t') || c == 0x7F)
            {
                return false;
            }
        }
        return true;
    }

    private static string Repr(string s)
    {
        var sb = new StringBuilder("'");
        foreach (char c in s)
        {
            sb.Append(c switch
            {
                '\r' => "\\r",
                '\n' => "\\n",
                '\t' => "\\t",
                '\'' => "\\'",
                '\\' => "\\\\",
                < ' ' or '\x7f' => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }
        return sb.Append('\'').ToString();
    }
}
