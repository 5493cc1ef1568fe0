using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Python;

/// <summary>Calls with positional arguments (GIL held): vectorcall where the interpreter exports it (3.9+), a tuple otherwise.</summary>
internal static class PyCall
{
    /// <summary>callable(arg) as a new reference; null with the Python error set if it raised.</summary>
    public static OwnedRef One(nint callable, nint arg) => Call(callable, [arg]);

    /// <summary>callable(a, b) as a new reference; null with the Python error set if it raised.</summary>
    public static OwnedRef Two(nint callable, nint a, nint b) => Call(callable, [a, b]);

    private static OwnedRef Call(nint callable, scoped ReadOnlySpan<nint> argv)
    {
        if (CPython.HasVectorcall)
        {
            return CPython.PyObject_Vectorcall(callable, argv);
        }
        using OwnedRef args = CPython.PyTuple_New(argv.Length).OrThrow();
        for (int i = 0; i < argv.Length; i++)
        {
            CPython.PyTuple_SetItem(args.Handle, i, new BorrowedRef(argv[i]).NewOwned().Steal());
        }
        return CPython.PyObject_Call(callable, args.Handle, 0);
    }
}
