// Design notes
// ------------
// One asyncio loop per worker, on a dedicated Python thread that holds the GIL whenever the
// loop is not waiting in its selector. Kestrel's threads never take the GIL:
//
//   Kestrel thread                         loop thread (GIL)
//   ──────────────                         ─────────────────
//   Post(event): ConcurrentQueue.Enqueue
//   if Exchange(signaled, 1) == 0:
//       write 1 byte to the wake socket ─▶  add_reader callback _on_wake():
//                                             read the socket, call native _drain():
//                                               Exchange(signaled, 0), then dequeue ALL events
//                                               and turn them into Python tuples at once
//                                             dispatch each (new task, wake a waiter, ...)
//
// So a burst of N events costs one pipe write and one wake-up, not N call_soon_threadsafe
// calls (each of which would need the GIL on a Kestrel thread). The exchange in _drain is a
// full fence before the first dequeue: an event enqueued by a thread that saw signaled == 1
// (and so did not write) is in the queue before that fence, and is taken by this drain.
//
// The way back never blocks the loop on Kestrel: a response write copies the bytes into
// Kestrel's pipe and flushes; a flush that completes synchronously returns at once, one that
// must wait for the client (backpressure) returns "pending" and its completion is posted as an
// IoDone event, which wakes the send() coroutine that awaited it. Body reads work the same way
// (TryRead, else an async read whose chunk is posted), and are only started when the app calls
// receive(): a slow reader leaves Kestrel's request pipe full, so Kestrel stops reading the
// socket. WebSocket sends and the upgrade itself are async too; each accepted socket has a
// receive pump (a managed task) that posts whole messages, up to websocket_max_message_size.
using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using System.Net.Sockets;
using Sharpicorn.Logging;
using Sharpicorn.Platform;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Asgi;

internal sealed class AsgiLoop : IPyFunctionTarget
{
    private const int DrainId = 0;
    private const int StartId = 1;
    private const int BodyId = 2;
    private const int ReadId = 3;
    private const int FinishId = 4;
    private const int WsId = 5;
    private const int MiscId = 6;

    private const int WsAccept = 0;
    private const int WsSend = 1;
    private const int WsClose = 2;
    private const int WsDenyStart = 3;
    private const int WsDenyBody = 4;

    private const int MiscLifespan = 0;
    private const int MiscLog = 1;
    private const int MiscTrailers = 2;
    private const int MiscPathsend = 3;
    private const int MiscTimeout = 4;

    /// <summary>A WsMessage event's Value for a text message (its Data is then UTF-8).</summary>
    private const long TextMessage = 1;

    private const int FlagNotStarted = 1;
    private const int FlagIncomplete = 2;
    private const int FlagTimedOut = 4;

    /// <summary>--request-timeout's answer, as WSGI's DeadlineAnswer gives it.</summary>
    private const int DeadlineStatus = 504;

    private const string DeadlineReason = "Gateway Timeout";

    /// <summary>How many pending tasks besides the blocking one a WORKER TIMEOUT report lists (a worker may hold thousands of idle WebSockets).</summary>
    private const int AbortReportTasks = 100;

    /// <summary>The largest body chunk one http.request message carries: what one read of Kestrel's pipe gives, bounded.</summary>
    private const int MaxChunk = 1024 * 1024;

    private static readonly byte[] WakeByte = [1];

    private readonly ConcurrentQueue<AsgiEvent> _queue = new();
    private readonly ConcurrentDictionary<long, AsgiConnection> _connections = new();
    private readonly TaskCompletionSource<(bool Ok, string Message)> _lifespan = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ErrorLog _log;
    private readonly AsgiOptions _options;
    private readonly nint _moduleDict;
    private readonly ScopeCache _scopeCache = new();
    private PyTarget? _target;
    private Socket? _wakeWriter;
    private nint _wakeFd;
    private int _signaled;
    private long _nextId;
    private long _lastDrainMs;
    private Thread? _thread;

    private AsgiLoop(nint moduleDict, ErrorLog log, AsgiOptions options)
    {
        _moduleDict = moduleDict;
        _log = log;
        _options = options;
        _lastDrainMs = MonotonicClock.NowMs(TimeProvider.System);
    }

    /// <summary>Monotonic ms of the loop's last wake-up: the worker's heartbeat progress (a loop blocked by the app stops it).</summary>
    public long LastDrainMs => Volatile.Read(ref _lastDrainMs);

    /// <summary>Scopes in progress (HTTP requests and WebSockets).</summary>
    public int InFlight => _connections.Count;

    /// <summary>Lifespan startup's outcome: false with the app's message on lifespan.startup.failed (or a crash).</summary>
    public Task<(bool Ok, string Message)> Started => _lifespan.Task;

    /// <summary>Completes when the loop has stopped (after lifespan shutdown).</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>Creates the support module (GIL held). Idempotent per process: the loop is made once per worker.</summary>
    public static AsgiLoop Create(ErrorLog log, AsgiOptions options)
    {
        nint dict = ModuleDict();
        var loop = new AsgiLoop(dict, log, options);
        loop.Bind();
        return loop;
    }

    /// <summary>True when <paramref name="app"/> is an ASGI 3 callable: async def, or an object with an async __call__ (GIL held).</summary>
    public static bool IsAsgi(nint app)
    {
        if (_detect == 0)
        {
            _detect = LoadModule("_sharpicorn_detect", AsgiSupport.DetectSource);
        }
        BorrowedRef isAsgi = CPython.PyDict_GetItemString(CPython.PyModule_GetDict(_detect).Handle, "is_asgi"u8);
        using OwnedRef result = PyCall.One(isAsgi.Handle, app).OrThrow();
        return result.Handle == CPython.Py_True;
    }

    private static nint _module;

    /// <summary>The _sharpicorn_detect module, loaded on the first IsAsgi (GIL held).</summary>
    private static nint _detect;

    /// <summary>Runs <paramref name="source"/> as the module <paramref name="name"/> (GIL held) and returns a reference kept for the process.</summary>
    private static nint LoadModule(string name, string source)
    {
        PythonRuntime.RunInMain($$"""
            import sys as _s, types as _t
            _m = _t.ModuleType("{{name}}")
            exec(compile(_sharpicorn_src, "{{name}}.py", "exec"), _m.__dict__)
            _s.modules["{{name}}"] = _m
            del _m, _s, _t, _sharpicorn_src
            """, ("_sharpicorn_src", source));
        return CPython.PyImport_ImportModule(System.Text.Encoding.UTF8.GetBytes(name)).OrThrow().IntoRaw();
    }

