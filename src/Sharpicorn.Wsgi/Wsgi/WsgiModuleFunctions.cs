// Design notes
// ------------
// The support module's native functions: _recv (wsgi.input's source), _errors_write (wsgi.errors)
// and runtime_stats. CPython calls them with the GIL held on the request's Python thread, through
// PyFunction entry points bound to a PyTarget self that points here. _recv is handed the
// request's ticket (the PyTarget self of its PythonWorker, with the request's sequence number as
// context), so the read goes to that thread and only while that request is still running.
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Wsgi;

/// <summary>The target of the support module's native functions.</summary>
internal sealed class WsgiModuleFunctions(Action<string> errorsWrite) : IPyFunctionTarget
{
    private PyTarget? _target;

    /// <summary>Binds _recv, _errors_write and runtime_stats into the module's dict (GIL held).</summary>
    public void Bind(nint moduleDict)
    {
        _target = new PyTarget(this);
        using OwnedRef self = _target.NewSelf(0);
        BindOne(moduleDict, self.Handle, "_recv", WsgiApp.RecvId);
        BindOne(moduleDict, self.Handle, "_errors_write", WsgiApp.ErrorsWriteId);
        BindOne(moduleDict, self.Handle, "runtime_stats", WsgiApp.RuntimeStatsId);
    }

    private static void BindOne(nint dict, nint self, string name, int id)
    {
        using OwnedRef function = PyFunction.Define(name, id).Bind(self);
        if (CPython.PyDict_SetItemString(dict, System.Text.Encoding.UTF8.GetBytes(name), function.Handle) != 0)
        {
            PythonException.ThrowPending();
        }
    }

    public OwnedRef Call(int function, long context, PyArgs args) => function switch
    {
        WsgiApp.RecvId => Recv(args.Positional),
        WsgiApp.ErrorsWriteId => ErrorsWrite(args.Positional),
        _ => RuntimeStats(args.Positional),
    };

    /// <summary>_recv(ticket, n): up to n bytes of the ticket's request body.</summary>
    private static OwnedRef Recv(ReadOnlySpan<nint> args)
    {
        try
        {
            if (args.Length != 2)
            {
                PyStr.SetError(CPython.PyExc_TypeError, "_recv(slot, size)");
                return default;
            }
            bool resolved = PyTarget.TryResolve(args[0], out IPyFunctionTarget? target, out long sequence);
            long size = CPython.PyLong_AsLongLong(args[1]);
            if (!resolved || target is not PythonWorker worker || size <= 0)
            {
                if (!CPython.PyErr_Occurred().IsNull)
                {
                    return default;
                }
                PyStr.SetError(CPython.PyExc_OSError, "wsgi.input used outside of its request");
                return default;
            }
            return worker.ReadBody(sequence, size);
        }
        catch (Exception e)
        {
            PyStr.SetError(CPython.PyExc_OSError, e.Message);
            return default;
        }
    }

    /// <summary>
    /// wsgi.errors: the text goes to the error log as written. A log that cannot be written (a
    /// full disk) costs the line, never the request or the worker: logging must not fail the app.
    /// </summary>
    private OwnedRef ErrorsWrite(ReadOnlySpan<nint> args)
    {
        string? s = args.Length == 1 ? PyStr.ToStringOrNull(args[0]) : null;
        if (s is null)
        {
            PyStr.SetError(CPython.PyExc_TypeError, "wsgi.errors.write() argument must be str");
            return default;
        }
        try
        {
            errorsWrite(s);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Dropped: the log is what failed, so there is nowhere to report it.
        }
        return new BorrowedRef(CPython.Py_None).NewOwned();
    }

    /// <summary>
    /// runtime_stats(): the .NET side of the process's memory, so a test app can tell a
    /// managed-heap plateau from a leak without reading RSS.
    /// </summary>
    private static OwnedRef RuntimeStats(ReadOnlySpan<nint> args)
    {
        if (args.Length != 0)
        {
            PyStr.SetError(CPython.PyExc_TypeError, $"runtime_stats() takes no arguments ({args.Length} given)");
            return default;
        }
        try
        {
            OwnedRef dict = CPython.PyDict_New().OrThrow();
            try
            {
                SetLong(dict.Handle, "managed_heap_bytes"u8, GC.GetTotalMemory(false));
                SetLong(dict.Handle, "gc_heap_size_bytes"u8, GC.GetGCMemoryInfo().HeapSizeBytes);
                SetLong(dict.Handle, "gc_count_gen0"u8, GC.CollectionCount(0));
            }
            catch
            {
                dict.Dispose();
                throw;
            }
            return dict;
        }
        catch (Exception e)
        {
            PyStr.SetError(CPython.PyExc_RuntimeError, "runtime_stats failed: " + e.Message);
            return default;
        }
    }

    private static void SetLong(nint dict, ReadOnlySpan<byte> key, long value)
    {
        using OwnedRef v = CPython.PyLong_FromLongLong(value).OrThrow();
        if (CPython.PyDict_SetItemString(dict, key, v.Handle) != 0)
        {
            PythonException.ThrowPending();
        }
    }
}
