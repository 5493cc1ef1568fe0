using System.Text;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Python;

/// <summary>Conversions between Python str/bytes and .NET strings. GIL held for all.</summary>
internal static unsafe class PyStr
{
    public static OwnedRef FromString(string s)
    {
        int max = Encoding.UTF8.GetMaxByteCount(s.Length);
        Span<byte> buf = max <= 512 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(s, buf);
        fixed (byte* p = buf)
        {
            return new OwnedRef(CPython.PyUnicode_FromStringAndSize(p, n)).OrThrow();
        }
    }

    /// <summary>A native string built from raw bytes the way PEP 3333 wants: each byte one latin-1 code point.</summary>
    public static OwnedRef FromLatin1(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            return new OwnedRef(CPython.PyUnicode_DecodeLatin1(p, bytes.Length, null)).OrThrow();
        }
    }

    public static OwnedRef FromLatin1(string s)
    {
        int len = s.Length;
        Span<byte> buf = len <= 512 ? stackalloc byte[len] : new byte[len];
        for (int i = 0; i < len; i++)
        {
            buf[i] = (byte)s[i];
        }
        return FromLatin1(buf);
    }

    public static OwnedRef Intern(ReadOnlySpan<byte> utf8NulTerminated)
    {
        fixed (byte* p = utf8NulTerminated)
        {
            return new OwnedRef(CPython.PyUnicode_InternFromString(p)).OrThrow();
        }
    }

    /// <summary>The UTF-8 text of a str, or null with the error cleared if it is not one.</summary>
    public static string? ToStringOrNull(nint str)
    {
        nint size;
        byte* p = CPython.PyUnicode_AsUTF8AndSize(str, &size);
        if (p == null)
        {
            CPython.PyErr_Clear();
            return null;
        }
        return Encoding.UTF8.GetString(p, (int)size);
    }

    /// <summary>str(obj), never throwing.</summary>
    public static string ToStringOrEmpty(nint obj)
    {
        using var s = new OwnedRef(CPython.PyObject_Str(obj));
        if (s.IsNull)
        {
            CPython.PyErr_Clear();
            return "";
        }
        return ToStringOrNull(s.Handle) ?? "";
    }

    /// <summary>
    /// A str whose code points are all below 256, as .NET chars of the same values; null (error
    /// cleared) for a non-str or a code point above U+00FF, which WSGI forbids in headers.
    /// </summary>
    public static string? ToLatin1OrNull(nint str)
    {
        if (!CPython.HasTypeFlag(str, CPython.Py_TPFLAGS_UNICODE_SUBCLASS))
        {
            return null;
        }
        nint size;
        byte* p = CPython.PyUnicode_AsUTF8AndSize(str, &size);
        if (p == null)
        {
            CPython.PyErr_Clear();
            return null;
        }
        var span = new ReadOnlySpan<byte>(p, (int)size);
        if (!System.Text.Unicode.Utf8.IsValid(span) || span.ContainsAnyInRange((byte)0x80, (byte)0xFF))
        {
            using var latin1 = new OwnedRef(CPython.PyUnicode_AsLatin1String(str));
            if (latin1.IsNull)
            {
                CPython.PyErr_Clear();
                return null;
            }
            byte* b;
            nint blen;
            CPython.PyBytes_AsStringAndSize(latin1.Handle, &b, &blen);
            return Encoding.Latin1.GetString(b, (int)blen);
        }
        return Encoding.ASCII.GetString(span);
    }

    public static string? AttrString(nint obj, string name)
    {
        using var attr = GetAttr(obj, name);
        if (attr.IsNull)
        {
            CPython.PyErr_Clear();
            return null;
        }
        return ToStringOrNull(attr.Handle);
    }

    public static OwnedRef GetAttr(nint obj, string name)
    {
        Span<byte> buf = stackalloc byte[Encoding.UTF8.GetMaxByteCount(name.Length) + 1];
        int n = Encoding.UTF8.GetBytes(name, buf);
        buf[n] = 0;
        fixed (byte* p = buf)
        {
            return new OwnedRef(CPython.PyObject_GetAttrString(obj, p));
        }
    }

    public static OwnedRef Bytes(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            return new OwnedRef(CPython.PyBytes_FromStringAndSize(p, data.Length)).OrThrow();
        }
    }

    public static void SetError(nint excType, string message)
    {
        Span<byte> buf = new byte[Encoding.UTF8.GetMaxByteCount(message.Length) + 1];
        int n = Encoding.UTF8.GetBytes(message, buf);
        buf[n] = 0;
        fixed (byte* p = buf)
        {
            CPython.PyErr_SetString(excType, p);
        }
    }
}
