using Sharpicorn.Python.Native;

namespace Sharpicorn.Python;

/// <summary>
/// Holds the GIL for a lexical scope on a thread that has no long-lived thread state
/// (startup, tests). Request threads use <see cref="PythonThread"/> instead.
/// A ref struct so the GIL cannot be carried across an await.
/// </summary>
internal readonly ref struct GilScope : IDisposable
{
    private readonly int _state;

    private GilScope(int state) => _state = state;

    public static GilScope Acquire() => new(CPython.PyGILState_Ensure());

    public void Dispose() => CPython.PyGILState_Release(_state);
}
