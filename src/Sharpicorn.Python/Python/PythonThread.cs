// Design notes
// ------------
// A PythonThread is an OS thread that owns exactly one PyThreadState for its whole life
// (Granian's blocking pool shape). The state is created once by PyGILState_Ensure on the
// thread itself. From then on the GIL is dropped only around blocking waits, always as a
// scope so it cannot be left released by an exception:
//
//     using (thread.Detach())   -> PyEval_SaveThread, the state is parked in _saved
//     {
//         ...block on a queue, a socket read or a flush...
//     }                         -> PyEval_RestoreThread(_saved)
//
// Nothing that can block (locks other threads hold while waiting for the GIL, I/O) may run
// between a reacquire and the next release, or two threads can deadlock on the GIL. Inside a
// Detach scope no Python object may be touched: only managed code and the OS.
namespace Sharpicorn.Python;

internal sealed class PythonThread
{
    private nint _saved;

    /// <summary>True while this thread holds the GIL.</summary>
    public bool HoldsGil { get; private set; }

    /// <summary>Creates this OS thread's thread state and takes the GIL. Call on the thread itself.</summary>
    public void Attach()
    {
        Native.CPython.PyGILState_Ensure();
        HoldsGil = true;
    }

    /// <summary>Releases the GIL until the returned scope is disposed (GIL held on entry, held again on exit).</summary>
    public DetachScope Detach()
    {
        Release();
        return new DetachScope(this);
    }

    /// <summary>Releases the GIL for good: this thread is done with Python (a test thread that ends).</summary>
    public void Leave() => Release();

    private void Release()
    {
        _saved = Native.CPython.PyEval_SaveThread();
        HoldsGil = false;
    }

    private void Reacquire()
    {
        Native.CPython.PyEval_RestoreThread(_saved);
        HoldsGil = true;
    }

    /// <summary>The GIL released for one blocking wait. A ref struct, so it cannot outlive the frame or cross an await.</summary>
    internal readonly ref struct DetachScope
    {
        private readonly PythonThread _thread;

        internal DetachScope(PythonThread thread) => _thread = thread;

        public void Dispose() => _thread.Reacquire();
    }
}
