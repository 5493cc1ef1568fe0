namespace Sharpicorn.Python.References;

/// <summary>
/// A reference this code does not own (what the C API's Get* functions return): valid only
/// while its owner keeps it alive, and never decremented here. Use <see cref="NewOwned"/> to
/// keep it beyond that. A plain struct, so objects that live for the process (the app, the
/// support module's types) can hold one in a field.
/// </summary>
internal readonly struct BorrowedRef(nint handle)
{
    public nint Handle { get; } = handle;

    public bool IsNull => Handle == 0;

    public OwnedRef NewOwned()
    {
        Native.CPython.Py_IncRef(Handle);
        return new OwnedRef(Handle);
    }
}
