// Design notes
// ------------
// The trivial Python work of --mode python: libpython is loaded with NativeLibrary and its C API
// reached through unmanaged function pointers (as src/Sharpicorn.Python does, minus everything
// an app needs). The main thread initialises CPython, defines `app()` returning the body bytes,
// and gives up the GIL for good; each dedicated thread creates its thread state once and then,
// per request, takes the GIL, calls app(), copies the bytes into Kestrel's pipe and releases it.
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http.Features;

namespace KestrelFloor;

internal sealed unsafe class PythonHello
{
    private const string Script = "BODY = b'Hello, World!'\ndef app():\n    return BODY\n";

    private readonly delegate* unmanaged<nint, nint> _callNoArgs;
    private readonly delegate* unmanaged<nint, byte**, nint*, int> _bytesAsStringAndSize;
    private readonly delegate* unmanaged<nint, void> _decRef;
    private readonly delegate* unmanaged<nint> _saveThread;
    private readonly delegate* unmanaged<nint, void> _restoreThread;
    private readonly delegate* unmanaged<int> _gilStateEnsure;
    private readonly delegate* unmanaged<void> _errPrint;
    private readonly nint _app;

    private PythonHello(string libPython, string home)
    {
        // libpython reads the C environ, not .NET's copy of it: PYTHONHOME goes through libc.
        nint libc = NativeLibrary.Load("libc.so.6");
        var setenv = (delegate* unmanaged<byte*, byte*, int, int>)NativeLibrary.GetExport(libc, "setenv");
        fixed (byte* name = "PYTHONHOME\0"u8)
        fixed (byte* value = System.Text.Encoding.UTF8.GetBytes(home + "\0"))
        {
            setenv(name, value, 0);
        }
        nint lib = NativeLibrary.Load(libPython);
        var initialize = (delegate* unmanaged<int, void>)NativeLibrary.GetExport(lib, "Py_InitializeEx");
        var runSimple = (delegate* unmanaged<byte*, int>)NativeLibrary.GetExport(lib, "PyRun_SimpleString");
        var addModule = (delegate* unmanaged<byte*, nint>)NativeLibrary.GetExport(lib, "PyImport_AddModule");
        var getAttr = (delegate* unmanaged<nint, byte*, nint>)NativeLibrary.GetExport(lib, "PyObject_GetAttrString");
        _callNoArgs = (delegate* unmanaged<nint, nint>)NativeLibrary.GetExport(lib, "PyObject_CallNoArgs");
        _bytesAsStringAndSize = (delegate* unmanaged<nint, byte**, nint*, int>)NativeLibrary.GetExport(lib, "PyBytes_AsStringAndSize");
        _decRef = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(lib, "Py_DecRef");
        _saveThread = (delegate* unmanaged<nint>)NativeLibrary.GetExport(lib, "PyEval_SaveThread");
        _restoreThread = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(lib, "PyEval_RestoreThread");
        _gilStateEnsure = (delegate* unmanaged<int>)NativeLibrary.GetExport(lib, "PyGILState_Ensure");
        _errPrint = (delegate* unmanaged<void>)NativeLibrary.GetExport(lib, "PyErr_Print");

        // 0: no Python signal handlers; .NET owns the signals, as in sharpicorn.
        initialize(0);
        fixed (byte* script = System.Text.Encoding.UTF8.GetBytes(Script + "\0"))
        fixed (byte* main = "__main__\0"u8)
        fixed (byte* appName = "app\0"u8)
        {
            if (runSimple(script) != 0)
            {
                throw new InvalidOperationException("the Python script failed");
            }
            _app = getAttr(addModule(main), appName);
        }
        if (_app == 0)
        {
            _errPrint();
            throw new InvalidOperationException("__main__.app is missing");
        }
        _saveThread();
    }

    public static PythonHello Start(string libPython, string home) => new(libPython, home);

    /// <summary>Creates this thread's Python thread state (once) and returns it with the GIL released.</summary>
    public nint AttachThread()
    {
        _gilStateEnsure();
        return _saveThread();
    }

    public void Restore(nint state) => _restoreThread(state);

    public nint Save() => _saveThread();

    /// <summary>Calls app() and writes the bytes it returns as the response (GIL held).</summary>
    public void Answer(IFeatureCollection features)
    {
        nint result = _callNoArgs(_app);
        if (result == 0)
        {
            _errPrint();
            throw new InvalidOperationException("app() failed");
        }
        byte* data;
        nint size;
        if (_bytesAsStringAndSize(result, &data, &size) != 0)
        {
            _errPrint();
            throw new InvalidOperationException("app() did not return bytes");
        }
        Hello.Write(features, new ReadOnlySpan<byte>(data, (int)size));
        _decRef(result);
    }
}
