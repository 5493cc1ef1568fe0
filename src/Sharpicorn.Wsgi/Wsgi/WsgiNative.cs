// Design notes
// ------------
// start_response, write, wsgi.input's _recv and wsgi.errors' writer are C functions
// ([UnmanagedCallersOnly]) called by CPython with the GIL held, on the Python thread that runs
// the request. Each request gets its own start_response and write objects whose `self` is the
// request's ticket (thread slot + request sequence number), so a callback finds its thread
// without a lookup table, and a callable kept from an earlier request is refused. No managed exception may cross back into CPython: every entry point
// catches and turns failures into a Python exception (return NULL with the error set).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sharpicorn.Logging;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Wsgi;

internal static unsafe class WsgiNative
{
    private static PythonWorker[] s_workers = [];

    public static nint StartResponseDef { get; private set; }
    public static nint WriteDef { get; private set; }
    public static ErrorLog? ErrorLog { get; set; }

    public static void Register(IReadOnlyList<PythonWorker> workers) => s_workers = [.. workers];

    /// <summary>Creates the method definitions and binds _recv and _errors_write into the support module.</summary>
    public static void Bind(nint moduleDict)
    {
        StartResponseDef = NativeMethod.Define("start_response", (nint)(delegate* unmanaged[Cdecl]<nint, nint*, nint, nint, nint>)&StartResponse, NativeMethod.METH_FASTCALL | NativeMethod.METH_KEYWORDS);
        WriteDef = NativeMethod.Define("write", (nint)(delegate* unmanaged[Cdecl]<nint, nint, nint>)&Write, NativeMethod.METH_O);
        nint recvDef = NativeMethod.Define("_recv", (nint)(delegate* unmanaged[Cdecl]<nint, nint*, nint, nint>)&Recv, NativeMethod.METH_FASTCALL);
        nint errorsDef = NativeMethod.Define("_errors_write", (nint)(delegate* unmanaged[Cdecl]<nint, nint, nint>)&ErrorsWrite, NativeMethod.METH_O);
        nint statsDef = NativeMethod.Define("runtime_stats", (nint)(delegate* unmanaged[Cdecl]<nint, nint, nint>)&RuntimeStats, NativeMethod.METH_NOARGS);
        using var recv = new OwnedRef(CPython.PyCFunction_NewEx(recvDef, 0, 0)).OrThrow();
        using var errors = new OwnedRef(CPython.PyCFunction_NewEx(errorsDef, 0, 0)).OrThrow();
        using var stats = new OwnedRef(CPython.PyCFunction_NewEx(statsDef, 0, 0)).OrThrow();
        fixed (byte* r = "_recv"u8)
        fixed (byte* e = "_errors_write"u8)
        fixed (byte* st = "runtime_stats"u8)
        {
            CPython.PyDict_SetItemString(moduleDict, r, recv.Handle);
            CPython.PyDict_SetItemString(moduleDict, e, errors.Handle);
            CPython.PyDict_SetItemString(moduleDict, st, stats.Handle);
        }
    }