    private static nint ModuleDict()
    {
        if (_module == 0)
        {
            _module = LoadModule(AsgiSupport.ModuleName, AsgiSupport.Source);
        }
        return CPython.PyModule_GetDict(_module).Handle;
    }

    private void Bind()
    {
        _target = new PyTarget(this);
        using OwnedRef self = _target.NewSelf(0);
        BindOne(self.Handle, "_drain", DrainId);
        BindOne(self.Handle, "_start", StartId);
        BindOne(self.Handle, "_body", BodyId);
        BindOne(self.Handle, "_read", ReadId);
        BindOne(self.Handle, "_finish", FinishId);
        BindOne(self.Handle, "_ws", WsId);
        BindOne(self.Handle, "_misc", MiscId);
    }

    private void BindOne(nint self, string name, int id)
    {
        using OwnedRef function = PyFunction.Define(name, id).Bind(self);
        if (CPython.PyDict_SetItemString(_moduleDict, Encoding.UTF8.GetBytes(name), function.Handle) != 0)
        {
            PythonException.ThrowPending();
        }
    }

    /// <summary>Starts the loop's thread with <paramref name="app"/> (a new reference the loop keeps; GIL held by the caller, released before the thread needs it).</summary>
    public void Start(nint app)
    {
        BorrowedRef wakePair = CPython.PyDict_GetItemString(_moduleDict, "wake_pair"u8);
        using (OwnedRef fds = CPython.PyObject_CallNoArgs(wakePair.Handle).OrThrow())
        {
            _wakeFd = (nint)CPython.PyLong_AsLongLong(CPython.PyTuple_GetItem(fds.Handle, 0).Handle);
            long writer = CPython.PyLong_AsLongLong(CPython.PyTuple_GetItem(fds.Handle, 1).Handle);
            _wakeWriter = new Socket(new SafeSocketHandle((nint)writer, ownsHandle: true)) { Blocking = false };
        }
        _thread = new Thread(() => Run(app)) { IsBackground = true, Name = "asgi loop" };
        _thread.Start();
    }

    private void Run(nint app)
    {
        var thread = new PythonThread();
        thread.Attach();
        try
        {
            BorrowedRef serve = CPython.PyDict_GetItemString(_moduleDict, "serve"u8);
            using OwnedRef fd = CPython.PyLong_FromLongLong(_wakeFd).OrThrow();
            using OwnedRef loopKind = PyStr.FromString(_options.Loop);
            using OwnedRef lifespan = PyStr.FromString(_options.Lifespan);
            using OwnedRef root = PyStr.FromString(_options.RootPath);
            using OwnedRef timeout = CPython.PyLong_FromLongLong(_options.RequestTimeout).OrThrow();
            using OwnedRef grace = CPython.PyLong_FromLongLong(_options.DisconnectGracePeriod).OrThrow();
            using OwnedRef result = CPython.PyObject_Vectorcall(serve.Handle, [app, fd.Handle, loopKind.Handle, lifespan.Handle, root.Handle, timeout.Handle, grace.Handle]).OrThrow();
        }
        catch (PythonException e)
        {
            if (!_lifespan.Task.IsCompleted)
            {
                _lifespan.TrySetResult((false, e.Traceback));
            }
            else
            {
                _log.Exception($"The ASGI event loop failed\n{e.Traceback.TrimEnd('\n')}");
            }
        }
        finally
        {
            _lifespan.TrySetResult((false, "the ASGI event loop stopped before lifespan startup completed"));
            _stopped.TrySetResult();
            thread.Leave();
        }
    }

    /// <summary>Hands a new scope to the loop (a Kestrel thread; no GIL).</summary>
    public void Dispatch(AsgiConnection conn)
    {
        conn.Id = Interlocked.Increment(ref _nextId);
        _connections[conn.Id] = conn;
        conn.LoopOwner = this;
        conn.AbortRegistration = conn.Lifetime.RequestAborted.UnsafeRegister(OnGone, conn);
        // The transport's own end of input: the front keeps a FIN from aborting the request
        // (gunicorn answers half-closed clients), but ASGI tells the app, as uvicorn does.
        if (conn.Features.Get<IConnectionLifetimeFeature>() is { } transport)
        {
            conn.ClosedRegistration = transport.ConnectionClosed.UnsafeRegister(OnGone, conn);
        }
        Post(new AsgiEvent(AsgiEventKind.New, conn));
    }

    private static readonly Action<object?> OnGone = static s =>
    {
        var c = (AsgiConnection)s!;
        c.LoopOwner!.Post(new AsgiEvent(AsgiEventKind.Disconnect, c));
    };

    /// <summary>Queues an event and wakes the loop if it is not already signalled (any thread; no GIL).</summary>
    public void Post(AsgiEvent ev)
    {
        _queue.Enqueue(ev);
        if (Interlocked.Exchange(ref _signaled, 1) == 0)
        {
            try
            {
                // WouldBlock means the socket is full of wake-ups the loop has not read yet: it will drain this event too.
                _wakeWriter!.Send(WakeByte, SocketFlags.None, out SocketError _);
            }
            catch (ObjectDisposedException)
            {
                // The process is going away with its loop.
            }
        }
    }

    /// <summary>A wake-up that carries nothing: the heartbeat's proof that the loop still runs.</summary>
    public void Tick() => Post(new AsgiEvent(AsgiEventKind.Tick, null));

    /// <summary>Graceful stop: lifespan shutdown, then the loop ends (<see cref="Stopped"/>).</summary>
    public void Stop() => Post(new AsgiEvent(AsgiEventKind.Stop, null));

    /// <summary>Graceful shutdown: every open WebSocket is closed with 1001 (going away).</summary>
    public void CloseWebSockets()
    {
        foreach (AsgiConnection conn in _connections.Values)
        {
            if (conn.Socket is { State: WebSocketState.Open } socket && !conn.CloseSent)
            {
                conn.CloseSent = true;
                _ = CloseQuietlyAsync(socket, WebSocketCloseStatus.EndpointUnavailable);
            }
        }
    }

