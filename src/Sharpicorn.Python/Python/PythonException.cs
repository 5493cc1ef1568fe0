using System.Diagnostics.CodeAnalysis;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Python;

/// <summary>
/// A Python exception caught at the interop boundary: its type name, message and the
/// formatted traceback text exactly as Python's <c>traceback</c> module prints it.
/// </summary>
internal sealed class PythonException : Exception
{
    public PythonException(string typeName, string pythonMessage, string traceback)
        : base(typeName + ": " + pythonMessage)
    {
        TypeName = typeName;
        PythonMessage = pythonMessage;
        Traceback = traceback;
    }

    public PythonException()
        : this("Exception", "", "")
    {
    }

    public PythonException(string message)
        : this("Exception", message, message)
    {
    }

    public PythonException(string message, Exception innerException)
        : base(message, innerException)
    {
        TypeName = "Exception";
        PythonMessage = message;
        Traceback = message;
    }

    public string TypeName { get; } = "Exception";

    public string PythonMessage { get; } = "";

    /// <summary>"Traceback (most recent call last): …" ending with "Type: message".</summary>
    public string Traceback { get; } = "";

    /// <summary>Takes the pending error (GIL held) and clears it.</summary>
    public static unsafe PythonException FetchPending()
    {
        nint type, value, tb;
        CPython.PyErr_Fetch(&type, &value, &tb);
        if (type == 0)
        {
            return new PythonException("SystemError", "error return without exception set", "SystemError: error return without exception set\n");
        }
        CPython.PyErr_NormalizeException(&type, &value, &tb);
        if (tb != 0 && value != 0)
        {
            CPython.PyException_SetTraceback(value, tb);
        }
        using var typeRef = new OwnedRef(type);
        using var valueRef = new OwnedRef(value);
        using var tbRef = new OwnedRef(tb);
        string typeName = PyStr.AttrString(type, "__name__") ?? "Exception";
        string message = value != 0 ? PyStr.ToStringOrEmpty(value) : "";
        string traceback = FormatTraceback(type, value, tb) ?? $"{typeName}: {message}\n";
        return new PythonException(typeName, message, traceback);
    }

    [DoesNotReturn]
    public static void ThrowPending() => throw FetchPending();

    private static unsafe string? FormatTraceback(nint type, nint value, nint tb)
    {
        fixed (byte* name = "traceback"u8)
        fixed (byte* fn = "format_exception"u8)
        {
            using var module = new OwnedRef(CPython.PyImport_ImportModule(name));
            if (module.IsNull)
            {
                CPython.PyErr_Clear();
                return null;
            }
            using var format = new OwnedRef(CPython.PyObject_GetAttrString(module.Handle, fn));
            if (format.IsNull)
            {
                CPython.PyErr_Clear();
                return null;
            }
            using var args = new OwnedRef(CPython.PyTuple_New(3));
            nint none = CPython.Py_None;
            foreach ((int i, nint o) in new[] { (0, type), (1, value), (2, tb) })
            {
                nint item = o != 0 ? o : none;
                CPython.Py_IncRef(item);
                CPython.PyTuple_SetItem(args.Handle, i, item);
            }
            using var lines = new OwnedRef(CPython.PyObject_Call(format.Handle, args.Handle, 0));
            if (lines.IsNull)
            {
                CPython.PyErr_Clear();
                return null;
            }
            var sb = new System.Text.StringBuilder();
            nint n = CPython.PyList_Size(lines.Handle);
            for (nint i = 0; i < n; i++)
            {
                sb.Append(PyStr.ToStringOrEmpty(CPython.PyList_GetItem(lines.Handle, i)));
            }
            return sb.ToString();
        }
    }
}
