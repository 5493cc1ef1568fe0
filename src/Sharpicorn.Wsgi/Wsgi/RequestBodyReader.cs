// Design notes
// ------------
// wsgi.input's native source, _recv(ticket, n), called by the InputStream class of the support
// module with the GIL held. Bytes that Kestrel already has are copied straight into a new bytes
// object; when it has none yet, the wait runs inside `using (thread.Detach())`, so a slow
// upload never holds the GIL. Nothing is buffered here: the Python side buffers only what a
// readline() needs.
using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Wsgi;

/// <summary>The request body side of one Python thread.</summary>
internal sealed class RequestBodyReader(PythonThread thread)
{
    /// <summary>Up to <paramref name="size"/> bytes of the body, b"" at its end; null with a Python IOError set on a failed read.</summary>
    public OwnedRef Read(WsgiRequest req, long size)
    {
        if (req.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return CPython.PyBytes_FromStringAndSize([]);
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
                using (thread.Detach())
                {
                    try
                    {
                        rr = pending.AsTask().GetAwaiter().GetResult();
                    }
                    catch (Exception e)
                    {
                        error = e;
                    }
                }
                if (error is not null)
                {
                    req.BodyError = error;
                    PyStr.SetError(CPython.PyExc_IOError, error.Message);
                    return default;
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
                        return default;
                    }
                    return CPython.PyBytes_FromStringAndSize([]);
                }
                continue;
            }
            int take = (int)Math.Min(Math.Min(size, buffer.Length), int.MaxValue);
            OwnedRef bytes = CPython.PyBytes_FromSize(take, out Span<byte> dest);
            if (bytes.IsNull)
            {
                reader.AdvanceTo(buffer.Start);
                return default;
            }
            buffer.Slice(0, take).CopyTo(dest);
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
