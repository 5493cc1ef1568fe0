using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Asgi;

/// <summary>Tuples built from owned items, which they steal (GIL held). Each overload consumes every item it is given, also on failure.</summary>
internal static class PyTuples
{
    public static OwnedRef Of(OwnedRef a, OwnedRef b)
    {
        OwnedRef t = New(2);
        Set(t.Handle, 0, ref a);
        Set(t.Handle, 1, ref b);
        return t;
    }

    public static OwnedRef Of(OwnedRef a, OwnedRef b, OwnedRef c)
    {
        OwnedRef t = New(3);
        Set(t.Handle, 0, ref a);
        Set(t.Handle, 1, ref b);
        Set(t.Handle, 2, ref c);
        return t;
    }

    public static OwnedRef Of(OwnedRef a, OwnedRef b, OwnedRef c, OwnedRef d)
    {
        OwnedRef t = New(4);
        Set(t.Handle, 0, ref a);
        Set(t.Handle, 1, ref b);
        Set(t.Handle, 2, ref c);
        Set(t.Handle, 3, ref d);
        return t;
    }

    /// <summary>The NEW event's twelve fields.</summary>
    public static OwnedRef Of(OwnedRef a, OwnedRef b, OwnedRef c, OwnedRef d, OwnedRef e, OwnedRef f, OwnedRef g, OwnedRef h, OwnedRef i, OwnedRef j, OwnedRef k, OwnedRef l)
    {
        OwnedRef t = New(12);
        Set(t.Handle, 0, ref a);
        Set(t.Handle, 1, ref b);
        Set(t.Handle, 2, ref c);
        Set(t.Handle, 3, ref d);
        Set(t.Handle, 4, ref e);
        Set(t.Handle, 5, ref f);
        Set(t.Handle, 6, ref g);
        Set(t.Handle, 7, ref h);
        Set(t.Handle, 8, ref i);
        Set(t.Handle, 9, ref j);
        Set(t.Handle, 10, ref k);
        Set(t.Handle, 11, ref l);
        return t;
    }

    private static OwnedRef New(int n) => CPython.PyTuple_New(n).OrThrow();

    private static void Set(nint tuple, int index, ref OwnedRef item)
    {
        if (item.IsNull)
        {
            throw new InvalidOperationException("a tuple item could not be made");
        }
        if (CPython.PyTuple_SetItem(tuple, index, item.Steal()) != 0)
        {
            PythonException.ThrowPending();
        }
    }
}
