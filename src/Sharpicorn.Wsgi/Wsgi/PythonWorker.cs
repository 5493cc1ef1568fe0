// Design notes
// ------------
// One long-lived OS thread with an 8 MiB stack (Python code that recurses through C expects
// about that much; .NET's default of 1.5 MiB is not enough, EMBEDDING-NOTES) and one Python
// thread state for its whole life. Its loop:
//
//     GIL held    -> build environ, call the app, drive the response
//     using (_python.Detach())
//         write the access log line and complete the request
//         take the next request (parked on its own event if there is none)
//
// Inside a request the GIL is released only inside `using (_python.Detach())` scopes, around
// every wait: a body read that has no bytes yet (RequestBodyReader), a response start or a
// flush the client has not drained (ResponseWriter), a file read (FileWrapperSender).
//
// Each request gets a ticket: a PyTarget self whose context is the request's sequence number.
// start_response, write and wsgi.input carry it, so a callable or stream an app kept from an
// earlier request is refused instead of touching this one.
using System.Globalization;
using Sharpicorn.Platform;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Wsgi;

/// <summary>One Python request thread: its loop, the PEP 3333 call, and the start_response/write callbacks.</summary>
internal sealed class PythonWorker : IPyFunctionTarget
{
    /// <summary>Python's own expectation for a thread stack (EMBEDDING-NOTES: 8 MiB).</summary>
    private const int StackSize = 8 * 1024 * 1024;

    private readonly PythonWorkerPool _pool;
    private readonly WsgiApp _app;
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private readonly PythonThread _python = new();
    private readonly PyTarget _target;
    private readonly RequestBodyReader _bodyReader;
    private readonly ResponseWriter _writer;
    private readonly FileWrapperSender _fileSender;
    private WsgiRequest? _handed;
    private Thread? _thread;
    private long _sequence;
    private nint _ticket;
    private EnvironBuilder? _environ;
    private volatile WsgiRequest? _current;

    /// <summary>The last request's environ, kept past Execute only when the access log has "{NAME}e" atoms.</summary>
    private nint _keptEnviron;

    public PythonWorker(PythonWorkerPool pool, int slot)
    {
        _pool = pool;
        _app = pool.App;
        Slot = slot;
        _target = new PyTarget(this);
        _bodyReader = new RequestBodyReader(_python, pool);
        _writer = new ResponseWriter(_python, pool);
        _fileSender = new FileWrapperSender(_python, _app, _writer);
    }

    public int Slot { get; }

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

    /// <summary>The sequence number of the request this thread runs: a ticket from an older request is refused.</summary>
    internal long Sequence => Volatile.Read(ref _sequence);

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

    /// <summary>wsgi.input's _recv for this thread's current request, if <paramref name="sequence"/> is still the one it runs (GIL held).</summary>
    internal OwnedRef ReadBody(long sequence, long size)
    {
        if (sequence != Sequence || Current is not { } req)
        {
            PyStr.SetError(CPython.PyExc_OSError, "wsgi.input used outside of its request");
            return default;
        }
        return _bodyReader.Read(req, size);
    }

