// Design notes
// ------------
// Boot order (one thread, the process's main thread):
//   1. dlopen(libpython, RTLD_GLOBAL) and bind the C API.
//   2. Point PYTHONHOME at the target's base prefix through libc setenv (libpython reads the
//      C environ, not .NET's copy), so the stdlib of the very same install is found no matter
//      what python3 PATH resolves to. This works unchanged on 3.9 to 3.13, where PyConfig's
//      layout would not. PYTHONHOME is removed again right after, so child processes of the
//      app see the environment the user gave us.
//   3. Py_InitializeEx(0): Python installs no signal handlers; .NET owns the signals.
//   4. Make sys look like the target interpreter's: sys.path copied from it, sys.executable,
//      sys.prefix (a venv's), and its site dirs added so their .pth files run.
//   5. PyEval_SaveThread: the main thread gives up the GIL for good; request threads attach
//      their own thread states.
// The interpreter is never finalized: workers exit with the process, as gunicorn's do.
using System.Text;
using System.Text.Json;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Python;

internal static class PythonRuntime
{
    private const string SetupScript = """
        import json as _json, os as _os, site as _site, sys as _sys
        _cfg = _json.loads(_sharpicorn_cfg)
        _before = set(_sys.path)
        _sys.executable = _cfg["executable"]
        _sys.prefix = _cfg["prefix"]
        _sys.exec_prefix = _cfg["exec_prefix"]
        _sys.path[:] = _cfg["path"]
        for _d in _cfg["site_dirs"]:
            if _d not in _before and _os.path.isdir(_d):
                _site.addsitedir(_d)
        for _p in reversed(_cfg["front"]):
            if _p not in _sys.path:
                _sys.path.insert(0, _p)
        _sys.argv = _cfg["argv"]
        """;

    // Process-wide on purpose: CPython can be initialised once per process and is never
    // finalized, so "is it up, and from which interpreter" is a fact about the process.
    private static bool s_initialized;

    public static InterpreterInfo? Info { get; private set; }

    /// <summary>
    /// Loads and starts the interpreter. <paramref name="frontPaths"/> go first on sys.path,
    /// in order (gunicorn's --pythonpath, then --chdir). Returns with the GIL released.
    /// </summary>
    public static void Initialize(InterpreterInfo info, IReadOnlyList<string> frontPaths, IReadOnlyList<string> argv)
    {
        if (s_initialized)
        {
            throw new InvalidOperationException("the Python runtime is already initialised");
        }
        string library = info.FindLibrary();
        try
        {
            CPython.Load(library);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new PythonBootException($"cannot load {library} for {info.Interpreter}: {e.Message}", e);
        }

        bool setHome = Environment.GetEnvironmentVariable("PYTHONHOME") is null;
        if (setHome)
        {
            string home = info.BasePrefix == info.BaseExecPrefix ? info.BasePrefix : info.BasePrefix + ":" + info.BaseExecPrefix;
            LibC.SetEnv("PYTHONHOME", home, 1);
        }
        CPython.Py_InitializeEx(0);
        if (setHome)
        {
            LibC.UnsetEnv("PYTHONHOME");
        }
        if (CPython.Py_IsInitialized() == 0)
        {
            throw new PythonBootException($"CPython {info.Version} from {library} failed to initialise");
        }
        s_initialized = true;
        Info = info;

        string cfg = BuildConfigJson(info, frontPaths, argv);
        RunInMain(SetupScript, ("_sharpicorn_cfg", cfg));
        CPython.PyEval_SaveThread();
    }

    /// <summary>Runs module-level code in __main__ with some str globals bound first (GIL held).</summary>
    public static void RunInMain(string code, params (string Name, string Value)[] globals)
    {
        using OwnedRef main = CPython.PyImport_ImportModule("__main__"u8).OrThrow();
        nint dict = CPython.PyModule_GetDict(main.Handle).Handle;
        foreach ((string name, string value) in globals)
        {
            using OwnedRef v = PyStr.FromString(value);
            CPython.PyDict_SetItemString(dict, Encoding.UTF8.GetBytes(name), v.Handle);
        }
        using OwnedRef result = Run(code, CPython.Py_file_input, dict, dict).OrThrow();
    }

    /// <summary>Runs code with the given globals; a new reference, or null with the error set.</summary>
    public static OwnedRef Run(string code, int start, nint globals, nint locals) => CPython.PyRun_StringFlags(code, start, globals, locals);

    private static string BuildConfigJson(InterpreterInfo info, IReadOnlyList<string> front, IReadOnlyList<string> argv)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("executable", info.Executable);
            w.WriteString("prefix", info.Prefix);
            w.WriteString("exec_prefix", info.ExecPrefix);
            WriteArray(w, "path", info.Path);
            WriteArray(w, "site_dirs", info.SiteDirs);
            WriteArray(w, "front", front);
            WriteArray(w, "argv", argv);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void WriteArray(Utf8JsonWriter w, string name, IReadOnlyList<string> items)
    {
        w.WriteStartArray(name);
        foreach (string s in items)
        {
            w.WriteStringValue(s);
        }
        w.WriteEndArray();
    }
}
