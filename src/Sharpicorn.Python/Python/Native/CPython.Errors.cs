using Sharpicorn.Python.References;

namespace Sharpicorn.Python.Native;

internal static unsafe partial class CPython
{
    private static delegate* unmanaged<nint> s_PyErr_Occurred;
    private static delegate* unmanaged<nint*, nint*, nint*, void> s_PyErr_Fetch;
    private static delegate* unmanaged<nint*, nint*, nint*, void> s_PyErr_NormalizeException;
    private static delegate* unmanaged<nint, nint, nint, void> s_PyErr_Restore;
    private static delegate* unmanaged<nint, byte*, void> s_PyErr_SetString;
    private static delegate* unmanaged<void> s_PyErr_Clear;
    private static delegate* unmanaged<nint, nint, int> s_PyException_SetTraceback;

    public static nint PyExc_TypeError { get; private set; }

    public static nint PyExc_ValueError { get; private set; }

    public static nint PyExc_RuntimeError { get; private set; }

    public static nint PyExc_AssertionError { get; private set; }

    /// <summary>Also IOError: Python 3 has no separate type (PyExc_IOError is only an alias, set during initialisation).</summary>
    public static nint PyExc_OSError { get; private set; }

    /// <summary>The pending exception's type (borrowed), or null when none is set.</summary>
    public static BorrowedRef PyErr_Occurred() => new(s_PyErr_Occurred());

    /// <summary>Takes the pending error, normalized (PyErr_Fetch + PyErr_NormalizeException): new references, each possibly null.</summary>
    public static void PyErr_FetchNormalized(out OwnedRef type, out OwnedRef value, out OwnedRef traceback)
    {
        nint t, v, tb;
        s_PyErr_Fetch(&t, &v, &tb);
        if (t != 0)
        {
            s_PyErr_NormalizeException(&t, &v, &tb);
        }
        type = new OwnedRef(t);
        value = new OwnedRef(v);
        traceback = new OwnedRef(tb);
    }

    /// <summary>Sets the pending error; steals all three (a null traceback is passed as NULL).</summary>
    public static void PyErr_Restore(StolenRef type, StolenRef value, StolenRef traceback) => s_PyErr_Restore(type.Handle, value.Handle, traceback.Handle);

    public static void PyErr_SetString(nint type, scoped ReadOnlySpan<byte> utf8Message)
    {
        fixed (byte* p = NulTerminated(utf8Message, stackalloc byte[Math.Min(utf8Message.Length + 1, 512)]))
        {
            s_PyErr_SetString(type, p);
        }
    }

    public static void PyErr_Clear() => s_PyErr_Clear();

    public static int PyException_SetTraceback(nint exception, nint traceback) => s_PyException_SetTraceback(exception, traceback);

    private static void BindErrors()
    {
        s_PyErr_Occurred = (delegate* unmanaged<nint>)Export("PyErr_Occurred");
        s_PyErr_Fetch = (delegate* unmanaged<nint*, nint*, nint*, void>)Export("PyErr_Fetch");
        s_PyErr_NormalizeException = (delegate* unmanaged<nint*, nint*, nint*, void>)Export("PyErr_NormalizeException");
        s_PyErr_Restore = (delegate* unmanaged<nint, nint, nint, void>)Export("PyErr_Restore");
        s_PyErr_SetString = (delegate* unmanaged<nint, byte*, void>)Export("PyErr_SetString");
        s_PyErr_Clear = (delegate* unmanaged<void>)Export("PyErr_Clear");
        s_PyException_SetTraceback = (delegate* unmanaged<nint, nint, int>)Export("PyException_SetTraceback");
    }

    private static void BindExceptionTypes()
    {
        PyExc_TypeError = ExportedPointer("PyExc_TypeError");
        PyExc_ValueError = ExportedPointer("PyExc_ValueError");
        PyExc_RuntimeError = ExportedPointer("PyExc_RuntimeError");
        PyExc_AssertionError = ExportedPointer("PyExc_AssertionError");
        PyExc_OSError = ExportedPointer("PyExc_OSError");
    }
}