    private void Run()
    {
        _python.Attach();
        ThreadIdent = CPython.PyThread_get_thread_ident();
        CreateThreadObjects();
        if (_pool.Settings.Spew)
        {
            // sys.settrace is per thread: each request thread traces as gunicorn's worker thread does.
            _app.SpewOnThisThread();
        }
        WsgiRequest? finished = null;
        // Every 4th request's thread CPU and wall time feed RunnableLimit; only when it can move.
        // The wall time leaves out the time the thread was runnable but had no core (schedstat):
        // on a busy or pinned machine that wait is not the app waiting, and counting it made the
        // limit climb until every thread queued on the GIL.
        bool sampling = _pool.Settings.Threads > RunnableLimit.Floor;
        using var sched = sampling ? new ThreadSchedStat() : null;
        long sampleCount = 0;
        long cpuStart = -1;
        long runWaitStart = 0;
        long wallStart = 0;
        while (true)
        {
            WsgiRequest request;
            // One GIL release per request, spanning the end of the last one and the wait for
            // the next: as many GIL handoffs as a bare loop would make.
            using (_python.Detach())
            {
                if (finished is null)
                {
                    Ready.Set();
                }
                else
                {
                    Complete(finished);
                }
                long cpu = -1;
                long wall = 0;
                if (cpuStart >= 0 && ReadCpu(sched, out long cpuNow, out long runWaitNow))
                {
                    cpu = cpuNow - cpuStart;
                    wall = (System.Diagnostics.Stopwatch.GetElapsedTime(wallStart).Ticks * 100) - (runWaitNow - runWaitStart);
                }
                request = Take(finished is not null, cpu, wall);
                if (_pool.Aborting)
                {
                    // The worker is being aborted: answer while still without the GIL, which a stuck thread may hold.
                    DeadlineAnswer.TryAnswer(request, _pool.Settings.AccessLog);
                }
            }
            cpuStart = -1;
            if (sampling && (++sampleCount & 3) == 0 && ReadCpu(sched, out cpuStart, out runWaitStart))
            {
                wallStart = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            Current = request;
            try
            {
                Execute(request);
            }
            finally
            {
                Current = null;
            }
            if (_keptEnviron != 0)
            {
                CaptureEnviron(request);
            }
            finished = request;
        }
    }

    /// <summary>This thread's CPU ns (its CPU clock: schedstat's own figure only moves at context switches) and run-queue wait ns (schedstat, 0 without it).</summary>
    private static bool ReadCpu(ThreadSchedStat? sched, out long cpuNs, out long runWaitNs)
    {
        if (sched is null || !sched.TryRead(out _, out runWaitNs))
        {
            runWaitNs = 0;
        }
        cpuNs = ThreadCpuClock.NowNs();
        return cpuNs >= 0;
    }

    /// <summary>Queued work, or the request handed over after parking (GIL released).</summary>
    private WsgiRequest Take(bool finished, long cpu, long wall)
    {
        WsgiRequest? request = _pool.TakeOrPark(this, finished, cpu, wall, out PythonWorker? extra, out WsgiRequest? extraRequest);
        extra?.Hand(extraRequest!);
        if (request is null)
        {
            _wake.Wait();
            _wake.Reset();
            request = _handed!;
            _handed = null;
        }
        return request;
    }

    private void CreateThreadObjects()
    {
        OwnedRef template = CPython.PyDict_New().OrThrow();
        WorkerSettings s = _pool.Settings;
        nint t = template.Handle;
        using (OwnedRef version = CPython.PyTuple_New(2).OrThrow())
        {
            CPython.PyTuple_SetItem(version.Handle, 0, CPython.PyLong_FromLongLong(1).OrThrow().Steal());
            CPython.PyTuple_SetItem(version.Handle, 1, CPython.PyLong_FromLongLong(0).OrThrow().Steal());
            SetConst(t, "wsgi.version", version.Handle);
        }
        using (OwnedRef scheme = PyStr.FromString("http"))
        {
            SetConst(t, "wsgi.url_scheme", scheme.Handle);
        }
        SetConst(t, "wsgi.multithread", s.Threads > 1 ? CPython.Py_True : CPython.Py_False);
        SetConst(t, "wsgi.multiprocess", s.Workers > 1 ? CPython.Py_True : CPython.Py_False);
        SetConst(t, "wsgi.run_once", CPython.Py_False);
        SetConst(t, "wsgi.input_terminated", CPython.Py_True);
        using (OwnedRef errors = CPython.PyObject_CallNoArgs(_app.ErrorsStreamType).OrThrow())
        {
            SetConst(t, "wsgi.errors", errors.Handle);
        }
        SetConst(t, "wsgi.file_wrapper", _app.FileWrapperType);
        using (OwnedRef software = PyStr.FromString(s.ServerSoftware))
        {
            SetConst(t, "SERVER_SOFTWARE", software.Handle);
        }
        _environ = new EnvironBuilder(template.Move(), _app.Keys, s.ScriptName, s.KeepUnderscoreHeaders, s.ClientCertificates, s.ForwarderHeaders);
    }

    private static void SetConst(nint dict, string key, nint value)
    {
        using OwnedRef k = PyStr.FromString(key);
        CPython.PyDict_SetItem(dict, k.Handle, value);
    }

    /// <summary>Runs one request (GIL held): the PEP 3333 call and the response it produces.</summary>
    private void Execute(WsgiRequest req)
    {
        try
        {
            long sequence = Interlocked.Increment(ref _sequence);
            using OwnedRef ticket = _target.NewSelf(sequence);
            _ticket = ticket.Handle;
            using OwnedRef startResponse = _app.StartResponseFunction.Bind(ticket.Handle);
            using OwnedRef input = PyCall.One(_app.InputStreamType, ticket.Handle).OrThrow();
            if (!req.Claim.Enter())
            {
                // --request-timeout answered it while it waited in the queue: the app never sees it.
                return;
            }
            OwnedRef built;
            try
            {
                built = _environ!.Build(req, input.Handle);
            }
            finally
            {
                if (!req.Claim.Exit())
                {
                    DeadlineAnswer.Send(req, _pool.Settings.AccessLog);
                }
            }
            using OwnedRef environ = built;
            if (req.Claim.IsClaimed)
            {
                return;
            }
            if (_pool.Settings.AccessLog?.EnvironKeys.Count > 0)
            {
                // Read after the app returns, as gunicorn logs the environ the app and its middleware left.
                _keptEnviron = environ.Borrow().NewOwned().IntoRaw();
            }
            OwnedRef result = PyCall.Two(_app.Callable, environ.Handle, startResponse.Handle);
            if (result.IsNull)
            {
                Fail(req, PythonException.FetchPending());
                return;
            }
            using (result)
            {
                Drive(req, result.Handle);
            }
            if (req.Progress != ResponseProgress.HeadersSent && !req.OutputStopped)
            {
                if (req.Progress == ResponseProgress.NotStarted)
                {
                    Fail(req, new PythonException("AssertionError", "the application returned without calling start_response()", "AssertionError: the application returned without calling start_response()\n"));
                    return;
                }
                _writer.SendHeaders(req);
            }
            _writer.FlushPending(req);
            if (req.Claim.IsClaimed)
            {
                _pool.Settings.ErrorLog?.Error($"Request timed out: {req.Method} {req.RawTarget} (the app returned after its 504 was sent; its response was discarded)");
            }
        }
        catch (PythonException e)
        {
            Fail(req, e);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A server-side fault must cost one request, never the process.
            Fail(req, new PythonException(e.GetType().Name, e.Message, e.ToString()));
        }
        finally
        {
            _ticket = 0;
        }
    }

    /// <summary>
    /// str() of the environ values the access log's "{NAME}e" atoms name (GIL held). gunicorn
    /// matches them lower-cased against every key; the key as written, upper- and lower-cased
    /// is tried here, which finds every key but one spelled in mixed case.
    /// </summary>
    private void CaptureEnviron(WsgiRequest req)
    {
        using var environ = new OwnedRef(_keptEnviron);
        _keptEnviron = 0;
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string key in _pool.Settings.AccessLog!.EnvironKeys)
        {
            BorrowedRef value = default;
            foreach (string candidate in (ReadOnlySpan<string>)[key, key.ToUpperInvariant(), key.ToLowerInvariant()])
            {
                value = CPython.PyDict_GetItemString(environ.Handle, System.Text.Encoding.UTF8.GetBytes(candidate));
                if (!value.IsNull)
                {
                    break;
                }
            }
            if (!value.IsNull)
            {
                values[key] = PyStr.ToStringOrEmpty(value.Handle);
            }
        }
        req.Environ = values;
    }

