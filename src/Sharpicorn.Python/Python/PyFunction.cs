// Design notes
// ------------
// CPython calls a builtin function through a bare C function pointer: there is no closure to
// find managed state with. So the state travels in the function's `self`, a capsule made by
// PyTarget that holds a GCHandle to an IPyFunctionTarget and a 64-bit context (for WSGI, the
// request's sequence number, so a start_response kept from an old request is refused).
// Which of the target's functions was called comes from the entry point itself: each function
// id has its own [UnmanagedCallersOnly] entry (such methods cannot be generic or capture
// anything), so there is no table of handlers and no mutable static.
//
// Every entry runs with the GIL held, on the thread CPython calls from. None lets a managed
// exception unwind into CPython: a target's exception becomes a RuntimeError.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Python;

/// <summary>A builtin function (a PyMethodDef that lives as long as the process) whose calls go to an <see cref="IPyFunctionTarget"/>.</summary>
internal sealed unsafe class PyFunction
{
    /// <summary>How many distinct function ids the entry points cover.</summary>
    public const int MaxFunctions = 8;

    private const int METH_FASTCALL = 0x80;
    private const int METH_KEYWORDS = 0x2;

    private readonly nint _def;

    private PyFunction(nint def, int id)
    {
        _def = def;
        Id = id;
    }

    public int Id { get; }

    /// <summary>Defines function <paramref name="id"/> (0 to <see cref="MaxFunctions"/> - 1) named <paramref name="name"/>.</summary>
    public static PyFunction Define(string name, int id)
    {
        nint entry = id switch
        {
            0 => (nint)(delegate* unmanaged[Cdecl]<nint, nint*, nint, nint, nint>)&Entry0,
            1 => (nint)(delegate* unmanaged[Cdecl]<nint, nint*, nint, nint, nint>)&Entry1,
            2 => (nint)(delegate* unmanaged[Cdecl]<nint, nint*, nint, nint, nint>)&Entry2,
            3 => (nint)(delegate* unmanaged[Cdecl]<nint, nint*, nint, nint, nint>)&Entry3,
            4 => (nint)(delegate* unmanaged[Cdecl]<nint, nint*, nint, nint, nint>)&Entry4,
            5 => (nint)(delegate* unmanaged[Cdecl]<nint, nint*, nint, nint, nint>)&Entry5,
            6 => (nint)(delegate* unmanaged[Cdecl]<nint, nint*, nint, nint, nint>)&Entry6,
            7 => (nint)(delegate* unmanaged[Cdecl]<nint, nint*, nint, nint, nint>)&Entry7,
            _ => throw new ArgumentOutOfRangeException(nameof(id), id, "function ids go from 0 to 7"),
        };
        // PyMethodDef: name, function, flags (an int, padded), doc.
        byte[] utf8 = Encoding.UTF8.GetBytes(name + "\0");
        byte* namePtr = (byte*)NativeMemory.Alloc((nuint)utf8.Length);
        utf8.CopyTo(new Span<byte>(namePtr, utf8.Length));
        nint* def = (nint*)NativeMemory.AllocZeroed(32);
        def[0] = (nint)namePtr;
        def[1] = entry;
        *(int*)&def[2] = METH_FASTCALL | METH_KEYWORDS;
        def[3] = 0;
        return new PyFunction((nint)def, id);
    }

    /// <summary>A function object bound to <paramref name="self"/> (a PyTarget self); a new reference (GIL held).</summary>
    public OwnedRef Bind(nint self) => CPython.PyCFunction_NewEx(_def, self, 0).OrThrow();

    private static nint Dispatch(int id, nint self, nint* args, nint nargs, nint kwnames)
    {
        try
        {
            if (!PyTarget.TryResolve(self, out IPyFunctionTarget? target, out long context))
            {
                PyStr.SetError(CPython.PyExc_RuntimeError, "a sharpicorn function was called without its target");
                return 0;
            }
            int kwCount = kwnames != 0 ? (int)CPython.PyTuple_Size(kwnames) : 0;
            var positional = new ReadOnlySpan<nint>(args, (int)nargs);
            var keywords = new ReadOnlySpan<nint>(args + nargs, kwCount);
            return target!.Call(id, context, new PyArgs(positional, kwnames, keywords)).IntoRaw();
        }
        catch (Exception e)
        {
            if (CPython.PyErr_Occurred().IsNull)
            {
                PyStr.SetError(CPython.PyExc_RuntimeError, e.Message);
            }
            return 0;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Entry0(nint self, nint* args, nint nargs, nint kwnames) => Dispatch(0, self, args, nargs, kwnames);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Entry1(nint self, nint* args, nint nargs, nint kwnames) => Dispatch(1, self, args, nargs, kwnames);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Entry2(nint self, nint* args, nint nargs, nint kwnames) => Dispatch(2, self, args, nargs, kwnames);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Entry3(nint self, nint* args, nint nargs, nint kwnames) => Dispatch(3, self, args, nargs, kwnames);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Entry4(nint self, nint* args, nint nargs, nint kwnames) => Dispatch(4, self, args, nargs, kwnames);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Entry5(nint self, nint* args, nint nargs, nint kwnames) => Dispatch(5, self, args, nargs, kwnames);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Entry6(nint self, nint* args, nint nargs, nint kwnames) => Dispatch(6, self, args, nargs, kwnames);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Entry7(nint self, nint* args, nint nargs, nint kwnames) => Dispatch(7, self, args, nargs, kwnames);
}
