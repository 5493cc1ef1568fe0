namespace Sharpicorn.Python.Native;

internal static unsafe partial class CPython
{
    public static delegate* unmanaged<nint> PyErr_Occurred;
    public static delegate* unmanaged<nint*, nint*, nint*, void> PyErr_Fetch;
    public static delegate* unmanaged<nint*, nint*, nint*, void> PyErr_NormalizeException;
    public static delegate* unmanaged<nint, nint, nint, void> PyErr_Restore;
    public static delegate* unmanaged<nint, byte*, void> PyErr_SetString;
    public static delegate* unmanaged<void> PyErr_Clear;
    public static delegate* unmanaged<nint, nint, int> PyException_SetTraceback;

    public static nint PyExc_TypeError;
    public static nint PyExc_ValueError;
    public static nint PyExc_RuntimeError;
    public static nint PyExc_AssertionError;
    public static nint PyExc_OSError;
    public static nint PyExc_IOError;

    private static void BindErrors()
    {
        PyErr_Occurred = (delegate* unmanaged<nint>)Export("PyErr_Occurred");
        PyErr_Fetch = (delegate* unmanaged<nint*, nint*, nint*, void>)Export("PyErr_Fetch");
        PyErr_NormalizeException = (delegate* unmanaged<nint*, nint*, nint*, void>)Export("PyErr_NormalizeException");
        PyErr_Restore = (delegate* unmanaged<nint, nint, nint, void>)Export("PyErr_Restore");
        PyErr_SetString = (delegate* unmanaged<nint, byte*, void>)Export("PyErr_SetString");
        PyErr_Clear = (delegate* unmanaged<void>)Export("PyErr_Clear");
        PyException_SetTraceback = (delegate* unmanaged<nint, nint, int>)Export("PyException_SetTraceback");
    }

    private static void BindExceptionTypes()
    {
        PyExc_TypeError = ExportedPointer("PyExc_TypeError");
        PyExc_ValueError = ExportedPointer("PyExc_ValueError");
        PyExc_RuntimeError = ExportedPointer("PyExc_RuntimeError");
        PyExc_AssertionError = ExportedPointer("PyExc_AssertionError");
        PyExc_OSError = ExportedPointer("PyExc_OSError");
        PyExc_IOError = ExportedPointer("PyExc_IOError");
    }
}
