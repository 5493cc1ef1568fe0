// Design notes
// ------------
// C# has no move-only types, so "impossible to copy by mistake" is approached from three sides:
//   * OwnedRef is a ref struct. It cannot be boxed, stored in a field of a class, captured by a
//     lambda or an async method, or put in a collection: a reference stays in the stack frame
//     that owns it, where `using` disposes it. (A plain assignment `var b = a;` still copies;
//     the language offers no way to forbid that, so the API never needs one.)
//   * Giving ownership away is always an explicit, consuming call that nulls the source:
//     Move() to another OwnedRef, Steal() to a C function that steals (StolenRef), IntoRaw()
//     to a long-lived raw handle (a cache, a process-lifetime object). After any of them the
//     source's Dispose is a no-op, so `using` on it stays correct.
//   * OrThrow() moves too, so `using var x = CPython.PyDict_New().OrThrow();` leaves no second
//     owner behind in the temporary.
// A struct rather than a class so the request path allocates nothing to hold references.
using Sharpicorn.Python.Native;

namespace Sharpicorn.Python.References;

/// <summary>
/// A strong reference this code owns (a "new reference" in the C API's words). Dispose it with
/// the GIL held, or give it away with <see cref="Move"/>, <see cref="Steal"/> or <see cref="IntoRaw"/>.
/// </summary>
internal ref struct OwnedRef : IDisposable
{
    private nint _handle;

    /// <summary>Takes ownership of a new reference (or of NULL, which a C call returns on error).</summary>
    public OwnedRef(nint newReference) => _handle = newReference;

    public readonly nint Handle => _handle;

    public readonly bool IsNull => _handle == 0;

    public readonly BorrowedRef Borrow() => new(_handle);

    /// <summary>Moves ownership into the returned value; this one becomes null.</summary>
    public OwnedRef Move()
    {
        nint h = _handle;
        _handle = 0;
        return new OwnedRef(h);
    }

    /// <summary>Hands the reference to a C function that steals it; this value becomes null.</summary>
    public StolenRef Steal()
    {
        nint h = _handle;
        _handle = 0;
        return new StolenRef(h);
    }

    /// <summary>
    /// Gives up ownership as a raw handle that something longer-lived now owns (a cache that
    /// decrements it later, an object kept for the process, a return value to CPython).
    /// </summary>
    public nint IntoRaw()
    {
        nint h = _handle;
        _handle = 0;
        return h;
    }

    /// <summary>Throws the pending Python error if the C call that produced this returned NULL; otherwise moves it out.</summary>
    public OwnedRef OrThrow()
    {
        if (_handle == 0)
        {
            PythonException.ThrowPending();
        }
        return Move();
    }

    public void Dispose()
    {
        nint h = _handle;
        if (h != 0)
        {
            _handle = 0;
            CPython.Py_DecRef(h);
        }
    }
}
