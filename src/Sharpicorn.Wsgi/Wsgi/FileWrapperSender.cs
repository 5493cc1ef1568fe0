// Design notes
// ------------
// Runs on a request's Python thread with the GIL held. The file's fd, offset and length come
// from the support module's _file_span (GIL held); each block is then read with pread straight
// into a buffer Kestrel's PipeWriter lends, inside `using (thread.Detach())`, and flushed by the
// ResponseWriter (which detaches again if the client has not drained). No Python object is
// made per block, and the GIL is never held across a disk read.
using System.IO.Pipelines;
using Microsoft.Win32.SafeHandles;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Wsgi;

/// <summary>
/// wsgi.file_wrapper over a regular file: the bytes go from the file descriptor into Kestrel's
/// pooled buffers with the GIL released, no Python object per block. Anything else wrapped
/// (a BytesIO, a pipe) is iterated like any other response.
/// </summary>
internal sealed class FileWrapperSender(PythonThread thread, WsgiApp app, ResponseWriter writer)
{
    /// <summary>Sends <paramref name="result"/> if it wraps a regular file (GIL held); false to iterate it instead.</summary>
    public bool TrySend(WsgiRequest req, nint result)
    {
        if (CPython.PyObject_IsInstance(result, app.FileWrapperType) != 1)
        {
            CPython.PyErr_Clear();
            return false;
        }
        using OwnedRef span = PyCall.One(app.FileSpan, result);
        if (span.IsNull)
        {
            PythonException.ThrowPending();
        }
        if (span.Handle == CPython.Py_None)
        {
            return false;
        }
        int fd = (int)CPython.PyLong_AsLongLong(CPython.PyTuple_GetItem(span.Handle, 0).Handle);
        long offset = CPython.PyLong_AsLongLong(CPython.PyTuple_GetItem(span.Handle, 1).Handle);
        long length = CPython.PyLong_AsLongLong(CPython.PyTuple_GetItem(span.Handle, 2).Handle);
        if (req.Progress == ResponseProgress.NotStarted)
        {
            throw new PythonException("AssertionError", "response body before start_response()", "AssertionError: the application returned a file before calling start_response()\n");
        }
        writer.SendHeaders(req);
        if (!req.Head.BodyAllowed)
        {
            return true;
        }
        if (req.Head.BodyLimit is long limit)
        {
            length = Math.Min(length, limit);
        }
        using var handle = new SafeFileHandle(fd, ownsHandle: false);
        PipeWriter pipe = req.Body.Writer;
        while (length > 0 && !req.OutputStopped)
        {
            Span<byte> buffer = pipe.GetSpan((int)Math.Min(length, ResponseWriter.FlushThreshold));
            if (buffer.Length > length)
            {
                buffer = buffer[..(int)length];
            }
            int read;
            using (thread.Detach())
            {
                read = RandomAccess.Read(handle, buffer, offset);
            }
            if (read <= 0)
            {
                break;
            }
            pipe.Advance(read);
            offset += read;
            length -= read;
            req.BytesSent += read;
            req.UnflushedBytes += read;
            if (!writer.Flush(req))
            {
                break;
            }
        }
        return true;
    }
}
