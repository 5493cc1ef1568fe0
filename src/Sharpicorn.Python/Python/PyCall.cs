using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Python;

/// <summary>Calls with positional arguments (GIL held): vectorcall where the interpreter exports it (3.9+), a tuple otherwise.</summary>
internal static unsafe class PyCall
{
    /// <summary>callable(arg) as a new reference; null with the Python error set if it raised.</summary>
    public static OwnedRef One(nint callable, nint arg) => Call(callable, &arg, 1);

    /// <summary>callable(a, b) as a new reference; null with the Python error set if it raised.</summary>
    public static OwnedRef Two(nint callable, nint a, nint b)
    {
        nint* argv = stackalloc nint[2];
        argv[0] = a;
        argv[1] = b;
        return Call(callable, argv, 2);
    }

    private static OwnedRef Call(nint callable, nint* argv, int count)
    {
        if (CPython.PyObject_Vectorcall != null)
        {
            return new OwnedRef(CPython.PyObject_Vectorcall(callable, argv, (nuint)count, 0));
        }
        using var args = new OwnedRef(CPython.PyTuple_New(count)).OrThrow();
        for (int i = 0; i < count; i++)
        {
            CPython.Py_IncRef(argv[i]);
            CPython.PyTuple_SetItem(args.Handle, i, argv[i]);
        }
        return new OwnedRef(CPython.PyObject_Call(callable, args.Handle, 0));
    }
}
