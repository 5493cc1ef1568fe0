using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Win32.SafeHandles;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Wsgi;

/// <summary>Running one request: the PEP 3333 call and the response it produces (GIL held throughout).</summary>
internal sealed unsafe partial class PythonWorker
{
    /// <summary>Flush at least this often so a big body streams instead of piling up in the pipe (Kestrel's MaxResponseBufferSize default, 64 KiB).</summary>
    private const int FlushThreshold = 64 * 1024;

    /// <summary>Slice size for copying one large chunk into the pipe between flushes.</summary>
    private const int CopySlice = 256 * 1024;

    private void Execute(WsgiRequest req)
    {
        try
        {
            // The request's ticket (slot and sequence) is the `self` of its start_response and
            // write, and what its wsgi.input reads with: a callable or stream an app kept from an
            // earlier request is refused instead of touching this one.
            long sequence = Interlocked.Increment(ref _sequence);
            using var ticket = new OwnedRef(CPython.PyLong_FromLongLong((sequence << SlotBits) | (long)Slot)).OrThrow();
            using var startResponse = new OwnedRef(CPython.PyCFunction_NewEx(WsgiNative.StartResponseDef, ticket.Handle, 0)).OrThrow();
            using OwnedRef input = PyCall.One(_pool.App.InputStreamType, ticket.Handle).OrThrow();
            using OwnedRef environ = _environ!.Build(req, input.Handle);
            OwnedRef result = PyCall.Two(_pool.App.Callable, environ.Handle, startResponse.Handle);
            if (result.IsNull)
            {
                Fail(req, PythonException.FetchPending());
                return;
            }
            using (result)
            {
                Drive(req, result.Handle);
            }
            if (!req.HeadersSent && !req.ClientGone)
            {
                if (!req.StartResponseCalled)
                {
                    Fail(req, new PythonException("AssertionError", "the application returned without calling start_response()", "AssertionError: the application returned without calling start_response()\n"));
                    return;
                }
                SendHeaders(req);
            }
            FlushPending(req);
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
                for (nint i = 0; i < n && !req.ClientGone; i++)
                {
                    nint item = list ? CPython.PyList_GetItem(result, i) : CPython.PyTuple_GetItem(result, i);
                    WriteChunk(req, item, flush: false);
                }
            }
            else if (!TryServeFile(req, result))
            {
                using var iterator = new OwnedRef(CPython.PyObject_GetIter(result)).OrThrow();
                while (!req.ClientGone)
                {
                    using var item = new OwnedRef(CPython.PyIter_Next(iterator.Handle));
                    if (item.IsNull)
                    {
                        if (CPython.PyErr_Occurred() != 0)
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
            using var close = PyStr.GetAttr(result, "close");
            if (close.IsNull)
            {
                CPython.PyErr_Clear();
            }
            else
            {
                using var closed = new OwnedRef(CPython.PyObject_CallNoArgs(close.Handle));
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
        byte* data;
        nint length;
        CPython.PyBytes_AsStringAndSize(item, &data, &length);
        if (length == 0)
        {
            return;
        }
        if (!req.StartResponseCalled)
        {
            throw new PythonException("AssertionError", "response body before start_response()", "AssertionError: the application sent a body before calling start_response()\n");
        }
        WriteBody(req, new ReadOnlySpan<byte>(data, (int)length), flush);
    }

    private void WriteBody(WsgiRequest req, ReadOnlySpan<byte> data, bool flush)
    {
        if (!req.HeadersSent)
        {
            SendHeaders(req);
        }
        if (!req.BodyAllowed || req.ClientGone)
        {
            return;
        }
        if (req.ContentLength is long cl)
        {
            // gunicorn sends no more than the Content-Length the app declared.
            long remaining = cl - req.BytesSent;
            if (remaining <= 0)
            {
                return;
            }
            if (data.Length > remaining)
            {
                data = data[..(int)remaining];
            }
        }
        PipeWriter writer = req.Body.Writer;
        while (!data.IsEmpty)
        {
            int n = Math.Min(data.Length, CopySlice);
            writer.Write(data[..n]);
            data = data[n..];
            req.BytesSent += n;
            req.UnflushedBytes += n;
            if ((req.UnflushedBytes >= FlushThreshold || (flush && data.IsEmpty)) && !Flush(req))
            {
                return;
            }
        }
    }

    private void FlushPending(WsgiRequest req)
    {
        if (req.UnflushedBytes >= FlushThreshold)
        {
            Flush(req);
        }
    }

    /// <summary>Flushes to the client, releasing the GIL if the client has not drained yet. False once it is gone.</summary>
    private bool Flush(WsgiRequest req)
    {
        req.UnflushedBytes = 0;
        req.LastActivityTick = Environment.TickCount64;
        ValueTask<FlushResult> pending = req.Body.Writer.FlushAsync();
        FlushResult result;
        if (pending.IsCompletedSuccessfully)
        {
            result = pending.Result;
        }
        else
        {
            _python.Release();
            try
            {
                result = pending.AsTask().GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
            {
                result = new FlushResult(isCanceled: false, isCompleted: true);
            }
            finally
            {
                _python.Reacquire();
            }
        }
        if (result.IsCompleted || result.IsCanceled || req.Lifetime.RequestAborted.IsCancellationRequested)
        {
            req.ClientGone = true;
            return false;
        }
        return true;
    }

    private void SendHeaders(WsgiRequest req)
    {
        IHttpResponseFeature response = req.Response;
        response.StatusCode = req.StatusCode;
        string? reason = req.ReasonPhrase;
        if (reason is not null && reason != ReasonPhrases.GetReasonPhrase(req.StatusCode))
        {
            response.ReasonPhrase = reason;
        }
        var headers = response.Headers;
        bool server = false;
        foreach ((string name, string value) in req.Headers)
        {
            server |= string.Equals(name, "Server", StringComparison.OrdinalIgnoreCase);
            headers[name] = headers.TryGetValue(name, out StringValues existing) ? StringValues.Concat(existing, value) : new StringValues(value);
        }
        if (!server)
        {
            headers["Server"] = "sharpicorn";
        }
        // A 2xx answer to CONNECT opens a tunnel and must not carry Content-Length (RFC 9110
        // 9.3.6); Kestrel refuses one. The declared length still bounds what is written.
        bool tunnel = req.StatusCode is >= 200 and < 300 && string.Equals(req.Request.Method, "CONNECT", StringComparison.Ordinal);
        if (req.ContentLength is long cl && !tunnel)
        {
            headers.ContentLength = cl;
        }
        if (req.CloseConnection || _pool.Draining)
        {
            // Draining: the client reconnects, to a worker that is staying.
            headers.Connection = "close";
        }
        int status = req.StatusCode;
        req.BodyAllowed = status >= 200 && status != 204 && status != 304
            && !string.Equals(req.Request.Method, "HEAD", StringComparison.OrdinalIgnoreCase);
        req.LoggedStatus = status;
        req.HeadersSent = true;
        if (req.BodyAllowed)
        {
            // Kestrel's body writer hands out buffers only once the response has started.
            Task start = req.Body.StartAsync();
            if (!start.IsCompletedSuccessfully)
            {
                _python.Release();
                try
                {
                    start.GetAwaiter().GetResult();
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
                {
                    req.ClientGone = true;
                }
                finally
                {
                    _python.Reacquire();
                }
            }
        }
    }

    /// <summary>
    /// An app error: gunicorn's "Error handling request" with the traceback, then a 500 if
    /// nothing was sent yet, or an aborted connection if the headers already went out.
    /// </summary>
    private static void Fail(WsgiRequest req, PythonException e)
    {
        if (req.TimedOut && !req.HeadersSent)
        {
            // --request-timeout interrupted the app; its stack was logged when it fired.
            Settings.ErrorLog?.Error($"Request timed out: {req.Request.Method} {req.Request.RawTarget}\n{e.Traceback.TrimEnd('\n')}");
            ErrorPage.Write(req, 504, "Gateway Timeout", "");
            return;
        }
        if (req.BodyError is BadHttpRequestException bad && !req.HeadersSent)
        {
            // The body was malformed (bad chunking, too large): the client's fault, as gunicorn
            // answers it, even though the app saw it first as an exception from wsgi.input.
            Settings.ErrorLog?.Debug($"Invalid request from ip={req.Connection.RemoteIpAddress}: {bad.Message}");
            ErrorPage.Write(req, bad.StatusCode, ReasonPhrases.GetReasonPhrase(bad.StatusCode), bad.Message);
            return;
        }
        Settings.ErrorLog?.Error($"Error handling request {req.Request.RawTarget}\n{e.Traceback.TrimEnd('\n')}");
        if (req.HeadersSent)
        {
            // Too late for a 500: end the connection without completing the body, so the client
            // can tell (no final chunk, or fewer bytes than Content-Length).
            req.ClientGone = true;
            req.AbortAfterStart = true;
            return;
        }
        ErrorPage.Write(req, 500, "Internal Server Error", "");
    }

    /// <summary>
    /// wsgi.file_wrapper over a regular file: the bytes go from the file descriptor into
    /// Kestrel's pooled buffers with the GIL released, no Python object per block.
    /// </summary>
    private bool TryServeFile(WsgiRequest req, nint result)
    {
        if (CPython.PyObject_IsInstance(result, _pool.App.FileWrapperType) != 1)
        {
            CPython.PyErr_Clear();
            return false;
        }
        using OwnedRef span = PyCall.One(_pool.App.FileSpan, result);
        if (span.IsNull)
        {
            PythonException.ThrowPending();
        }
        if (span.Handle == CPython.Py_None)
        {
            return false;
        }
        int fd = (int)CPython.PyLong_AsLongLong(CPython.PyTuple_GetItem(span.Handle, 0));
        long offset = CPython.PyLong_AsLongLong(CPython.PyTuple_GetItem(span.Handle, 1));
        long length = CPython.PyLong_AsLongLong(CPython.PyTuple_GetItem(span.Handle, 2));
        if (!req.StartResponseCalled)
        {
            throw new PythonException("AssertionError", "response body before start_response()", "AssertionError: the application returned a file before calling start_response()\n");
        }
        SendHeaders(req);
        if (!req.BodyAllowed)
        {
            return true;
        }
        if (req.ContentLength is long cl)
        {
            length = Math.Min(length, cl);
        }
        using var handle = new SafeFileHandle(fd, ownsHandle: false);
        PipeWriter writer = req.Body.Writer;
        while (length > 0 && !req.ClientGone)
        {
            Span<byte> buffer = writer.GetSpan((int)Math.Min(length, FlushThreshold));
            if (buffer.Length > length)
            {
                buffer = buffer[..(int)length];
            }
            _python.Release();
            int read;
            try
            {
                read = RandomAccess.Read(handle, buffer, offset);
            }
            finally
            {
                _python.Reacquire();
            }
            if (read <= 0)
            {
                break;
            }
            writer.Advance(read);
            offset += read;
            length -= read;
            req.BytesSent += read;
            req.UnflushedBytes += read;
            if (!Flush(req))
            {
                break;
            }
        }
        return true;
    }

    /// <summary>wsgi.input's source: up to <paramref name="size"/> bytes, b"" at the end of the body.</summary>
    internal nint ReadBody(long size)
    {
        WsgiRequest req = Current!;
        if (req.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return CPython.PyBytes_FromStringAndSize(null, 0);
        }
        PipeReader reader = req.Features.GetRequiredFeature<IRequestBodyPipeFeature>().Reader;
        while (true)
        {
            ReadResult rr;
            ValueTask<ReadResult> pending = reader.ReadAsync();
            if (pending.IsCompletedSuccessfully)
            {
                rr = pending.Result;
            }
            else
            {
                Exception? error = null;
                rr = default;
                _python.Release();
                try
                {
                    rr = pending.AsTask().GetAwaiter().GetResult();
                }
                catch (Exception e)
                {
                    error = e;
                }
                finally
                {
                    _python.Reacquire();
                }
                if (error is not null)
                {
                    req.BodyError = error;
                    PyStr.SetError(CPython.PyExc_IOError, error.Message);
                    return 0;
                }
            }
            req.LastActivityTick = Environment.TickCount64;
            ReadOnlySequence<byte> buffer = rr.Buffer;
            if (buffer.IsEmpty)
            {
                reader.AdvanceTo(buffer.End);
                if (rr.IsCompleted || rr.IsCanceled)
                {
                    if (ForbiddenTrailer(req) is string field)
                    {
                        PyStr.SetError(CPython.PyExc_IOError, $"Invalid HTTP header name: '{field}' is not allowed in chunked trailers");
                        return 0;
                    }
                    return CPython.PyBytes_FromStringAndSize(null, 0);
                }
                continue;
            }
            int take = (int)Math.Min(Math.Min(size, buffer.Length), int.MaxValue);
            nint bytes = CPython.PyBytes_FromStringAndSize(null, take);
            if (bytes == 0)
            {
                reader.AdvanceTo(buffer.Start);
                return 0;
            }
            byte* dest;
            nint destLength;
            CPython.PyBytes_AsStringAndSize(bytes, &dest, &destLength);
            buffer.Slice(0, take).CopyTo(new Span<byte>(dest, take));
            reader.AdvanceTo(buffer.GetPosition(take));
            return bytes;
        }
    }

    /// <summary>RFC 9110 section 6.5.1: framing and routing fields must not arrive as trailers (gunicorn rejects them).</summary>
    private static string? ForbiddenTrailer(WsgiRequest req)
    {
        if (req.Features.Get<IHttpRequestTrailersFeature>() is not { Available: true } trailers)
        {
            return null;
        }
        foreach (string name in trailers.Trailers.Keys)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Trailer", StringComparison.OrdinalIgnoreCase))
            {
                return name.ToUpperInvariant();
            }
        }
        return null;
    }
}