    /// <summary>Iterates the app's result, writing each chunk, and always calls close().</summary>
    private void Drive(WsgiRequest req, nint result)
    {
        PythonException? failure = null;
        try
        {
            nint type = CPython.Py_TYPE(result);
            if (type == CPython.PyList_Type || type == CPython.PyTuple_Type)
            {
                bool list = type == CPython.PyList_Type;
                nint n = list ? CPython.PyList_Size(result) : CPython.PyTuple_Size(result);
                for (nint i = 0; i < n && !req.OutputStopped; i++)
                {
                    BorrowedRef item = list ? CPython.PyList_GetItem(result, i) : CPython.PyTuple_GetItem(result, i);
                    WriteChunk(req, item.Handle, flush: false);
                }
            }
            else if (!(_pool.Settings.Sendfile && _fileSender.TrySend(req, result)))
            {
                using OwnedRef iterator = CPython.PyObject_GetIter(result).OrThrow();
                while (!req.OutputStopped)
                {
                    using OwnedRef item = CPython.PyIter_Next(iterator.Handle);
                    if (item.IsNull)
                    {
                        if (!CPython.PyErr_Occurred().IsNull)
                        {
                            PythonException.ThrowPending();
                        }
                        break;
                    }
                    WriteChunk(req, item.Handle, flush: true);
                }
            }
        }
        catch (PythonException e)
        {
            failure = e;
        }
        finally
        {
            // PEP 3333: close() is called whatever happened, client gone included.
            using OwnedRef close = PyStr.GetAttr(result, "close");
            if (close.IsNull)
            {
                CPython.PyErr_Clear();
            }
            else
            {
                using OwnedRef closed = CPython.PyObject_CallNoArgs(close.Handle);
                if (closed.IsNull)
                {
                    failure ??= PythonException.FetchPending();
                }
            }
        }
        if (failure is not null)
        {
            throw failure;
        }
    }

