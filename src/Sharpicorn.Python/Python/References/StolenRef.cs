namespace Sharpicorn.Python.References;

/// <summary>
/// A reference on its way into a C function that steals it (PyTuple_SetItem, PyList_SetItem,
/// PyErr_Restore). Only <see cref="OwnedRef.Steal"/> makes one, so passing something this code
/// does not own to a stealing function does not compile. A ref struct: it is consumed in the
/// expression that made it.
/// </summary>
internal readonly ref struct StolenRef
{
    internal StolenRef(nint handle) => Handle = handle;

    internal nint Handle { get; }
}
