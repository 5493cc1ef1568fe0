// Design notes
// ------------
// A PythonThread is an OS thread that owns exactly one PyThreadState for its whole life
// (Granian's blocking pool shape). The state is created once by PyGILState_Ensure on the
// thread itself. From then on the GIL is dropped only around blocking waits:
//
//     Release()  -> PyEval_SaveThread, the state is parked in _saved
//     ...block on a queue, a socket read or a flush...
//     Reacquire() -> PyEval_RestoreThread(_saved)
//
// Nothing that can block (locks other threads hold while waiting for the GIL, I/O) may run
// between Reacquire and Release, or two threads can deadlock on the GIL.
using Sharpicorn.Python.Native;

namespace Sharpicorn.Python;

internal sealed class PythonThread
{
    private nint _saved;

    /// <summary>True while this thread holds the GIL.</summary>
    public bool HoldsGil { get; private set; }

    /// <summary>Creates this OS thread's thread state and takes the GIL. Call on the thread itself.</summary>
    public unsafe void Attach()
    {
        CPython.PyGILState_Ensure();
        HoldsGil = true;
    }

    public unsafe void Release()
    {
        _saved = CPython.PyEval_SaveThread();
        HoldsGil = false;
    }

    public unsafe void Reacquire()
    {
        CPython.PyEval_RestoreThread(_saved);
        HoldsGil = true;
    }

    /// <summary>The thread id Python knows this thread by (for PyThreadState_SetAsyncExc).</summary>
    public ulong PythonThreadId { get; set; }
}