    private static async Task CloseQuietlyAsync(WebSocket socket, WebSocketCloseStatus status)
    {
        try
        {
            await socket.CloseOutputAsync(status, "", CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer is gone already.
        }
    }

    public OwnedRef Call(int function, long context, PyArgs args)
    {
        ReadOnlySpan<nint> a = args.Positional;
        return function switch
        {
            DrainId => Drain(),
            StartId => StartResponse(Conn(a[0]), CPython.PyLong_AsLongLong(a[1]), a[2]),
            BodyId => WriteBody(Conn(a[0]), a[1], a[2] == CPython.Py_True),
            ReadId => ReadBody(Conn(a[0])),
            FinishId => Finish(CPython.PyLong_AsLongLong(a[0]), a[1] == CPython.Py_None ? null : PyStr.ToStringOrEmpty(a[1]), (int)CPython.PyLong_AsLongLong(a[2])),
            WsId => WebSocketOp(Conn(a[0]), (int)CPython.PyLong_AsLongLong(a[1]), a[2], a[3]),
            _ => Misc((int)CPython.PyLong_AsLongLong(a[0]), CPython.PyLong_AsLongLong(a[1]), a[2], a[3]),
        };
    }

    private AsgiConnection? Conn(nint id) => _connections.TryGetValue(CPython.PyLong_AsLongLong(id), out AsgiConnection? c) && !c.Completed ? c : null;

    private static OwnedRef None() => new BorrowedRef(CPython.Py_None).NewOwned();

    private static OwnedRef Bool(bool value) => new BorrowedRef(value ? CPython.Py_True : CPython.Py_False).NewOwned();

    private static OwnedRef Disconnected()
    {
        PyStr.SetError(CPython.PyExc_OSError, "the client went away");
        return default;
    }

    /// <summary>_drain(): every queued event as a tuple (see _sharpicorn_asgi.py), in order.</summary>
    private OwnedRef Drain()
    {
        Interlocked.Exchange(ref _signaled, 0);
        Volatile.Write(ref _lastDrainMs, MonotonicClock.NowMs(TimeProvider.System));
        // Not a using variable: those are read-only, so Move() on one would move a copy and the
        // original would still be released at the end of the scope.
        OwnedRef list = CPython.PyList_New(0).OrThrow();
        try
        {
            while (_queue.TryDequeue(out AsgiEvent ev))
            {
                if (ev.Kind == AsgiEventKind.New && ev.Connection!.Completed)
                {
                    // Answered while it waited for a blocked loop (--request-timeout's 504, an
                    // abort): the app never sees it, as WSGI skips a request claimed while queued.
                    _connections.TryRemove(ev.Connection.Id, out _);
                    continue;
                }
                using OwnedRef item = EventTuple(ev);
                if (CPython.PyList_Append(list.Handle, item.Handle) != 0)
                {
                    PythonException.ThrowPending();
                }
            }
        }
        catch
        {
            list.Dispose();
            throw;
        }
        return list;
    }

    private OwnedRef EventTuple(AsgiEvent ev)
    {
        long id = ev.Connection?.Id ?? 0;
        switch (ev.Kind)
        {
            case AsgiEventKind.New:
                return ScopeTuple(ev.Connection!);
            case AsgiEventKind.Body:
                return PyTuples.Of(Long((long)ev.Kind), Long(id), PyStr.Bytes(((byte[])ev.Data!).AsSpan(0, (int)ev.Value)), Bool(ev.More));
            case AsgiEventKind.WsMessage:
                {
                    // Text arrives as UTF-8 bytes the WebSocket already validated: one decode, straight into a str.
                    byte[] payload = (byte[])ev.Data!;
                    return PyTuples.Of(Long((long)ev.Kind), Long(id), ev.Value == TextMessage ? Utf8Text(payload) : PyStr.Bytes(payload));
                }
            case AsgiEventKind.WsClosed:
                return PyTuples.Of(Long((long)ev.Kind), Long(id), Long(ev.Value));
            default:
                return PyTuples.Of(Long((long)ev.Kind), Long(id));
        }
    }

    private static OwnedRef Utf8Text(byte[] utf8)
    {
        OwnedRef text = CPython.PyUnicode_FromStringAndSize(utf8);
        if (text.IsNull)
        {
            // Not valid UTF-8 after all: replacement characters, as a .NET decode gives.
            CPython.PyErr_Clear();
            return PyStr.FromString(Encoding.UTF8.GetString(utf8));
        }
        return text;
    }

    private static OwnedRef Long(long v) => CPython.PyLong_FromLongLong(v).OrThrow();

    /// <summary>(NEW, id, type, method, scheme, raw_path, query_string, headers, http_version, client, server, subprotocols).</summary>
    private OwnedRef ScopeTuple(AsgiConnection conn)
    {
        IHttpRequestFeature request = conn.Request;
        string target = conn.RawTarget;
        if (!target.StartsWith('/') && target.IndexOf("://", StringComparison.Ordinal) is int scheme and >= 0)
        {
            // Absolute form: the path starts after the authority.
            int slash = target.IndexOf('/', scheme + 3);
            target = slash < 0 ? "/" : target[slash..];
        }
        int q = target.IndexOf('?', StringComparison.Ordinal);
        string rawPath = q < 0 ? target : target[..q];
        string query = q < 0 ? "" : target[(q + 1)..];

        // Built first, then handed to the tuple, which steals them (no using: see Drain).
        OwnedRef headers = CPython.PyList_New(0).OrThrow();
        OwnedRef subprotocols = CPython.PyList_New(0).OrThrow();
        if (conn.HeadFields is { } lines)
        {
            // An absolute- or authority-form target names the host, and Kestrel put it in Host
            // (RFC 9112 3.2.2, AllowHostHeaderOverride): the scope agrees with WSGI's HTTP_HOST.
            string? host = conn.RawTarget.StartsWith('/') || conn.RawTarget == "*" ? null : request.Headers.Host.ToString();
            FieldHeaders(new FieldLines(lines), host, conn.IsWebSocket, headers.Handle, subprotocols.Handle);
        }
        else
        {
            KestrelHeaders(request, conn.IsWebSocket, headers.Handle, subprotocols.Handle);
        }
        string version = conn.Protocol switch
        {
            "HTTP/2" => "2",
            "HTTP/1.0" => "1.0",
            "HTTP/3" => "3",
            _ => "1.1",
        };
        IHttpConnectionFeature c = conn.Connection;
        OwnedRef client = c.RemoteIpAddress is { } remote ? PyTuples.Of(PyStr.FromString(remote.ToString()), Long(c.RemotePort)) : None();
        OwnedRef server = c.LocalIpAddress is { } local ? _scopeCache.Server(local, c.LocalPort) : None();
        return PyTuples.Of(
            Long((long)AsgiEventKind.New),
            Long(conn.Id),
            _scopeCache.Str(conn.IsWebSocket ? "websocket" : "http"),
            _scopeCache.Str(conn.Method),
            _scopeCache.Str(conn.UrlScheme),
            ScopeCache.Latin1Bytes(rawPath),
            ScopeCache.Latin1Bytes(query),
            headers,
            _scopeCache.Str(version),
            client,
            server,
            subprotocols);
    }

    /// <summary>scope["headers"] from the head's field lines as sent (HTTP/1.x): lowercase names, values as bytes, in arrival order, a repeated field as separate pairs.</summary>
    private void FieldHeaders(FieldLines fields, string? host, bool webSocket, nint headers, nint subprotocols)
    {
        while (fields.Next(out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value))
        {
            bool isHost = host is not null && Ascii.EqualsIgnoreCase(name, "host"u8);
            using OwnedRef pair = PyTuples.Of(_scopeCache.HeaderName(name), isHost ? ScopeCache.Latin1Bytes(host!) : PyStr.Bytes(value));
            Append(headers, pair.Handle);
            if (webSocket && Ascii.EqualsIgnoreCase(name, "sec-websocket-protocol"u8))
            {
                AddSubprotocols(Encoding.Latin1.GetString(value), subprotocols);
            }
        }
    }

    /// <summary>
    /// scope["headers"] from Kestrel's dictionary: HTTP/2, whose HPACK fields Kestrel files there
    /// without their order (known headers first, a repeated field's values together); it holds no
    /// pseudo-header (:authority is its Host).
    /// </summary>
    private void KestrelHeaders(IHttpRequestFeature request, bool webSocket, nint headers, nint subprotocols)
    {
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> h in request.Headers)
        {
            if (h.Key.StartsWith(':'))
            {
                continue;
            }
            bool subprotocolHeader = webSocket && string.Equals(h.Key, "sec-websocket-protocol", StringComparison.OrdinalIgnoreCase);
            foreach (string? value in h.Value)
            {
                // RFC 9113 8.2.1 forbids whitespace around an HTTP/2 value, and Kestrel lets it through: trimmed as on HTTP/1.1.
                using OwnedRef pair = PyTuples.Of(_scopeCache.HeaderName(h.Key), ScopeCache.Latin1Bytes(value.AsSpan().Trim(" \t")));
                Append(headers, pair.Handle);
                if (subprotocolHeader && value is not null)
                {
                    AddSubprotocols(value, subprotocols);
                }
            }
        }
    }

