using Sharpicorn.Python.References;

namespace Sharpicorn.Python;

/// <summary>The managed side of native functions made with <see cref="PyFunction"/> (see its design notes).</summary>
internal interface IPyFunctionTarget
{
    /// <summary>
    /// Runs function <paramref name="function"/> (GIL held) for a self made with context
    /// <paramref name="context"/>. Returns a new reference, or null with a Python error set.
    /// An exception that escapes becomes a RuntimeError; it never unwinds into CPython.
    /// </summary>
    OwnedRef Call(int function, long context, PyArgs args);
}
