// Design notes
// ------------
// gunicorn's master-side server hooks. The master embeds Python only when the config file
// defines one of these (or --preload asks for the app), so a plain master stays Python-free.
// The glue is the worker's: _sharpicorn_hooks.py runs the config file as gunicorn's module
// "__config__" and keeps stand-ins for gunicorn's arbiter ("server", with WORKERS and
// LISTENERS) and for the workers it spawns. This side only says what happened, as one JSON
// event per call ([name, args...]), and takes the GIL for that call alone: between events the
// arbiter loop holds nothing, so Python threads a hook started (a metrics server started in
// when_ready) keep running.
using System.Text;
using System.Text.Json;
using Sharpicorn.Cli;
using Sharpicorn.Logging;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Wsgi;

/// <summary>The master's server hooks (on_starting, on_reload, when_ready, pre_fork, pre_exec, child_exit, nworkers_changed, on_exit).</summary>
internal sealed class MasterHooks
{
    /// <summary>The hooks gunicorn calls in the master process.</summary>
    public static readonly string[] Names = ["on_starting", "on_reload", "when_ready", "pre_fork", "pre_exec", "child_exit", "nworkers_changed", "on_exit"];

    /// <summary>The module's _log target: held so the native function stays valid as long as the module.</summary>
    private readonly WorkerHooks _logTarget;
    private readonly nint _master;

    private MasterHooks(WorkerHooks logTarget, nint master)
    {
        _logTarget = logTarget;
        _master = master;
    }

    /// <summary>Whether the config file defines a master hook (the arbiter saw it as a callable).</summary>
    public static bool Configured(ServerSettings settings) => Names.Any(settings.SetBy.ContainsKey);

    /// <summary>Runs the config file in the master's interpreter and picks its hooks (acquires the GIL). Throws <see cref="PythonException"/>.</summary>
    public static MasterHooks Load(ServerSettings settings, ErrorLog log)
    {
        using (GilScope.Acquire())
        {
            WorkerHooks target = WorkerHooks.Install(log, out nint dict);
            using OwnedRef spec = PyStr.FromString(Spec(settings));
            using OwnedRef done = PyCall.One(CPython.PyDict_GetItemString(dict, "load_master"u8).Handle, spec.Handle).OrThrow();
            return new MasterHooks(target, CPython.PyDict_GetItemString(dict, "master"u8).Handle);
        }
    }

    /// <summary>The settings as the Python side reads them (the worker's spec, with the master's pid and no worker identity).</summary>
    public static string Spec(ServerSettings settings) =>
        WorkerHooks.Spec(settings, new WorkerIdentity(Environment.ProcessId, 0, settings.Workers, -1, []));

    /// <summary>
    /// Tells the Python side about one event, running the hook it triggers (acquires the GIL for
    /// the call only). Null when it ran (or none is defined), else the hook's traceback.
    /// </summary>
    public string? Event(string name, params ReadOnlySpan<JsonArg> args)
    {
        GC.KeepAlive(_logTarget);
        string call = Encode(name, args);
        using (GilScope.Acquire())
        {
            using OwnedRef text = PyStr.FromString(call);
            using OwnedRef result = PyCall.One(_master, text.Handle);
            if (result.IsNull)
            {
                // The glue itself failed (it catches the hooks' exceptions): report it like one.
                return PythonException.FetchPending().Traceback;
            }
            return result.Handle == CPython.Py_None ? null : PyStr.ToStringOrEmpty(result.Handle);
        }
    }

    private static string Encode(string name, ReadOnlySpan<JsonArg> args)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            w.WriteStringValue(name);
            foreach (JsonArg a in args)
            {
                a.Write(w);
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