    /// <summary>The thread a request ticket belongs to, if that request is still the one it runs.</summary>
    private static PythonWorker? Worker(nint ticketObject)
    {
        long ticket = CPython.PyLong_AsLongLong(ticketObject);
        long slot = ticket & ((1L << PythonWorker.SlotBits) - 1);
        if (ticket < 0 || slot >= s_workers.Length)
        {
            return null;
        }
        PythonWorker w = s_workers[slot];
        return w.Sequence == ticket >> PythonWorker.SlotBits ? w : null;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint StartResponse(nint self, nint* args, nint nargs, nint kwnames)
    {
        try
        {
            PythonWorker? worker = Worker(self);
            if (worker?.Current is null)
            {
                PyStr.SetError(CPython.PyExc_RuntimeError, "start_response() called outside of its request");
                return 0;
            }
            nint excInfo = nargs >= 3 ? args[2] : 0;
            nint kwCount = kwnames != 0 ? CPython.PyTuple_Size(kwnames) : 0;
            for (nint i = 0; i < kwCount; i++)
            {
                if (PyStr.ToStringOrNull(CPython.PyTuple_GetItem(kwnames, i)) == "exc_info")
                {
                    excInfo = args[nargs + i];
                }
                else
                {
                    PyStr.SetError(CPython.PyExc_TypeError, "start_response() got an unexpected keyword argument");
                    return 0;
                }
            }
            if (nargs < 2 || nargs > 3)
            {
                PyStr.SetError(CPython.PyExc_TypeError, $"start_response() takes 2 or 3 positional arguments but {nargs} were given");
                return 0;
            }
            return worker.StartResponse(self, args[0], args[1], excInfo == CPython.Py_None ? 0 : excInfo);
        }
        catch (Exception e)
        {
            PyStr.SetError(CPython.PyExc_RuntimeError, "start_response failed: " + e.Message);
            return 0;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Write(nint self, nint data)
    {
        try
        {
            PythonWorker? worker = Worker(self);
            if (worker?.Current is null)
            {
                PyStr.SetError(CPython.PyExc_RuntimeError, "write() called outside of its request");
                return 0;
            }
            return worker.WriteCallable(data);
        }
        catch (Exception e)
        {
            PyStr.SetError(CPython.PyExc_OSError, "write failed: " + e.Message);
            return 0;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Recv(nint self, nint* args, nint nargs)
    {
        try
        {
            if (nargs != 2)
            {
                PyStr.SetError(CPython.PyExc_TypeError, "_recv(slot, size)");
                return 0;
            }
            PythonWorker? worker = Worker(args[0]);
            long size = CPython.PyLong_AsLongLong(args[1]);
            if (worker?.Current is null || size <= 0)
            {
                if (CPython.PyErr_Occurred() != 0)
                {
                    return 0;
                }
                PyStr.SetError(CPython.PyExc_OSError, "wsgi.input used outside of its request");
                return 0;
            }
            return worker.ReadBody(size);
        }
        catch (Exception e)
        {
            PyStr.SetError(CPython.PyExc_OSError, e.Message);
            return 0;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint ErrorsWrite(nint self, nint text)
    {
        string? s = PyStr.ToStringOrNull(text);
        if (s is null)
        {
            PyStr.SetError(CPython.PyExc_TypeError, "wsgi.errors.write() argument must be str");
            return 0;
        }
        ErrorLog?.Raw(s);
        CPython.Py_IncRef(CPython.Py_None);
        return CPython.Py_None;
    }

    /// <summary>
    /// _sharpicorn_wsgi.runtime_stats(): the .NET side of the process's memory, so a test app can
    /// tell a managed-heap plateau from a leak without reading RSS.
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint RuntimeStats(nint self, nint unused)
    {
        try
        {
            using var dict = new OwnedRef(CPython.PyDict_New()).OrThrow();
            SetLong(dict.Handle, "managed_heap_bytes"u8, GC.GetTotalMemory(false));
            SetLong(dict.Handle, "gc_heap_size_bytes"u8, GC.GetGCMemoryInfo().HeapSizeBytes);
            SetLong(dict.Handle, "gc_count_gen0"u8, GC.CollectionCount(0));
            return dict.Steal();
        }
        catch (Exception e)
        {
            if (CPython.PyErr_Occurred() == 0)
            {
                PyStr.SetError(CPython.PyExc_RuntimeError, "runtime_stats failed: " + e.Message);
            }
            return 0;
        }
    }

    private static void SetLong(nint dict, ReadOnlySpan<byte> keyNulTerminated, long value)
    {
        using var v = new OwnedRef(CPython.PyLong_FromLongLong(value)).OrThrow();
        Span<byte> key = stackalloc byte[keyNulTerminated.Length + 1];
        keyNulTerminated.CopyTo(key);
        key[^1] = 0;
        fixed (byte* k = key)
        {
            if (CPython.PyDict_SetItemString(dict, k, v.Handle) != 0)
            {
                PythonException.ThrowPending();
            }
        }
    }
}
