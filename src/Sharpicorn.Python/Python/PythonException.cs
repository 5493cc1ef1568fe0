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
    public static PythonException FetchPending()
    {
        CPython.PyErr_FetchNormalized(out OwnedRef typeRef, out OwnedRef valueRef, out OwnedRef tbRef);
        using (typeRef)
        using (valueRef)
        using (tbRef)
        {
            nint type = typeRef.Handle, value = valueRef.Handle, tb = tbRef.Handle;
            if (type == 0)
            {
                return new PythonException("SystemError", "error return without exception set", "SystemError: error return without exception set\n");
            }
            if (tb != 0 && value != 0)
            {
                CPython.PyException_SetTraceback(value, tb);
            }
            string typeName = PyStr.AttrString(type, "__name__") ?? "Exception";
            string message = value != 0 ? PyStr.ToStringOrEmpty(value) : "";
            string traceback = FormatTraceback(type, value, tb) ?? $"{typeName}: {message}\n";
            return new PythonException(typeName, message, traceback);
        }
    }

    [DoesNotReturn]
    public static void ThrowPending() => throw FetchPending();

    private static string? FormatTraceback(nint type, nint value, nint tb)
    {
        using OwnedRef module = CPython.PyImport_ImportModule("traceback"u8);
        if (module.IsNull)
        {
            CPython.PyErr_Clear();
            return null;
        }
        using OwnedRef format = CPython.PyObject_GetAttrString(module.Handle, "format_exception"u8);
        if (format.IsNull)
        {
            CPython.PyErr_Clear();
            return null;
        }
        using OwnedRef args = CPython.PyTuple_New(3);
        if (args.IsNull)
        {
            CPython.PyErr_Clear();
            return null;
        }
        nint none = CPython.Py_None;
        CPython.PyTuple_SetItem(args.Handle, 0, new BorrowedRef(type != 0 ? type : none).NewOwned().Steal());
        CPython.PyTuple_SetItem(args.Handle, 1, new BorrowedRef(value != 0 ? value : none).NewOwned().Steal());
        CPython.PyTuple_SetItem(args.Handle, 2, new BorrowedRef(tb != 0 ? tb : none).NewOwned().Steal());
        using OwnedRef lines = CPython.PyObject_Call(format.Handle, args.Handle, 0);
        if (lines.IsNull)
        {
            CPython.PyErr_Clear();
            return null;
        }
        var sb = new System.Text.StringBuilder();
        nint n = CPython.PyList_Size(lines.Handle);
        for (nint i = 0; i < n; i++)
        {
            sb.Append(PyStr.ToStringOrEmpty(CPython.PyList_GetItem(lines.Handle, i).Handle));
        }
        return sb.ToString();
    }
}
