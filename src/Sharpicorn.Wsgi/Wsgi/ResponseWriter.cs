// Design notes
// ------------
// Runs on a request's Python thread with the GIL held. Writing into Kestrel's PipeWriter only
// copies into pooled buffers; the two calls that can wait on the client, the first
// StartAsync and a FlushAsync the client has not drained, run inside `using (thread.Detach())`
// so other Python threads keep running meanwhile. Both usually complete synchronously, and
// then the GIL is never dropped.
//
// That flush is the backpressure, on HTTP/1.1 and HTTP/2 alike. On HTTP/2, Kestrel keeps a
// stream's unsent bytes in the stream's own buffer and sends them only within the client's
// flow-control window; a flush with bytes pending completes once they are out. So a client
// that reads slowly, or not at all, stalls its own request's thread at its next flush (about a
// window plus FlushThreshold buffered, never the whole body), and no other stream.
using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Sharpicorn.Platform;
using Sharpicorn.Python;

namespace Sharpicorn.Wsgi;

/// <summary>The response side of one Python thread: the head, the body bytes and the flushes.</summary>
internal sealed class ResponseWriter(PythonThread thread, PythonWorkerPool pool)
{
    /// <summary>Flush at least this often so a big body streams instead of piling up in the pipe (Kestrel's MaxResponseBufferSize default, 64 KiB).</summary>
    internal const int FlushThreshold = 64 * 1024;

    /// <summary>
    /// The most of one chunk copied into one pipe segment. Large segments are much cheaper than
    /// Kestrel's 4 KiB pooled blocks: one iovec per send instead of 256 per MiB. Measured on the
    /// 1 MiB response (-w 2 --threads 4, server CPU per request): 4 KiB blocks 626-788 µs,
    /// 64 KiB 796-851, 256 KiB 346-730, 1 MiB 290-480. The pipe rents a segment this large from
    /// ArrayPool, so a worker keeps at most a few such arrays per thread.
    /// </summary>
    private const int CopySlice = 1024 * 1024;

    /// <summary>Commits the head that start_response stored: status, the app's headers and the decisions of <see cref="ResponseHead.Decide"/>.</summary>
    public void SendHeaders(WsgiRequest req)
    {
        if (!req.Claim.TryCommit())
        {
            // --request-timeout answered first: the client has its 504; the app's output goes nowhere.
            req.Failure = WsgiFailure.TimedOut;
            return;
        }
        ResponseHead head = ResponseHead.Decide(req.Start, req.Request.Method, req.Request.Protocol, pool.Draining);
        IHttpResponseFeature response = req.Response;
        response.StatusCode = head.StatusCode;
        if (head.ReasonPhrase is not null)
        {
            response.ReasonPhrase = head.ReasonPhrase;
        }
        var headers = response.Headers;
        foreach ((string name, string value) in req.Headers)
        {
            headers[name] = headers.TryGetValue(name, out StringValues existing) ? StringValues.Concat(existing, value) : new StringValues(value);
        }
        if (head.AddServerHeader)
        {
            headers["Server"] = ResponseHead.ServerName;
        }
        if (head.ContentLength is long cl)
        {
            headers.ContentLength = cl;
        }
        if (head.ConnectionClose)
        {
            if (!WsgiRequest.IsHttp2(req.Request.Protocol))
            {
                // Draining: the client reconnects, to a worker that is staying.
                headers.Connection = "close";
            }
            else if (pool.Draining)
            {
                // HTTP/2 has no Connection header (RFC 9113 8.2.2; Kestrel would strip it and warn):
                // a GOAWAY tells the client to open its next streams elsewhere.
                req.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
            }
        }
        req.Head = head;
        req.LoggedStatus = head.StatusCode;
        req.Progress = ResponseProgress.HeadersSent;
        if (head.BodyAllowed)
        {
            // Kestrel's body writer hands out buffers only once the response has started.
            Task start = req.Body.StartAsync();
            if (!start.IsCompletedSuccessfully)
            {
                using (thread.Detach())
                {
                    try
                    {
                        ParkingWait.Wait(start);
                    }
                    catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
                    {
                        req.Failure = WsgiFailure.ClientDisconnected;
                    }
                }
            }
        }
    }

    /// <summary>Writes body bytes (headers first if they are not out yet), within the declared length; flushes when asked or when enough is pending.</summary>
    public void WriteBody(WsgiRequest req, ReadOnlySpan<byte> data, bool flush)
    {
        if (req.Progress != ResponseProgress.HeadersSent)
        {
            SendHeaders(req);
        }
        if (!req.Head.BodyAllowed || req.OutputStopped)
        {
            return;
        }
        if (req.Head.BodyLimit is long limit)
        {
            // gunicorn sends no more than the Content-Length the app declared.
            long remaining = limit - req.BytesSent;
            if (remaining <= 0)
            {
                return;
            }
            if (data.Length > remaining)
            {
                data = data[..(int)remaining];
            }
        }
        if (req.Lifetime.RequestAborted.IsCancellationRequested)
        {
            // Kestrel aborted the output (the client reset the connection): its writer hands out
            // no more buffers, so the bytes go nowhere and the client never sees them.
            req.Failure = WsgiFailure.ClientDisconnected;
            return;
        }
        PipeWriter writer = req.Body.Writer;
        while (!data.IsEmpty)
        {
            int n;
            try
            {
                // Always a hint: GetSpan() without one made a 1 MiB body take 4 s here.
                Span<byte> block = writer.GetSpan(Math.Min(data.Length, CopySlice));
                if (block.IsEmpty)
                {
                    // An aborted response writer hands out an empty span.
                    req.Failure = WsgiFailure.ClientDisconnected;
                    return;
                }
                n = Math.Min(data.Length, block.Length);
                data[..n].CopyTo(block);
                writer.Advance(n);
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or IOException)
            {
                // The abort raced this write (it happens on Kestrel's transport thread).
                req.Failure = WsgiFailure.ClientDisconnected;
                return;
            }
            data = data[n..];
            req.BytesSent += n;
            req.UnflushedBytes += n;
            if ((req.UnflushedBytes >= FlushThreshold || (flush && data.IsEmpty)) && !Flush(req))
            {
                return;
            }
        }
    }

    /// <summary>Flushes what a big list response left in the pipe; smaller remainders go out when Kestrel completes the response.</summary>
    public void FlushPending(WsgiRequest req)
    {
        if (req.UnflushedBytes >= FlushThreshold)
        {
            Flush(req);
        }
    }

    /// <summary>Flushes to the client, releasing the GIL if the client has not drained yet. False once it is gone.</summary>
    public bool Flush(WsgiRequest req)
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
            using (thread.Detach())
            {
                try
                {
                    result = ParkingWait.Wait(pending);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
                {
                    result = new FlushResult(isCanceled: false, isCompleted: true);
                }
            }
        }
        if (result.IsCompleted || result.IsCanceled || req.Lifetime.RequestAborted.IsCancellationRequested)
        {
            if (req.Failure == WsgiFailure.None)
            {
                req.Failure = WsgiFailure.ClientDisconnected;
            }
            return false;
        }
        return true;
    }
}
