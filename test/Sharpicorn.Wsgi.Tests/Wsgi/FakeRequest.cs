using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Tests.Wsgi;

/// <summary>
/// The request features Kestrel would hand over, with a scripted body and a response captured in
/// memory: the WSGI layer sees only features, so this is all it needs to run in-process.
/// </summary>
internal sealed class FakeRequest
{
    private readonly MemoryStream _written = new();
    private readonly PipeWriter _writer;

    public FakeRequest(string method, string target, IReadOnlyList<byte[]> bodyChunks, bool asyncReads = false, params (string Name, string Value)[] headers)
        : this(method, target, bodyChunks, asyncReads, FlushMode.Immediate, headers)
    {
    }

    public FakeRequest(string method, string target, IReadOnlyList<byte[]> bodyChunks, bool asyncReads, FlushMode flushMode, params (string Name, string Value)[] headers)
    {
        Body = new ScriptedBodyReader(bodyChunks, asyncReads);
        var request = new HttpRequestFeature
        {
            Method = method,
            RawTarget = target,
            Path = target,
            Protocol = "HTTP/1.1",
            Scheme = "http",
        };
        request.Headers.Host = "test.local";
        foreach ((string name, string value) in headers)
        {
            request.Headers.Append(name, value);
        }
        Response = new HttpResponseFeature();
        Features.Set<IHttpRequestFeature>(request);
        Features.Set<IHttpResponseFeature>(Response);
        _writer = PipeWriter.Create(_written, new StreamPipeWriterOptions(leaveOpen: true));
        Features.Set<IHttpResponseBodyFeature>(new CapturedBody(flushMode == FlushMode.Immediate ? _writer : new ScriptedFlushWriter(_writer, flushMode)));
        Features.Set<IHttpConnectionFeature>(new HttpConnectionFeature
        {
            LocalIpAddress = IPAddress.Loopback,
            LocalPort = 8000,
            RemoteIpAddress = IPAddress.Loopback,
            RemotePort = 40000,
        });
        Features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature());
        Features.Set<IRequestBodyPipeFeature>(new BodyPipe(Body));
        Request = new WsgiRequest(Features);
    }

    public FeatureCollection Features { get; } = new();

    public HttpResponseFeature Response { get; }

    public ScriptedBodyReader Body { get; }

    public WsgiRequest Request { get; }

    /// <summary>The body bytes the worker wrote, once the request completed (Kestrel flushes what is left at the end, and so does this).</summary>
    public byte[] BodyBytes
    {
        get
        {
            _writer.FlushAsync().AsTask().GetAwaiter().GetResult();
            return _written.ToArray();
        }
    }

    /// <summary>Status, headers in order, a blank line and the body: everything the server would send, minus Kestrel's framing.</summary>
    public string Rendered()
    {
        var sb = new StringBuilder();
        sb.Append(Response.StatusCode).Append(' ').Append(Response.ReasonPhrase ?? ReasonPhrases.GetReasonPhrase(Response.StatusCode)).Append('\n');
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> h in Response.Headers)
        {
            foreach (string? v in h.Value)
            {
                sb.Append(h.Key).Append(": ").Append(v).Append('\n');
            }
        }
        sb.Append('\n').Append(Encoding.Latin1.GetString(BodyBytes));
        return sb.ToString();
    }

    /// <summary>How the response writer's flushes complete.</summary>
    internal enum FlushMode
    {
        /// <summary>At once, as when the client keeps up.</summary>
        Immediate,

        /// <summary>Later, on the thread pool, as when the client has not drained yet.</summary>
        Later,

        /// <summary>Completed: the client is gone.</summary>
        ClientGone,
    }

    /// <summary>A writer whose flushes complete as the test says, over the capturing writer.</summary>
    private sealed class ScriptedFlushWriter(PipeWriter inner, FlushMode mode) : PipeWriter
    {
        public override void Advance(int bytes) => inner.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            if (mode == FlushMode.ClientGone)
            {
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
            }
            return new ValueTask<FlushResult>(Task.Run(async () => await inner.FlushAsync(cancellationToken), cancellationToken));
        }
    }

    private sealed class BodyPipe(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader { get; } = reader;
    }

    private sealed class CapturedBody(PipeWriter writer) : IHttpResponseBodyFeature
    {
        public Stream Stream => throw new NotSupportedException("the WSGI layer writes through the PipeWriter");

        public PipeWriter Writer { get; } = writer;

        public bool Started { get; private set; }

        public Task CompleteAsync() => Writer.CompleteAsync().AsTask();

        public void DisableBuffering()
        {
        }

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task StartAsync(CancellationToken cancellationToken = default)
        {
            Started = true;
            return Task.CompletedTask;
        }
    }
}
