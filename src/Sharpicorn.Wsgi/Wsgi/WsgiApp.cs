using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Wsgi;

/// <summary>
/// The loaded application and the Python objects every request shares: the support module's
/// classes, the environ keys and the native functions bound into the module. Lives for the
/// whole process; its references are never released because the interpreter is never finalized.
/// </summary>
internal sealed class WsgiApp
{
    /// <summary>Function ids of the native functions (see <see cref="PyFunction"/>).</summary>
    internal const int StartResponseId = 0;
    internal const int WriteId = 1;
    internal const int RecvId = 2;
    internal const int ErrorsWriteId = 3;
    internal const int RuntimeStatsId = 4;

    private readonly WsgiModuleFunctions _moduleFunctions;

    private WsgiApp(nint callable, nint moduleDict, WsgiModuleFunctions moduleFunctions)
    {
        Callable = callable;
        ModuleDict = moduleDict;
        _moduleFunctions = moduleFunctions;
        InputStreamType = Get("InputStream"u8);
        ErrorsStreamType = Get("ErrorsStream"u8);
        FileWrapperType = Get("FileWrapper"u8);
        FileSpan = Get("_file_span"u8);
        StackOf = Get("_stack"u8);
        RequestTimeoutType = Get("RequestTimeout"u8);
        Keys = new WsgiKeys();
        StartResponseFunction = PyFunction.Define("start_response", StartResponseId);
        WriteFunction = PyFunction.Define("write", WriteId);
    }

    public nint StackOf { get; }
    public nint RequestTimeoutType { get; }

    public nint Callable { get; }
    public nint ModuleDict { get; }
    public nint InputStreamType { get; }
    public nint ErrorsStreamType { get; }
    public nint FileWrapperType { get; }
    public nint FileSpan { get; }

    public WsgiKeys Keys { get; }

    public PyFunction StartResponseFunction { get; }

    public PyFunction WriteFunction { get; }

    /// <summary>
    /// Creates the support module and loads "module:callable" with gunicorn's rules (GIL held).
    /// Text the app writes to wsgi.errors goes to <paramref name="errorsWrite"/>.
    /// Throws <see cref="PythonException"/>; TypeName "AppImportError" means the message alone
    /// says it all (gunicorn prints no traceback for those). <paramref name="wrap"/>, when given,
    /// replaces the loaded callable with what it returns (the request hooks, <see cref="WorkerHooks"/>).
    /// </summary>
    /// <param name="paste">--paste: an absolute PasteDeploy config path (optionally "#section") loaded instead of <paramref name="appSpec"/>, with <paramref name="pasteGlobal"/>'s KEY=VALUE items as its global_conf.</param>
    /// <param name="spew">--spew: the calling (main) thread traces every line from before the app is imported.</param>
    public static WsgiApp Load(string? appSpec, Action<string> errorsWrite, Func<nint, nint>? wrap = null, string? paste = null, IReadOnlyList<string>? pasteGlobal = null, bool spew = false)
    {
        PythonRuntime.RunInMain("""
            import sys as _s, types as _t
            _m = _t.ModuleType("_sharpicorn_wsgi")
            exec(_sharpicorn_src, _m.__dict__)
            _s.modules["_sharpicorn_wsgi"] = _m
            del _m, _s, _t, _sharpicorn_src
            """, ("_sharpicorn_src", WsgiSupport.Source));
        // Both the module and the app live as long as the process: the interpreter is never finalized.
        nint module = CPython.PyImport_ImportModule("_sharpicorn_wsgi"u8).OrThrow().IntoRaw();
        nint dict = CPython.PyModule_GetDict(module).Handle;
        var functions = new WsgiModuleFunctions(errorsWrite);
        functions.Bind(dict);

        if (spew)
        {
            SpewOn(dict);
        }
        nint app;
        if (paste is not null)
        {
            BorrowedRef loadPaste = CPython.PyDict_GetItemString(dict, "load_paste"u8);
            using OwnedRef uri = PyStr.FromString(paste);
            // NUL cannot occur in a command-line argument, so it separates the items.
            using OwnedRef globals = PyStr.FromString(string.Join('\0', pasteGlobal ?? []));
            app = PyCall.Two(loadPaste.Handle, uri.Handle, globals.Handle).OrThrow().IntoRaw();
        }
        else
        {
            BorrowedRef loadApp = CPython.PyDict_GetItemString(dict, "load_app"u8);
            using OwnedRef spec = PyStr.FromString(appSpec ?? throw new ArgumentNullException(nameof(appSpec)));
            app = PyCall.One(loadApp.Handle, spec.Handle).OrThrow().IntoRaw();
        }
        if (wrap is not null)
        {
            app = wrap(app);
        }
        return new WsgiApp(app, dict, functions);
    }

    /// <summary>--spew on the calling thread (GIL held): gunicorn's debug.spew(), a line tracer printing to stdout.</summary>
    public void SpewOnThisThread() => SpewOn(ModuleDict);

    private static void SpewOn(nint dict)
    {
        BorrowedRef on = CPython.PyDict_GetItemString(dict, "spew"u8);
        CPython.PyObject_CallNoArgs(on.Handle).OrThrow().Dispose();
    }

    private nint Get(ReadOnlySpan<byte> name)
    {
        BorrowedRef item = CPython.PyDict_GetItemString(ModuleDict, name);
        if (item.IsNull)
        {
            throw new InvalidOperationException($"support module lacks {System.Text.Encoding.UTF8.GetString(name)}");
        }
        return item.Handle;
    }
}
