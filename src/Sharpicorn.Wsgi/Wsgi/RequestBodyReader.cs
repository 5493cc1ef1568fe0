// Design notes
// ------------
// wsgi.input's native source, _recv(ticket, n), called by the InputStream class of the support
// module with the GIL held. Bytes that Kestrel already has are copied straight into a new bytes
// object; when it has none yet, the wait runs inside `using (thread.Detach())`, so a slow
// upload never holds the GIL. Nothing is buffered here: the Python side buffers only what a
// readline() needs.
//
// Until the app's response starts, --request-timeout may take the request away (ResponseClaim):
// every read enters and leaves Kestrel's features through the claim, and a read that the
// deadline cancelled answers the 504 itself while still without the GIL, then raises OSError
// into the app, which no longer has a client.
using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using Sharpicorn.Platform;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Wsgi;

/// <summary>The request body side of one Python thread.</summary>
internal sealed class RequestBodyReader(PythonThread thread, PythonWorkerPool pool)
{
    /// <summary>Set when a read the deadline cancelled has already left the features (this thread's only).</summary>
    private bool _handedOver;

    /// <summary>Up to <paramref name="size"/> bytes of the body, b"" at its end; null with a Python IOError set on a failed read.</summary>
    public OwnedRef Read(WsgiRequest req, long size)
    {
        _handedOver = false;
        if (req.Claim.IsCommitted)
        {
            // The response is the app's: the deadline no longer answers, nothing to guard.
            return ReadCore(req, size, gated: false);
        }
        // Published before entering, so a deadline that sees this thread inside can cancel its wait.
        req.BodyReaderInUse = req.Features.GetRequiredFeature<IRequestBodyPipeFeature>().Reader;
        if (!req.Claim.Enter())
        {
            return TimedOut();
        }
        OwnedRef bytes = default;
        try
        {
            bytes = ReadCore(req, size, gated: true);
        }
        finally
        {
            if (!_handedOver && !req.Claim.Exit())
            {
                // The deadline came while this thread was inside but not waiting: the features are
                // still this thread's, so it answers the 504 itself.
                DeadlineAnswer.Send(req, pool.Settings.AccessLog);
            }
        }
        if (req.Claim.IsClaimed)
        {
            bytes.Dispose();
            CPython.PyErr_Clear();
            return TimedOut();
        }
        return bytes;
    }

    /// <summary>The app's view once the deadline answered: its client has its 504, the body is gone.</summary>
    private static OwnedRef TimedOut()
    {
        PyStr.SetError(CPython.PyExc_OSError, "request timed out: the server answered 504");
        return default;
    }

    private OwnedRef ReadCore(WsgiRequest req, long size, bool gated)
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
                        rr = ParkingWait.Wait(pending);
                    }
                    catch (Exception e)
                    {
                        error = e;
                    }
                    if (gated && req.Claim.IsClaimed)
                    {
                        // The deadline cancelled this wait: give the read back and answer the 504
                        // here, without the GIL, which another thread may hold for a long time.
                        if (error is null)
                        {
                            reader.AdvanceTo(rr.Buffer.Start);
                        }
                        _handedOver = true;
                        if (!req.Claim.Exit())
                        {
                            DeadlineAnswer.Send(req, pool.Settings.AccessLog);
                        }
                    }
                }
                if (_handedOver)
                {
                    return default;
                }
                if (error is not null)
                {
                    req.BodyError = error;
                    PyStr.SetError(CPython.PyExc_OSError, error.Message);
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
                        PyStr.SetError(CPython.PyExc_OSError, $"Invalid HTTP header name: '{field}' is not allowed in chunked trailers");
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
            Protocol.RequestCounters.Process.AddBytesIn(take);
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
