namespace Sharpicorn.Python.References;

/// <summary>
/// A reference this code does not own: valid only while its owner keeps it alive, and
/// never decremented here. Use <see cref="NewOwned"/> to keep it beyond that.
/// </summary>
internal readonly struct BorrowedRef(nint handle)
{
    public nint Handle { get; } = handle;

    public bool IsNull => Handle == 0;

    public unsafe OwnedRef NewOwned()
    {
        Native.CPython.Py_IncRef(Handle);
        return new OwnedRef(Handle);
    }
}
