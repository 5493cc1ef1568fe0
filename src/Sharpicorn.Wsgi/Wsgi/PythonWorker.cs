// Design notes
// ------------
// One long-lived OS thread with an 8 MiB stack (Python code that recurses through C expects
// about that much; .NET's default of 1.5 MiB is not enough, EMBEDDING-NOTES) and one Python
// thread state for its whole life. Its loop:
//
//     take a request (GIL released, parked on its own event if there is none)
//     reacquire the GIL -> build environ, call the app, drive the response -> release the GIL
//     write the access log line and complete the request (GIL released)
//
// Inside a request the GIL is released around every wait: a body read that has no bytes
// yet, and a flush that the client has not drained.
using System.Globalization;
using Sharpicorn.Logging;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Wsgi;

internal sealed unsafe partial class PythonWorker
{
    /// <summary>Python's own expectation for a thread stack (EMBEDDING-NOTES: 8 MiB).</summary>
    private const int StackSize = 8 * 1024 * 1024;

    private readonly PythonWorkerPool _pool;
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private readonly PythonThread _python = new();
    private WsgiRequest? _handed;
    private Thread? _thread;
    private long _sequence;
    private EnvironBuilder? _environ;

    public PythonWorker(PythonWorkerPool pool, int slot)
    {
        _pool = pool;
        Slot = slot;
    }

    public int Slot { get; }

    private volatile WsgiRequest? _current;

    /// <summary>The request this thread is running, or null while idle. Read by the worker monitor thread too.</summary>
    public WsgiRequest? Current
    {
        get => _current;
        private set => _current = value;
    }

    public ManualResetEventSlim Ready { get; } = new(false);

    /// <summary>The id Python knows this thread by (threading.get_ident()), for stacks and interrupts.</summary>
    public ulong ThreadIdent { get; private set; }

    public string Name => "python-" + Slot.ToString(CultureInfo.InvariantCulture);

    /// <summary>Bits of a request ticket that hold the slot; the rest hold the request's sequence number.</summary>
    internal const int SlotBits = 16;

    /// <summary>The sequence number of the request this thread runs: a ticket from an older request is refused.</summary>
    internal long Sequence => Volatile.Read(ref _sequence);

    public static WorkerSettings Settings { get; set; } = new();

    public void Start()
    {
        _thread = new Thread(Run, StackSize)
        {
            IsBackground = true,
            Name = Name,
        };
        _thread.Start();
    }

    internal void Hand(WsgiRequest request)
    {
        _handed = request;
        _wake.Set();
    }

    private void Run()
    {
        _python.Attach();
        ThreadIdent = CPython.PyThread_get_thread_ident();
        CreateThreadObjects();
        _python.Release();
        Ready.Set();
        while (true)
        {
            WsgiRequest? request = _pool.TakeOrPark(this);
            if (request is null)
            {
                _wake.Wait();
                _wake.Reset();
                request = _handed!;
                _handed = null;
            }
            Current = request;
            _python.Reacquire();
            try
            {
                Execute(request);
            }
            finally
            {
                Current = null;
                _python.Release();
            }
            Complete(request);
        }
    }

    private void CreateThreadObjects()
    {
        WsgiApp app = _pool.App;

        nint template = new OwnedRef(CPython.PyDict_New()).OrThrow().Steal();
        WorkerSettings s = Settings;
        using (var version = new OwnedRef(CPython.PyTuple_New(2)).OrThrow())
        {
            CPython.PyTuple_SetItem(version.Handle, 0, CPython.PyLong_FromLongLong(1));
            CPython.PyTuple_SetItem(version.Handle, 1, CPython.PyLong_FromLongLong(0));
            SetConst(template, "wsgi.version", version.Handle);
        }
        using (var scheme = PyStr.FromString("http"))
        {
            SetConst(template, "wsgi.url_scheme", scheme.Handle);
        }
        SetConst(template, "wsgi.multithread", s.Threads > 1 ? CPython.Py_True : CPython.Py_False);
        SetConst(template, "wsgi.multiprocess", s.Workers > 1 ? CPython.Py_True : CPython.Py_False);
        SetConst(template, "wsgi.run_once", CPython.Py_False);
        SetConst(template, "wsgi.input_terminated", CPython.Py_True);
        using (var errors = new OwnedRef(CPython.PyObject_CallNoArgs(app.ErrorsStreamType)).OrThrow())
        {
            SetConst(template, "wsgi.errors", errors.Handle);
        }
        SetConst(template, "wsgi.file_wrapper", app.FileWrapperType);
        using (var software = PyStr.FromString(s.ServerSoftware))
        {
            SetConst(template, "SERVER_SOFTWARE", software.Handle);
        }
        _environ = new EnvironBuilder(template, s.ScriptName, s.KeepUnderscoreHeaders);
    }

    private static void SetConst(nint dict, string key, nint value)
    {
        using var k = PyStr.FromString(key);
        CPython.PyDict_SetItem(dict, k.Handle, value);
    }

    private void Complete(WsgiRequest request)
    {
        if (Settings.AccessLog is { } log)
        {
            try
            {
                log.Write(request.ToAccessLogEntry());
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                Settings.ErrorLog?.Error("Failed to write to the access log: " + e.Message);
            }
        }
        _pool.CountCompleted();
        if (request.AbortAfterStart)
        {
            // Kestrel's answer to an app that fails mid-response: it stops the output (no final
            // chunk), delivers what was already flushed, and closes the connection.
            request.Completion.TrySetException(new ResponseAbortedException());
        }
        else
        {
            request.Completion.TrySetResult();
        }
    }
}
