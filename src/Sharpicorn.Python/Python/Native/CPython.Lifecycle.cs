namespace Sharpicorn.Python.Native;

internal static unsafe partial class CPython
{
    private static delegate* unmanaged<int, void> s_Py_InitializeEx;
    private static delegate* unmanaged<int> s_Py_IsInitialized;
    private static delegate* unmanaged<nint> s_PyEval_SaveThread;
    private static delegate* unmanaged<nint, void> s_PyEval_RestoreThread;
    private static delegate* unmanaged<int> s_PyGILState_Ensure;
    private static delegate* unmanaged<int, void> s_PyGILState_Release;
    private static delegate* unmanaged<ulong, nint, int> s_PyThreadState_SetAsyncExc;
    private static delegate* unmanaged<ulong> s_PyThread_get_thread_ident;

    public static void Py_InitializeEx(int initsigs) => s_Py_InitializeEx(initsigs);

    public static int Py_IsInitialized() => s_Py_IsInitialized();

    /// <summary>Releases the GIL; the returned thread state goes back to <see cref="PyEval_RestoreThread"/>.</summary>
    public static nint PyEval_SaveThread() => s_PyEval_SaveThread();

    public static void PyEval_RestoreThread(nint threadState) => s_PyEval_RestoreThread(threadState);

    public static int PyGILState_Ensure() => s_PyGILState_Ensure();

    public static void PyGILState_Release(int state) => s_PyGILState_Release(state);

    /// <summary>Raises <paramref name="exceptionType"/> (borrowed) in the thread with that ident at its next bytecode.</summary>
    public static int PyThreadState_SetAsyncExc(ulong threadIdent, nint exceptionType) => s_PyThreadState_SetAsyncExc(threadIdent, exceptionType);

    public static ulong PyThread_get_thread_ident() => s_PyThread_get_thread_ident();

    private static void BindLifecycle()
    {
        s_Py_InitializeEx = (delegate* unmanaged<int, void>)Export("Py_InitializeEx");
        s_Py_IsInitialized = (delegate* unmanaged<int>)Export("Py_IsInitialized");
        s_PyEval_SaveThread = (delegate* unmanaged<nint>)Export("PyEval_SaveThread");
        s_PyEval_RestoreThread = (delegate* unmanaged<nint, void>)Export("PyEval_RestoreThread");
        s_PyGILState_Ensure = (delegate* unmanaged<int>)Export("PyGILState_Ensure");
        s_PyGILState_Release = (delegate* unmanaged<int, void>)Export("PyGILState_Release");
        s_PyThreadState_SetAsyncExc = (delegate* unmanaged<ulong, nint, int>)Export("PyThreadState_SetAsyncExc");
        s_PyThread_get_thread_ident = (delegate* unmanaged<ulong>)Export("PyThread_get_thread_ident");
    }
}
