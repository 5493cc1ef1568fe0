namespace Sharpicorn.Python.Native;

internal static unsafe partial class CPython
{
    public static delegate* unmanaged<int, void> Py_InitializeEx;
    public static delegate* unmanaged<int> Py_IsInitialized;
    public static delegate* unmanaged<nint> PyEval_SaveThread;
    public static delegate* unmanaged<nint, void> PyEval_RestoreThread;
    public static delegate* unmanaged<int> PyGILState_Ensure;
    public static delegate* unmanaged<int, void> PyGILState_Release;
    public static delegate* unmanaged<ulong, nint, int> PyThreadState_SetAsyncExc;
    public static delegate* unmanaged<ulong> PyThread_get_thread_ident;

    private static void BindLifecycle()
    {
        Py_InitializeEx = (delegate* unmanaged<int, void>)Export("Py_InitializeEx");
        Py_IsInitialized = (delegate* unmanaged<int>)Export("Py_IsInitialized");
        PyEval_SaveThread = (delegate* unmanaged<nint>)Export("PyEval_SaveThread");
        PyEval_RestoreThread = (delegate* unmanaged<nint, void>)Export("PyEval_RestoreThread");
        PyGILState_Ensure = (delegate* unmanaged<int>)Export("PyGILState_Ensure");
        PyGILState_Release = (delegate* unmanaged<int, void>)Export("PyGILState_Release");
        PyThreadState_SetAsyncExc = (delegate* unmanaged<ulong, nint, int>)Export("PyThreadState_SetAsyncExc");
        PyThread_get_thread_ident = (delegate* unmanaged<ulong>)Export("PyThread_get_thread_ident");
    }
}