    private static void AddSubprotocols(string value, nint subprotocols)
    {
        foreach (string p in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using OwnedRef s = PyStr.FromString(p);
            Append(subprotocols, s.Handle);
        }
    }

    private static void Append(nint list, nint item)
    {
        if (CPython.PyList_Append(list, item) != 0)
        {
            PythonException.ThrowPending();
        }
    }

    /// <summary>Status and headers go into Kestrel's response; nothing is sent before the first body write.</summary>
    private static OwnedRef StartResponse(AsgiConnection? conn, long status, nint headers)
    {
        if (conn is null)
        {
            return Disconnected();
        }
        conn.Status = (int)status;
        conn.Response.StatusCode = (int)status;
        SetHeaders(conn.Response.Headers, headers);
        return None();
    }

    /// <summary>Appends [(name, value)] byte pairs (a list of tuples or lists) to <paramref name="target"/>.</summary>
    private static void SetHeaders(Microsoft.AspNetCore.Http.IHeaderDictionary target, nint headers)
    {
        nint n = CPython.PyList_Size(headers);
        for (nint i = 0; i < n; i++)
        {
            nint pair = CPython.PyList_GetItem(headers, i).Handle;
            nint type = CPython.Py_TYPE(pair);
            nint name, value;
            if (type == CPython.PyTuple_Type && CPython.PyTuple_Size(pair) == 2)
            {
                name = CPython.PyTuple_GetItem(pair, 0).Handle;
                value = CPython.PyTuple_GetItem(pair, 1).Handle;
            }
            else if (type == CPython.PyList_Type && CPython.PyList_Size(pair) == 2)
            {
                name = CPython.PyList_GetItem(pair, 0).Handle;
                value = CPython.PyList_GetItem(pair, 1).Handle;
            }
            else
            {
                throw new InvalidOperationException("ASGI headers must be [name, value] pairs of bytes");
            }
            if (!CPython.PyBytes_AsStringAndSize(name, out ReadOnlySpan<byte> nameBytes) || !CPython.PyBytes_AsStringAndSize(value, out ReadOnlySpan<byte> valueBytes))
            {
                CPython.PyErr_Clear();
                throw new InvalidOperationException("ASGI header names and values must be bytes");
            }
            Microsoft.AspNetCore.Http.HeaderDictionaryExtensions.Append(target, Encoding.Latin1.GetString(nameBytes), Encoding.Latin1.GetString(valueBytes));
        }
    }

    private static bool BodyAllowed(AsgiConnection conn) =>
        conn.Status is not (204 or 304) && !string.Equals(conn.Method, "HEAD", StringComparison.OrdinalIgnoreCase);

    /// <summary>_body(id, data, more): True when the flush waits for the client (an IoDone follows).</summary>
    private OwnedRef WriteBody(AsgiConnection? conn, nint data, bool more)
    {
        if (conn is null)
        {
            return Disconnected();
        }
        if (!CPython.PyBytes_AsStringAndSize(data, out ReadOnlySpan<byte> bytes))
        {
            return default;
        }
        bool allowed = bytes.Length > 0 && BodyAllowed(conn);
        if (!conn.ResponseStarted)
        {
            conn.ResponseStarted = true;
            // Kestrel's body writer hands out buffers only once the response has started; starting
            // only queues the head in its pipe, so it completes at once unless the connection is gone.
            Task start = conn.Body.StartAsync();
            if (!start.IsCompletedSuccessfully)
            {
                _ = StartLaterAsync(conn, start, allowed ? bytes.ToArray() : [], more);
                return Bool(true);
            }
        }
        return WriteStarted(conn, bytes, allowed, more);
    }