    private void WriteChunk(WsgiRequest req, nint item, bool flush)
    {
        if (!CPython.HasTypeFlag(item, CPython.Py_TPFLAGS_BYTES_SUBCLASS))
        {
            string repr = PyStr.ToStringOrEmpty(item);
            throw new PythonException("AssertionError", $"{repr} is not a byte", $"AssertionError: {repr} is not a byte\n");
        }
        CPython.PyBytes_AsStringAndSize(item, out ReadOnlySpan<byte> data);
        if (data.IsEmpty)
        {
            return;
        }
        if (req.Progress == ResponseProgress.NotStarted)
        {
            throw new PythonException("AssertionError", "response body before start_response()", "AssertionError: the application sent a body before calling start_response()\n");
        }
        _writer.WriteBody(req, data, flush);
    }

    /// <summary>
    /// An app error: gunicorn's "Error handling request" with the traceback, then a 500 if
    /// nothing was sent yet, or an aborted connection if the headers already went out.
    /// </summary>
    private void Fail(WsgiRequest req, PythonException e)
    {
        Logging.ErrorLog? log = _pool.Settings.ErrorLog;
        bool headersSent = req.Progress == ResponseProgress.HeadersSent;
        if (!headersSent && !req.Claim.TryCommit())
        {
            // --request-timeout answered 504 while the app ran (its stack was logged then); this is how the app ended.
            log?.Error($"Request timed out: {req.Method} {req.RawTarget}\n{e.Traceback.TrimEnd('\n')}");
            req.Failure = WsgiFailure.TimedOut;
            return;
        }
        if (req.TimedOut && !headersSent)
        {
            // The interrupt reached the app before the deadline's own 504 went out: send it from here.
            log?.Error($"Request timed out: {req.Method} {req.RawTarget}\n{e.Traceback.TrimEnd('\n')}");
            WriteErrorPage(req, 504, "Gateway Timeout", "", WsgiFailure.TimedOut);
            return;
        }
        if (req.BodyError is Microsoft.AspNetCore.Http.BadHttpRequestException bad && !headersSent)
        {
            // The body was malformed (bad chunking, too large): the client's fault, as gunicorn
            // answers it, even though the app saw it first as an exception from wsgi.input.
            log?.Debug($"Invalid request from ip={req.Connection.RemoteIpAddress}: {bad.Message}");
            WriteErrorPage(req, bad.StatusCode, Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(bad.StatusCode), bad.Message, WsgiFailure.BadRequestBody);
            return;
        }
        log?.Exception($"Error handling request {req.RawTarget}\n{e.Traceback.TrimEnd('\n')}");
        if (headersSent)
        {
            // Too late for a 500: end the connection without completing the body, so the client
            // can tell (no final chunk, or fewer bytes than Content-Length).
            req.Failure = WsgiFailure.AbortedAfterHeaders;
            return;
        }
        WriteErrorPage(req, 500, "Internal Server Error", "", WsgiFailure.AppFailed);
    }

    /// <summary>
    /// An error page in place of the app's response. Kestrel refuses it when it already gave up on
    /// the response (the client aborted the connection): then there is no one to answer, and a
    /// throw here would end this thread and the worker with it.
    /// </summary>
    private static void WriteErrorPage(WsgiRequest req, int status, string reason, string message, WsgiFailure failure)
    {
        try
        {
            ErrorPage.Write(req, status, reason, message);
            req.Failure = failure;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            req.Failure = WsgiFailure.ClientDisconnected;
        }
    }

