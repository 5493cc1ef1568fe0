// Design notes
// ------------
// gunicorn's worker-side server hooks. The arbiter reads the config file in a subprocess and
// only keeps plain values, so a worker whose config file defines one of these hooks runs the
// file again in its own interpreter (as gunicorn's module "__config__") to get the real
// function objects. All the glue (stand-ins for gunicorn's arbiter, worker, req and resp, the
// error handling in gunicorn's words) is Python: _sharpicorn_hooks.py. This side only loads it,
// hands it the settings and the worker's identity, and says when each hook runs.
// Without such a hook nothing here is loaded: the default path costs nothing.
using System.Text;
using System.Text.Json;
using Sharpicorn.Cli;
using Sharpicorn.Configuration;
using Sharpicorn.Logging;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Wsgi;

/// <summary>The worker's server hooks (post_fork, post_worker_init, pre_request, post_request, worker_exit, worker_int, worker_abort).</summary>
internal sealed class WorkerHooks : IPyFunctionTarget
{
    /// <summary>The hooks gunicorn calls in a worker process.</summary>
    public static readonly string[] Names = ["post_fork", "post_worker_init", "pre_request", "post_request", "worker_exit", "worker_int", "worker_abort"];

    /// <summary>_log's function id; 0 to 4 are the WSGI module's (<see cref="WsgiApp"/>).</summary>
    private const int LogId = 5;

    private const string ResourceName = "_sharpicorn_hooks.py";

    private readonly ErrorLog _log;
    private readonly PyTarget _target;
    private nint _run;
    private nint _wrap;

    private WorkerHooks(ErrorLog log)
    {
        _log = log;
        _target = new PyTarget(this);
    }

    /// <summary>True when the request hooks are defined: the app must be wrapped with <see cref="Wrap"/>.</summary>
    public bool WrapsRequests { get; private set; }

    /// <summary>Whether the config file defines a worker hook (the arbiter saw it as a callable).</summary>
    public static bool Configured(ServerSettings settings) => Names.Any(settings.SetBy.ContainsKey);

    /// <summary>Runs the config file in this interpreter and picks its hooks (GIL held). Throws <see cref="PythonException"/>.</summary>
    public static WorkerHooks Load(ServerSettings settings, ErrorLog log, WorkerIdentity identity)
    {
        WorkerHooks hooks = Install(log, out nint dict);
        hooks._run = CPython.PyDict_GetItemString(dict, "run"u8).Handle;
        hooks._wrap = CPython.PyDict_GetItemString(dict, "wrap"u8).Handle;
        using OwnedRef spec = PyStr.FromString(Spec(settings, identity));
        using OwnedRef wraps = PyCall.One(CPython.PyDict_GetItemString(dict, "load"u8).Handle, spec.Handle).OrThrow();
        hooks.WrapsRequests = wraps.Handle == CPython.Py_True;
        return hooks;
    }

    /// <summary>
    /// Installs _sharpicorn_hooks.py as a module with its native _log bound (GIL held). The
    /// returned object is the target _log calls: keep it alive as long as the module.
    /// </summary>
    internal static WorkerHooks Install(ErrorLog log, out nint dict)
    {
        PythonRuntime.RunInMain("""
            import sys as _s, types as _t
            _m = _t.ModuleType("_sharpicorn_hooks")
            exec(compile(_sharpicorn_src, "_sharpicorn_hooks.py", "exec"), _m.__dict__)
            _s.modules["_sharpicorn_hooks"] = _m
            del _m, _s, _t, _sharpicorn_src
            """, ("_sharpicorn_src", Source()));
        nint module = CPython.PyImport_ImportModule("_sharpicorn_hooks"u8).OrThrow().IntoRaw();
        dict = CPython.PyModule_GetDict(module).Handle;
        var hooks = new WorkerHooks(log);
        using OwnedRef self = hooks._target.NewSelf(0);
        using OwnedRef function = PyFunction.Define("_log", LogId).Bind(self.Handle);
        if (CPython.PyDict_SetItemString(dict, "_log"u8, function.Handle) != 0)
        {
            PythonException.ThrowPending();
        }
        return hooks;
    }

    /// <summary>Calls a process-level hook (acquires the GIL); false when it raised, which was logged in gunicorn's words.</summary>
    public bool Run(string name)
    {
        using (GilScope.Acquire())
        {
            using OwnedRef n = PyStr.FromString(name);
            using OwnedRef result = PyCall.One(_run, n.Handle);
            if (result.IsNull)
            {
                _log.Exception($"Exception in {name} hook\n{PythonException.FetchPending().Traceback.TrimEnd('\n')}");
                return false;
            }
            return result.Handle == CPython.Py_True;
        }
    }

    /// <summary>The app with pre_request/post_request around each call (GIL held); a new reference.</summary>
    public nint Wrap(nint app) => PyCall.One(_wrap, app).OrThrow().IntoRaw();

    /// <summary>_log(level, text) from the Python side.</summary>
    public OwnedRef Call(int function, long context, PyArgs args)
    {
        ReadOnlySpan<nint> a = args.Positional;
        string? text = a.Length == 2 ? PyStr.ToStringOrNull(a[1]) : null;
        long level = a.Length == 2 ? CPython.PyLong_AsLongLong(a[0]) : 0;
        if (text is null || !CPython.PyErr_Occurred().IsNull)
        {
            CPython.PyErr_Clear();
            PyStr.SetError(CPython.PyExc_TypeError, "_log(level, text)");
            return default;
        }
        try
        {
            LogLevel l = level >= 50 ? LogLevel.Critical : level >= 40 ? LogLevel.Error : level >= 30 ? LogLevel.Warning : level >= 20 ? LogLevel.Info : LogLevel.Debug;
            _log.Write(l, text);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Dropped: the log is what failed, so there is nowhere to report it.
        }
        return new BorrowedRef(CPython.Py_None).NewOwned();
    }

    /// <summary>What load() needs, as JSON: the file, every setting as --print-config shows it, and the worker's identity.</summary>
    internal static string Spec(ServerSettings settings, WorkerIdentity identity)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            string path = settings.Config ?? ConfigFile.DefaultPath;
            path = path.StartsWith("file:", StringComparison.Ordinal) ? path[5..] : path;
            // Relative to where sharpicorn was started, as the arbiter read it: --chdir came after.
            w.WriteString("path", Path.GetFullPath(path, ProcessInfo.StartDirectory));
            w.WriteStartObject("settings");
            foreach (Setting s in SettingsRegistry.All)
            {
                string text;
                try
                {
                    text = s.Print(settings);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    continue;
                }
                w.WriteString(s.Name, text);
            }
            w.WriteEndObject();
            w.WriteNumber("master_pid", identity.MasterPid);
            w.WriteNumber("age", identity.Age);
            w.WriteNumber("workers", identity.Workers);
            w.WriteNumber("tmp_fd", identity.TmpFd);
            w.WriteStartArray("fds");
            foreach (int fd in identity.ListenFds)
            {
                w.WriteNumberValue(fd);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The module's source (the embedded resource), read when a config file defines a worker hook.</summary>
    internal static string Source()
    {
        using Stream stream = typeof(WorkerHooks).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the assembly lacks its {ResourceName} resource");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