    private OwnedRef WriteStarted(AsgiConnection conn, ReadOnlySpan<byte> bytes, bool allowed, bool more)
    {
        PipeWriter writer = conn.Body.Writer;
        if (allowed)
        {
            try
            {
                writer.Write(bytes);
            }
            catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException or ObjectDisposedException or IOException)
            {
                // Kestrel aborted the output (the client reset the connection): its writer hands out no more buffers.
                return Disconnected();
            }
            conn.BytesSent += bytes.Length;
        }
        if (!more)
        {
            // The response is complete for the client; the app's task may go on (background tasks).
            conn.Complete();
            return Bool(false);
        }
        ValueTask<FlushResult> flush = writer.FlushAsync();
        if (flush.IsCompletedSuccessfully)
        {
            return Bool(false);
        }
        _ = AwaitFlushAsync(flush, conn);
        return Bool(true);
    }

    private async Task StartLaterAsync(AsgiConnection conn, Task start, byte[] data, bool more)
    {
        try
        {
            await start.ConfigureAwait(false);
            PipeWriter writer = conn.Body.Writer;
            writer.Write(data);
            conn.BytesSent += data.Length;
            if (!more)
            {
                conn.Complete();
                Post(new AsgiEvent(AsgiEventKind.IoDone, conn));
                return;
            }
            await AwaitFlushAsync(writer.FlushAsync(), conn).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IOException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            Post(new AsgiEvent(AsgiEventKind.Disconnect, conn));
        }
    }

    private async Task AwaitFlushAsync(ValueTask<FlushResult> flush, AsgiConnection conn)
    {
        try
        {
            FlushResult result = await flush.ConfigureAwait(false);
            // A completed pipe means the client is gone; the Disconnect event wakes the send() too.
            Post(new AsgiEvent(result.IsCanceled || result.IsCompleted ? AsgiEventKind.Disconnect : AsgiEventKind.IoDone, conn));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            Post(new AsgiEvent(AsgiEventKind.Disconnect, conn));
        }
    }

    /// <summary>_read(id): (bytes, more) when Kestrel has bytes now, else None and a Body event later.</summary>
    private OwnedRef ReadBody(AsgiConnection? conn)
    {
        if (conn is null)
        {
            return Disconnected();
        }
        PipeReader reader = conn.Features.GetRequiredFeature<IRequestBodyPipeFeature>().Reader;
        if (reader.TryRead(out ReadResult result))
        {
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (buffer.Length > 0 || result.IsCompleted)
            {
                int n = (int)Math.Min(buffer.Length, MaxChunk);
                OwnedRef bytes = CPython.PyBytes_FromSize(n, out Span<byte> span).OrThrow();
                buffer.Slice(0, n).CopyTo(span);
                bool more = !(result.IsCompleted && n == buffer.Length);
                reader.AdvanceTo(buffer.GetPosition(n));
                return PyTuples.Of(bytes, Bool(more));
            }
            reader.AdvanceTo(buffer.Start);
        }
        _ = ReadLaterAsync(conn, reader);
        return None();
    }

    private async Task ReadLaterAsync(AsgiConnection conn, PipeReader reader)
    {
        try
        {
            ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            int n = (int)Math.Min(buffer.Length, MaxChunk);
            byte[] data = new byte[n];
            buffer.Slice(0, n).CopyTo(data);
            bool more = !(result.IsCompleted && n == buffer.Length);
            reader.AdvanceTo(buffer.GetPosition(n));
            Post(new AsgiEvent(AsgiEventKind.Body, conn, data, n, more));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException or ObjectDisposedException or Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            Post(new AsgiEvent(AsgiEventKind.Disconnect, conn));
        }
    }

    /// <summary>_finish(id, error, flags): the app's task ended; whatever the response still needs, it gets here.</summary>
    private OwnedRef Finish(long id, string? error, int flags)
    {
        if (!_connections.TryRemove(id, out AsgiConnection? conn))
        {
            return None();
        }
        if (error is not null)
        {
            // Also when the response went out already (a framework's own 500 page re-raises).
            _log.Exception($"Error handling request {conn.RawTarget}\n{error.TrimEnd('\n')}");
        }
        if ((flags & FlagTimedOut) != 0)
        {
            // The WSGI path's line once the interrupted thread has unwound; here the cancelled task has.
            _log.Error($"Request timed out: {conn.Method} {conn.RawTarget} (its task was cancelled)");
            if (!conn.Completed)
            {
                // The response had started before the deadline: it is cut, as WSGI's is.
                conn.Lifetime.Abort();
                conn.Complete();
            }
            return None();
        }
        if (conn.Completed)
        {
            return None();
        }
        if ((flags & FlagNotStarted) != 0)
        {
            if (conn.IsWebSocket && error is null)
            {
                // Closed (or returned) before websocket.accept: the handshake is refused.
                conn.Status = 403;
                conn.Response.StatusCode = 403;
                conn.Response.Headers.ContentLength = 0;
            }
            else
            {
                if (error is null)
                {
                    _log.Error("ASGI callable returned without starting response.");
                }
                ErrorResponse(conn, 500, "Internal Server Error", "");
            }
            conn.Complete();
        }
        else if (conn.Socket is { } socket)
        {
            _ = FinishWebSocketAsync(conn, socket);
        }
        else if ((flags & FlagIncomplete) != 0 || error is not null)
        {
            if (error is null)
            {
                _log.Error("ASGI callable returned without completing response.");
            }
            conn.Lifetime.Abort();
            conn.Complete();
        }
        else
        {
            conn.Complete();
        }
        return None();
    }

    /// <summary>The app is done with an accepted socket: close it (1000 unless it did) and let Kestrel go once the peer answers.</summary>
    private static async Task FinishWebSocketAsync(AsgiConnection conn, WebSocket socket)
    {
        try
        {
            if (!conn.CloseSent && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                conn.CloseSent = true;
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).ConfigureAwait(false);
            }
            if (conn.Pump is { } pump)
            {
                // The peer's close frame ends the pump; a peer that never answers is cut (uvicorn waits too).
                await Task.WhenAny(pump, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Gone already.
        }
        finally
        {
            socket.Abort();
            conn.Complete();
        }
    }

    /// <summary>gunicorn's error page, replacing whatever status and headers the app had set (nothing was sent).</summary>
    private static void ErrorResponse(AsgiConnection conn, int status, string reason, string message)
    {
        byte[] body = AsgiErrorPage.Body(reason, message);
        IHttpResponseFeature response = conn.Response;
        response.Headers.Clear();
        response.StatusCode = status;
        response.ReasonPhrase = reason;
        if (conn.Protocol != "HTTP/2")
        {
            response.Headers.Connection = "close";
        }
        response.Headers.ContentType = "text/html";
        response.Headers.ContentLength = body.Length;
        conn.Status = status;
        if (!string.Equals(conn.Method, "HEAD", StringComparison.OrdinalIgnoreCase))
        {
            // Starting only queues the head in Kestrel's pipe; it does not wait on the client.
            conn.Body.StartAsync().GetAwaiter().GetResult();
            conn.Body.Writer.Write(body);
            conn.BytesSent = body.Length;
        }
    }

    private OwnedRef WebSocketOp(AsgiConnection? conn, int op, nint a, nint b)
    {
        if (conn is null)
        {
            return Disconnected();
        }
        switch (op)
        {
            case WsAccept:
                {
                    string? subprotocol = a == CPython.Py_None ? null : PyStr.ToStringOrEmpty(a);
                    IHttpResponseFeature response = conn.Response;
                    if (conn.IsExtendedConnect)
                    {
                        // RFC 8441 5: the stream is the tunnel; no key, no Upgrade, and a 2xx instead of 101.
                        conn.Status = 200;
                        response.StatusCode = 200;
                    }
                    else
                    {
                        string key = conn.Request.Headers["Sec-WebSocket-Key"].ToString();
                        response.Headers["Sec-WebSocket-Accept"] = AcceptKey(key);
                        response.Headers.Upgrade = "websocket";
                        conn.Status = 101;
                    }
                    if (subprotocol is not null)
                    {
                        response.Headers["Sec-WebSocket-Protocol"] = subprotocol;
                    }
                    SetHeaders(response.Headers, b);
                    // The server frames the messages, so the extension answer is the server's, whatever the app set.
                    // Always on when offered, as uvicorn's --ws-per-message-deflate default (gunicorn 26 has no such setting).
                    PerMessageDeflate? deflate = PerMessageDeflate.Negotiate(conn.Request.Headers["Sec-WebSocket-Extensions"]);
                    if (deflate is not null)
                    {
                        response.Headers["Sec-WebSocket-Extensions"] = deflate.ResponseHeader;
                    }
                    else
                    {
                        response.Headers.Remove("Sec-WebSocket-Extensions");
                    }
                    conn.ResponseStarted = true;
                    _ = Task.Run(() => AcceptAsync(conn, subprotocol, deflate?.Options));
                    return Bool(true);
                }
            case WsSend:
                {
                    WebSocket? socket = conn.Socket;
                    if (socket is null || socket.State != WebSocketState.Open)
                    {
                        return Disconnected();
                    }
                    ReadOnlySpan<byte> payload;
                    WebSocketMessageType type;
                    if (CPython.Py_TYPE(a) == CPython.PyUnicode_Type)
                    {
                        // The str's own UTF-8 (cached by CPython): no detour through a .NET string.
                        if (!CPython.PyUnicode_AsUTF8AndSize(a, out payload))
                        {
                            return default;
                        }
                        type = WebSocketMessageType.Text;
                    }
                    else if (CPython.PyBytes_AsStringAndSize(a, out payload))
                    {
                        type = WebSocketMessageType.Binary;
                    }
                    else
                    {
                        return default;
                    }
                    // The socket may still read the payload after SendAsync returns (a send in
                    // progress holds its lock), so it gets a pooled copy, returned once the send is done.
                    byte[] data = ArrayPool<byte>.Shared.Rent(payload.Length);
                    payload.CopyTo(data);
                    ValueTask send = socket.SendAsync(data.AsMemory(0, payload.Length), type, true, CancellationToken.None);
                    if (send.IsCompletedSuccessfully)
                    {
                        ArrayPool<byte>.Shared.Return(data);
                        return Bool(false);
                    }
                    _ = AwaitSendAsync(send, conn, data);
                    return Bool(true);
                }
            case WsClose:
                {
                    if (b == CPython.Py_None)
                    {
                        // websocket.close before accept: 403, as uvicorn answers.
                        conn.Status = 403;
                        conn.Response.StatusCode = 403;
                        conn.Response.Headers.ContentLength = 0;
                        conn.Complete();
                        return Bool(false);
                    }
                    if (conn.Socket is not { } socket || conn.CloseSent || socket.State != WebSocketState.Open && socket.State != WebSocketState.CloseReceived)
                    {
                        return Bool(false);
                    }
                    conn.CloseSent = true;
                    var code = (WebSocketCloseStatus)CPython.PyLong_AsLongLong(a);
                    string reason = PyStr.ToStringOrEmpty(b);
                    _ = AwaitSendAsync(new ValueTask(socket.CloseOutputAsync(code, reason, CancellationToken.None)), conn);
                    return Bool(true);
                }
            case WsDenyStart:
                conn.Status = (int)CPython.PyLong_AsLongLong(a);
                conn.Response.StatusCode = conn.Status;
                SetHeaders(conn.Response.Headers, b);
                return None();
            default:
                return WriteBody(conn, a, b == CPython.Py_True);
        }
    }

    /// <summary>RFC 6455 4.2.2: base64(SHA-1(key + the protocol's GUID)).</summary>
    internal static string AcceptKey(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key.Trim() + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));

    private async Task AcceptAsync(AsgiConnection conn, string? subprotocol, WebSocketDeflateOptions? deflate)
    {
        try
        {
            Stream stream = conn.IsExtendedConnect
                ? await conn.Features.GetRequiredFeature<IHttpExtendedConnectFeature>().AcceptAsync().ConfigureAwait(false)
                : await conn.Features.GetRequiredFeature<IHttpUpgradeFeature>().UpgradeAsync().ConfigureAwait(false);
            conn.Socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions
            {
                IsServer = true,
                SubProtocol = subprotocol,
                KeepAliveInterval = _options.WebSocketPingInterval,
                KeepAliveTimeout = _options.WebSocketPingInterval,
                DangerousDeflateOptions = deflate,
            });
            conn.Pump = PumpAsync(conn, conn.Socket);
            Post(new AsgiEvent(AsgiEventKind.IoDone, conn));
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            Post(new AsgiEvent(AsgiEventKind.WsClosed, conn, Value: 1006));
        }
    }

    private async Task AwaitSendAsync(ValueTask send, AsgiConnection conn, byte[]? pooled = null)
    {
        try
        {
            await send.ConfigureAwait(false);
            Post(new AsgiEvent(AsgiEventKind.IoDone, conn));
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            Post(new AsgiEvent(AsgiEventKind.WsClosed, conn, Value: 1006));
        }
        finally
        {
            if (pooled is not null)
            {
                ArrayPool<byte>.Shared.Return(pooled);
            }
        }
    }

    /// <summary>Posts whole messages until the peer closes; a message over the limit closes with 1009.</summary>
    private async Task PumpAsync(AsgiConnection conn, WebSocket socket)
    {
        await Task.Yield();
        byte[] chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var message = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult r = await socket.ReceiveAsync(chunk.AsMemory(), CancellationToken.None).ConfigureAwait(false);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    int code = (int)(socket.CloseStatus ?? WebSocketCloseStatus.Empty);
                    Post(new AsgiEvent(AsgiEventKind.WsClosed, conn, Value: code));
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        conn.CloseSent = true;
                        await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.Empty, "", CancellationToken.None).ConfigureAwait(false);
                    }
                    return;
                }
                if (message.WrittenCount + r.Count > _options.WebSocketMaxMessageSize)
                {
                    conn.CloseSent = true;
                    await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "", CancellationToken.None).ConfigureAwait(false);
                    Post(new AsgiEvent(AsgiEventKind.WsClosed, conn, Value: 1009));
                    return;
                }
                message.Write(chunk.AsSpan(0, r.Count));
                if (r.EndOfMessage)
                {
                    byte[] data = message.WrittenSpan.ToArray();
                    message.ResetWrittenCount();
                    Post(new AsgiEvent(AsgiEventKind.WsMessage, conn, data, r.MessageType == WebSocketMessageType.Text ? TextMessage : 0));
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            Post(new AsgiEvent(AsgiEventKind.WsClosed, conn, Value: 1006));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private OwnedRef Misc(int op, long id, nint a, nint b)
    {
        switch (op)
        {
            case MiscLifespan:
                _lifespan.TrySetResult((a == CPython.Py_True, PyStr.ToStringOrEmpty(b)));
                return None();
            case MiscLog:
                {
                    string text = PyStr.ToStringOrEmpty(b);
                    switch (CPython.PyLong_AsLongLong(a))
                    {
                        case <= 10:
                            _log.Debug(text);
                            break;
                        case <= 20:
                            _log.Info(text);
                            break;
                        case <= 30:
                            _log.Warning(text);
                            break;
                        default:
                            _log.Error(text);
                            break;
                    }
                    return None();
                }
            case MiscTrailers:
                {
                    if (!_connections.TryGetValue(id, out AsgiConnection? conn) || conn.Completed)
                    {
                        return Disconnected();
                    }
                    if (conn.Features.Get<IHttpResponseTrailersFeature>() is { } trailers)
                    {
                        SetHeaders(trailers.Trailers, a);
                    }
                    if (b == CPython.Py_True)
                    {
                        conn.Complete();
                    }
                    return None();
                }
            case MiscPathsend:
                {
                    if (!_connections.TryGetValue(id, out AsgiConnection? conn) || conn.Completed)
                    {
                        return Disconnected();
                    }
                    string path = PyStr.ToStringOrEmpty(a);
                    conn.ResponseStarted = true;
                    _ = SendFileAsync(conn, path);
                    return Bool(true);
                }
            case MiscTimeout:
                {
                    // The WSGI path's words (WorkerMonitor): "Request timeout (N s): <who> serving <request> for <t> s", then the stack.
                    // Also once the response is complete: the task still runs (background work
                    // after the body), as a WSGI thread is busy until the app returns.
                    if (_connections.TryGetValue(id, out AsgiConnection? conn) && !conn.DeadlineReported)
                    {
                        _log.Error($"Request timeout ({_options.RequestTimeout} s): {Describe(conn, PyStr.ToStringOrEmpty(b))}\n{PyStr.ToStringOrEmpty(a).TrimEnd('\n')}");
                        if (!conn.ResponseStarted && !conn.Completed)
                        {
                            // WSGI's DeadlineAnswer: gunicorn's page, 504, no message.
                            ErrorResponse(conn, DeadlineStatus, DeadlineReason, "");
                            conn.Complete();
                        }
                    }
                    return None();
                }
            default:
                PyStr.SetError(CPython.PyExc_ValueError, $"unknown _misc op {op}");
                return default;
        }
    }

    /// <summary>"task NAME serving GET /path for 1.2 s": StackDump.Describe's words, with the task for the thread.</summary>
    private static string Describe(AsgiConnection conn, string task) =>
        string.Create(CultureInfo.InvariantCulture, $"task {task} serving {conn.Method} {conn.RawTarget} for {Stopwatch.GetElapsedTime(conn.StartTimestamp).TotalSeconds:0.0} s");

    /// <summary>
    /// The arbiter's SIGABRT (--timeout: the loop had no wake-up for that long, so the app blocks
    /// its thread). Answers 504 to every HTTP request whose response has not started, as the WSGI
    /// worker does, and returns the error log's records: the loop thread's Python stack (with
    /// the task it runs), then every other pending task's stack. The caller holds the GIL, taken
    /// with a bounded wait (StackDump): with it, the loop thread is in Python code or in a C call
    /// that released the GIL, never inside one of this class's native calls, so the 504s cannot
    /// race the app's own writes.
    /// </summary>
    public List<string> AbortUnderGil()
    {
        foreach (AsgiConnection conn in _connections.Values)
        {
            if (!conn.IsWebSocket && !conn.ResponseStarted && !conn.Completed)
            {
                try
                {
                    ErrorResponse(conn, DeadlineStatus, DeadlineReason, "");
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or ObjectDisposedException or OperationCanceledException)
                {
                    // The client is gone: nothing to deliver, but Kestrel still gets the request back.
                }
                conn.Complete();
            }
        }
        var records = new List<string>();
        BorrowedRef report = CPython.PyDict_GetItemString(_moduleDict, "abort_report"u8);
        using OwnedRef limit = CPython.PyLong_FromLongLong(AbortReportTasks).OrThrow();
        using OwnedRef result = PyCall.One(report.Handle, limit.Handle);
        if (result.IsNull)
        {
            records.Add($"WORKER TIMEOUT: the event loop's stack could not be taken: {PythonException.FetchPending().Message}");
            return records;
        }
        nint threadStack = CPython.PyTuple_GetItem(result.Handle, 0).Handle;
        nint running = CPython.PyTuple_GetItem(result.Handle, 1).Handle;
        nint others = CPython.PyTuple_GetItem(result.Handle, 2).Handle;
        long pending = CPython.PyLong_AsLongLong(CPython.PyTuple_GetItem(result.Handle, 3).Handle);
        string stack = threadStack == CPython.Py_None ? "  (the event loop's thread has no Python frame)\n" : PyStr.ToStringOrEmpty(threadStack);
        string who = running == CPython.Py_None
            ? "the event loop's thread, outside any task"
            : TaskDescription(running) + ", blocking the event loop";
        records.Add($"WORKER TIMEOUT: {who}\n{stack.TrimEnd('\n')}");
        nint n = CPython.PyList_Size(others);
        for (nint i = 0; i < n; i++)
        {
            nint item = CPython.PyList_GetItem(others, i).Handle;
            string taskStack = PyStr.ToStringOrEmpty(CPython.PyTuple_GetItem(item, 2).Handle);
            records.Add($"WORKER TIMEOUT: pending {TaskDescription(item)}\n{taskStack.TrimEnd('\n')}");
        }
        if (pending > n)
        {
            records.Add(string.Create(CultureInfo.InvariantCulture, $"WORKER TIMEOUT: {pending - n} more pending tasks not listed"));
        }
        return records;
    }

    /// <summary>
    /// HTTP requests past --request-timeout by more than <paramref name="graceMs"/> that nobody
    /// has answered or reported yet (the loop's own timer should have: the loop is blocked), each
    /// marked <see cref="AsgiConnection.DeadlineReported"/> so it is taken once, and from then on
    /// the loop's timer only cancels its task. Any thread; no GIL.
    /// </summary>
    public List<AsgiConnection> Overdue(long graceMs)
    {
        var overdue = new List<AsgiConnection>();
        if (_options.RequestTimeout <= 0)
        {
            return overdue;
        }
        TimeSpan limit = TimeSpan.FromMilliseconds((_options.RequestTimeout * 1000L) + graceMs);
        foreach (AsgiConnection conn in _connections.Values)
        {
            if (!conn.IsWebSocket && !conn.Completed && !conn.DeadlineReported && Stopwatch.GetElapsedTime(conn.StartTimestamp) > limit)
            {
                conn.DeadlineReported = true;
                overdue.Add(conn);
            }
        }
        return overdue;
    }

    /// <summary>
    /// --request-timeout for requests whose deadline the blocked loop could not act on: each one's
    /// task stack is returned as the error log's record (the words of the loop's own report) and
    /// a response that has not started is answered 504. The caller holds the GIL (StackDump's
    /// bounded wait), which keeps the loop thread out of this class's native calls meanwhile;
    /// the loop's timer cancels the task once the loop runs again. Should the GIL come only after
    /// the caller stopped waiting, this still answers them, its records unread.
    /// </summary>
    public List<string> DeadlineUnderGil(List<AsgiConnection> overdue)
    {
        var records = new List<string>();
        BorrowedRef report = CPython.PyDict_GetItemString(_moduleDict, "deadline_report"u8);
        foreach (AsgiConnection conn in overdue)
        {
            if (conn.Completed)
            {
                continue;
            }
            using OwnedRef id = CPython.PyLong_FromLongLong(conn.Id).OrThrow();
            using OwnedRef result = PyCall.One(report.Handle, id.Handle);
            if (result.IsNull)
            {
                records.Add($"Request timeout ({_options.RequestTimeout} s): {conn.Method} {conn.RawTarget}\n  (no stack: {PythonException.FetchPending().Message})");
            }
            else if (result.Handle == CPython.Py_None)
            {
                records.Add(string.Create(CultureInfo.InvariantCulture, $"Request timeout ({_options.RequestTimeout} s): {conn.Method} {conn.RawTarget} for {Stopwatch.GetElapsedTime(conn.StartTimestamp).TotalSeconds:0.0} s, still queued for the event loop, which is blocked"));
            }
            else
            {
                string name = PyStr.ToStringOrEmpty(CPython.PyTuple_GetItem(result.Handle, 0).Handle);
                string stack = PyStr.ToStringOrEmpty(CPython.PyTuple_GetItem(result.Handle, 1).Handle);
                records.Add($"Request timeout ({_options.RequestTimeout} s): {Describe(conn, name)} (the event loop is blocked)\n{stack.TrimEnd('\n')}");
            }
            if (!conn.ResponseStarted)
            {
                try
                {
                    ErrorResponse(conn, DeadlineStatus, DeadlineReason, "");
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or ObjectDisposedException or OperationCanceledException)
                {
                    // The client is gone: nothing to deliver, but Kestrel still gets the request back.
                }
                conn.Complete();
            }
        }
        return records;
    }

    /// <summary>A (connection id or 0, task name, ...) tuple from abort_report as "task NAME serving GET /x for 1.0 s" (or "task NAME" for a task of no request).</summary>
    private string TaskDescription(nint tuple)
    {
        long id = CPython.PyLong_AsLongLong(CPython.PyTuple_GetItem(tuple, 0).Handle);
        string name = PyStr.ToStringOrEmpty(CPython.PyTuple_GetItem(tuple, 1).Handle);
        return id != 0 && _connections.TryGetValue(id, out AsgiConnection? conn) ? Describe(conn, name) : "task " + name;
    }

    private async Task SendFileAsync(AsgiConnection conn, string path)
    {
        try
        {
            long length = new FileInfo(path).Length;
            if (BodyAllowed(conn))
            {
                await conn.Body.SendFileAsync(path, 0, null, CancellationToken.None).ConfigureAwait(false);
                conn.BytesSent += length;
            }
            conn.Complete();
            Post(new AsgiEvent(AsgiEventKind.IoDone, conn));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException or InvalidOperationException)
        {
            _log.Error($"http.response.pathsend failed for {path}: {e.Message}");
            conn.Lifetime.Abort();
            conn.Complete();
            Post(new AsgiEvent(AsgiEventKind.Disconnect, conn));
        }
    }
}
