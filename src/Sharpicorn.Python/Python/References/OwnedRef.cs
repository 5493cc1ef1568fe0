using Sharpicorn.Python.Native;

namespace Sharpicorn.Python.References;

/// <summary>
/// A strong reference this code owns (a "new reference" in the C API's words). Dispose it
/// with the GIL held, or give it away with <see cref="Steal"/> to a function that steals.
/// A struct, not a class: no finalizer or allocation on the request path.
/// </summary>
internal struct OwnedRef : IDisposable
{
    private nint _handle;

    public OwnedRef(nint handle) => _handle = handle;

    public readonly nint Handle => _handle;

    public readonly bool IsNull => _handle == 0;

    public readonly BorrowedRef Borrow() => new(_handle);

    /// <summary>Hands the reference to a callee that steals it; this value becomes null.</summary>
    public nint Steal()
    {
        nint h = _handle;
        _handle = 0;
        return h;
    }

    /// <summary>Throws the pending Python error if the C call that produced this returned NULL.</summary>
    public readonly OwnedRef OrThrow()
    {
        if (_handle == 0)
        {
            PythonException.ThrowPending();
        }
        return this;
    }

    public unsafe void Dispose()
    {
        nint h = _handle;
        if (h != 0)
        {
            _handle = 0;
            CPython.Py_DecRef(h);
        }
    }
}
