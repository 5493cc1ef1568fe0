using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Wsgi;

/// <summary>
/// The loaded application and the Python objects every request shares: the support module's
/// classes and the native callbacks bound into it. Lives for the whole process; its references
/// are never released because the interpreter is never finalized.
/// </summary>
internal sealed unsafe class WsgiApp
{
    private WsgiApp(nint callable, nint module)
    {
        Callable = callable;
        ModuleDict = CPython.PyModule_GetDict(module);
        InputStreamType = Get("InputStream");
        ErrorsStreamType = Get("ErrorsStream");
        FileWrapperType = Get("FileWrapper");
        FileSpan = Get("_file_span");
        StackOf = Get("_stack");
        RequestTimeoutType = Get("RequestTimeout");
    }

    public nint StackOf { get; }
    public nint RequestTimeoutType { get; }

    public nint Callable { get; }
    public nint ModuleDict { get; }
    public nint InputStreamType { get; }
    public nint ErrorsStreamType { get; }
    public nint FileWrapperType { get; }
    public nint FileSpan { get; }

    /// <summary>
    /// Creates the support module and loads "module:callable" with gunicorn's rules (GIL held).
    /// Throws <see cref="PythonException"/>; TypeName "AppImportError" means the message alone
    /// says it all (gunicorn prints no traceback for those).
    /// </summary>
    public static WsgiApp Load(string appSpec)
    {
        PythonRuntime.RunInMain("""
            import sys as _s, types as _t
            _m = _t.ModuleType("_sharpicorn_wsgi")
            exec(_sharpicorn_src, _m.__dict__)
            _s.modules["_sharpicorn_wsgi"] = _m
            del _m, _s, _t, _sharpicorn_src
            """, ("_sharpicorn_src", WsgiSupport.Source));
        nint module;
        fixed (byte* name = "_sharpicorn_wsgi"u8)
        {
            module = new OwnedRef(CPython.PyImport_ImportModule(name)).OrThrow().Steal();
        }
        nint dict = CPython.PyModule_GetDict(module);
        WsgiNative.Bind(dict);

        nint loadApp;
        fixed (byte* n = "load_app"u8)
        {
            loadApp = CPython.PyDict_GetItemString(dict, n);
        }
        using OwnedRef spec = PyStr.FromString(appSpec);
        OwnedRef app = PyCall.One(loadApp, spec.Handle).OrThrow();
        // Both references live as long as the process: the interpreter is never finalized.
        return new WsgiApp(app.Steal(), module);
    }

    private nint Get(string name)
    {
        fixed (byte* n = System.Text.Encoding.UTF8.GetBytes(name + "\0"))
        {
            nint item = CPython.PyDict_GetItemString(ModuleDict, n);
            if (item == 0)
            {
                throw new InvalidOperationException($"support module lacks {name}");
            }
            return item;
        }
    }
}