    private void Complete(WsgiRequest request)
    {
        WorkerSettings settings = _pool.Settings;
        if (request.Claim.IsClaimed)
        {
            // The deadline's 504 already went out, was logged and completed the request; Kestrel
            // has the features back. Only the thread's own bookkeeping is left.
            _pool.CountCompleted();
            return;
        }
        if (request.Failure == WsgiFailure.ClientDisconnected)
        {
            // The client went away before the response was delivered: gunicorn logs this at debug
            // level only ("Ignoring EPIPE"), and there is no response to put in the access log.
            if (settings.ErrorLog is { } errors && errors.IsEnabled(Logging.LogLevel.Debug))
            {
                errors.Debug("Ignoring EPIPE");
            }
        }
        else if (settings.AccessLog is { } log)
        {
            try
            {
                log.Write(request.ToAccessLogEntry());
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                settings.ErrorLog?.Error("Failed to write to the access log: " + e.Message);
            }
        }
        if (settings.Statsd is { } statsd && request.Failure != WsgiFailure.ClientDisconnected)
        {
            statsd.Request(request.LoggedStatus, System.Diagnostics.Stopwatch.GetElapsedTime(request.StartTimestamp));
        }
        if (request.Failure != WsgiFailure.ClientDisconnected)
        {
            // The control socket's and --metrics-bind's counts: the requests the access log lists.
            Protocol.RequestCounters.Process.Record(request.Method, request.LoggedStatus, System.Diagnostics.Stopwatch.GetElapsedTime(request.StartTimestamp), 0, request.BytesSent);
        }
        _pool.CountCompleted();
        if (request.Failure == WsgiFailure.AbortedAfterHeaders)
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

    /// <summary>start_response (function 0) and write (function 1) of this thread's requests (GIL held).</summary>
    public OwnedRef Call(int function, long context, PyArgs args)
    {
        if (function == WsgiApp.StartResponseId)
        {
            try
            {
                return StartResponseCall(context, args);
            }
            catch (Exception e)
            {
                PyStr.SetError(CPython.PyExc_RuntimeError, "start_response failed: " + e.Message);
                return default;
            }
        }
        try
        {
            return WriteCall(context, args);
        }
        catch (Exception e)
        {
            PyStr.SetError(CPython.PyExc_OSError, "write failed: " + e.Message);
            return default;
        }
    }

    private OwnedRef StartResponseCall(long context, PyArgs args)
    {
        if (context != Sequence || Current is not { } req)
        {
            PyStr.SetError(CPython.PyExc_RuntimeError, "start_response() called outside of its request");
            return default;
        }
        ReadOnlySpan<nint> positional = args.Positional;
        nint excInfo = positional.Length >= 3 ? positional[2] : 0;
        for (int i = 0; i < args.KeywordValues.Length; i++)
        {
            if (PyStr.ToStringOrNull(CPython.PyTuple_GetItem(args.KeywordNames, i).Handle) == "exc_info")
            {
                excInfo = args.KeywordValues[i];
            }
            else
            {
                PyStr.SetError(CPython.PyExc_TypeError, "start_response() got an unexpected keyword argument");
                return default;
            }
        }
        if (positional.Length is < 2 or > 3)
        {
            PyStr.SetError(CPython.PyExc_TypeError, $"start_response() takes 2 or 3 positional arguments but {positional.Length} were given");
            return default;
        }
        if (!StartResponse.Apply(req, positional[0], positional[1], excInfo == CPython.Py_None ? 0 : excInfo))
        {
            return default;
        }
        // write() carries the same ticket as this start_response.
        return _app.WriteFunction.Bind(_ticket);
    }

    /// <summary>The write() callable start_response returns: sends and flushes at once.</summary>
    private OwnedRef WriteCall(long context, PyArgs args)
    {
        if (context != Sequence || Current is not { } req)
        {
            PyStr.SetError(CPython.PyExc_RuntimeError, "write() called outside of its request");
            return default;
        }
        if (args.Positional.Length != 1 || !args.KeywordValues.IsEmpty)
        {
            PyStr.SetError(CPython.PyExc_TypeError, $"write() takes exactly one argument ({args.Positional.Length + args.KeywordValues.Length} given)");
            return default;
        }
        nint data = args.Positional[0];
        if (req.Progress == ResponseProgress.NotStarted)
        {
            PyStr.SetError(CPython.PyExc_AssertionError, "write() called before start_response()");
            return default;
        }
        if (!CPython.HasTypeFlag(data, CPython.Py_TPFLAGS_BYTES_SUBCLASS))
        {
            PyStr.SetError(CPython.PyExc_TypeError, "write() argument must be bytes");
            return default;
        }
        if (req.OutputStopped)
        {
            PyStr.SetError(CPython.PyExc_OSError, "client disconnected");
            return default;
        }
        CPython.PyBytes_AsStringAndSize(data, out ReadOnlySpan<byte> bytes);
        if (!bytes.IsEmpty)
        {
            _writer.WriteBody(req, bytes, flush: true);
        }
        return new BorrowedRef(CPython.Py_None).NewOwned();
    }
}
