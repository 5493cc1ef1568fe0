using System.Text;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Python;

/// <summary>Conversions between Python str/bytes and .NET strings. GIL held for all.</summary>
internal static class PyStr
{
    public static OwnedRef FromString(string s)
    {
        int max = Encoding.UTF8.GetMaxByteCount(s.Length);
        Span<byte> buf = max <= 512 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(s, buf);
        return CPython.PyUnicode_FromStringAndSize(buf[..n]).OrThrow();
    }

    /// <summary>A native string built from raw bytes the way PEP 3333 wants: each byte one latin-1 code point.</summary>
    public static OwnedRef FromLatin1(scoped ReadOnlySpan<byte> bytes) => CPython.PyUnicode_DecodeLatin1(bytes).OrThrow();

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

    public static OwnedRef Intern(scoped ReadOnlySpan<byte> utf8) => CPython.PyUnicode_InternFromString(utf8).OrThrow();

    /// <summary>The UTF-8 text of a str, or null with the error cleared if it is not one.</summary>
    public static string? ToStringOrNull(nint str)
    {
        if (!CPython.PyUnicode_AsUTF8AndSize(str, out ReadOnlySpan<byte> utf8))
        {
            CPython.PyErr_Clear();
            return null;
        }
        return Encoding.UTF8.GetString(utf8);
    }

    /// <summary>str(obj), never throwing.</summary>
    public static string ToStringOrEmpty(nint obj)
    {
        using OwnedRef s = CPython.PyObject_Str(obj);
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
        if (!CPython.PyUnicode_AsUTF8AndSize(str, out ReadOnlySpan<byte> span))
        {
            CPython.PyErr_Clear();
            return null;
        }
        if (!System.Text.Unicode.Utf8.IsValid(span) || span.ContainsAnyInRange((byte)0x80, (byte)0xFF))
        {
            using OwnedRef latin1 = CPython.PyUnicode_AsLatin1String(str);
            if (latin1.IsNull)
            {
                CPython.PyErr_Clear();
                return null;
            }
            CPython.PyBytes_AsStringAndSize(latin1.Handle, out ReadOnlySpan<byte> b);
            return Encoding.Latin1.GetString(b);
        }
        return Encoding.ASCII.GetString(span);
    }

    public static string? AttrString(nint obj, string name)
    {
        using OwnedRef attr = GetAttr(obj, name);
        if (attr.IsNull)
        {
            CPython.PyErr_Clear();
            return null;
        }
        return ToStringOrNull(attr.Handle);
    }

    public static OwnedRef GetAttr(nint obj, string name)
    {
        Span<byte> buf = stackalloc byte[Encoding.UTF8.GetMaxByteCount(name.Length)];
        int n = Encoding.UTF8.GetBytes(name, buf);
        return CPython.PyObject_GetAttrString(obj, buf[..n]);
    }

    public static OwnedRef Bytes(scoped ReadOnlySpan<byte> data) => CPython.PyBytes_FromStringAndSize(data).OrThrow();

    public static void SetError(nint excType, string message)
    {
        int max = Encoding.UTF8.GetMaxByteCount(message.Length);
        Span<byte> buf = max <= 512 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(message, buf);
        CPython.PyErr_SetString(excType, buf[..n]);
    }
}
