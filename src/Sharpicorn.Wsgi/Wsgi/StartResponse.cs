using Sharpicorn.Configuration;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Wsgi;

/// <summary>PEP 3333's start_response (GIL held): validates everything before it is stored, so nothing invalid is ever sent.</summary>
internal static class StartResponse
{
    /// <summary>Hop-by-hop headers are the server's business; gunicorn drops them from the app's list.</summary>
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers", "transfer-encoding", "upgrade",
    };

    /// <summary>Stores status and headers on <paramref name="req"/>; false with a Python error set if the call is invalid (or re-raises exc_info).</summary>
    /// <param name="req">The request being answered.</param>
    /// <param name="status">The status str.</param>
    /// <param name="headers">The list of (name, value) tuples.</param>
    /// <param name="excInfo">The exc_info tuple, or 0 for none.</param>
    public static bool Apply(WsgiRequest req, nint status, nint headers, nint excInfo)
    {
        if (excInfo != 0)
        {
            if (req.Progress == ResponseProgress.HeadersSent)
            {
                // PEP 3333: too late to change the response, so re-raise the app's exception.
                if (CPython.Py_TYPE(excInfo) != CPython.PyTuple_Type || CPython.PyTuple_Size(excInfo) != 3)
                {
                    return Raise(CPython.PyExc_TypeError, "exc_info must be a 3-tuple");
                }
                BorrowedRef t = CPython.PyTuple_GetItem(excInfo, 0), v = CPython.PyTuple_GetItem(excInfo, 1), tb = CPython.PyTuple_GetItem(excInfo, 2);
                bool noTraceback = tb.Handle == CPython.Py_None;
                OwnedRef traceback = noTraceback ? default : tb.NewOwned();
                CPython.PyErr_Restore(t.NewOwned().Steal(), v.NewOwned().Steal(), traceback.Steal());
                return false;
            }
        }
        else if (req.Progress != ResponseProgress.NotStarted)
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
        bool server = false;
        for (nint i = 0; i < count; i++)
        {
            nint pair = (list ? CPython.PyList_GetItem(headers, i) : CPython.PyTuple_GetItem(headers, i)).Handle;
            if (CPython.Py_TYPE(pair) != CPython.PyTuple_Type || CPython.PyTuple_Size(pair) != 2)
            {
                return Raise(CPython.PyExc_TypeError, $"response header {i} is not a (name, value) tuple");
            }
            string? name = PyStr.ToLatin1OrNull(CPython.PyTuple_GetItem(pair, 0).Handle);
            string? value = PyStr.ToLatin1OrNull(CPython.PyTuple_GetItem(pair, 1).Handle);
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
            server |= string.Equals(name, "Server", StringComparison.OrdinalIgnoreCase);
            collected.Add(new(name, value));
        }

        req.Progress = ResponseProgress.Started;
        req.Start = new StartResponseArgs(code, reason, contentLength, close, server);
        req.Headers.Clear();
        req.Headers.AddRange(collected);
        return true;
    }

    private static bool Raise(nint type, string message)
    {
        PyStr.SetError(type, message);
        return false;
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

    /// <summary>Python's repr(), as gunicorn's %r shows the value in its message.</summary>
    private static string Repr(string s) => PythonText.Repr(s);
}
