using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Tests.Wsgi;

/// <summary>--request-timeout's 504 written by the deadline, against a real Python thread in-process.</summary>
[Collection("wsgi")]
public sealed class DeadlineAnswerTests(WsgiFixture fixture)
{
    [Fact]
    public void TryAnswer_NothingStarted_504PageAndRequestCompleted()
    {
        var req = new FakeRequest("GET", "/never-run", []);
        Assert.True(DeadlineAnswer.TryAnswer(req.Request, null));
        Assert.True(req.Request.Completion.Task.IsCompletedSuccessfully);
        string rendered = req.Rendered();
        Assert.StartsWith("504 Gateway Timeout\n", rendered, StringComparison.Ordinal);
        Assert.Contains("Connection: close\n", rendered, StringComparison.Ordinal);
        Assert.EndsWith(System.Text.Encoding.Latin1.GetString(ErrorPage.Body("Gateway Timeout", "")), rendered, StringComparison.Ordinal);
        // A second deadline (the monitor's, after the timer's) changes nothing.
        Assert.False(DeadlineAnswer.TryAnswer(req.Request, null));
    }

    [Fact]
    public void TryAnswer_AfterTheAppResponded_TooLateResponseUntouched()
    {
        var req = new FakeRequest("GET", "/status?200+OK", []);
        Assert.True(fixture.Run(req));
        Assert.False(DeadlineAnswer.TryAnswer(req.Request, null));
        Assert.Equal(200, req.Response.StatusCode);
        Assert.Equal("body", System.Text.Encoding.Latin1.GetString(req.BodyBytes));
    }

    [Fact]
    public void TryAnswer_AppWaitingForBody_WaitCancelledAndThePythonThreadAnswers504()
    {
        var req = new FakeRequest("POST", "/read-all", []);
        var body = new NeverArrivingBody();
        req.Features.Set<IRequestBodyPipeFeature>(new BodyFeature(body));
        fixture.Pool.Dispatch(req.Request);
        Assert.True(body.Waiting.Wait(TimeSpan.FromSeconds(30)), "the app never started waiting for the body");

        // The Python thread is inside Kestrel's features: the deadline cannot write over it.
        Assert.True(DeadlineAnswer.TryAnswer(req.Request, null));
        Assert.True(((IAsyncResult)req.Request.Completion.Task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)), "the 504 was never written");
        Assert.Equal(504, req.Response.StatusCode);
        Assert.True(body.Cancelled);
    }

    private sealed class BodyFeature(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader { get; } = reader;
    }

    /// <summary>A body whose bytes never come: a read waits until CancelPendingRead.</summary>
    private sealed class NeverArrivingBody : PipeReader
    {
        private readonly TaskCompletionSource<ReadResult> _read = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ManualResetEventSlim Waiting { get; } = new();

        public bool Cancelled { get; private set; }

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            Waiting.Set();
            return new ValueTask<ReadResult>(_read.Task);
        }

        public override void CancelPendingRead()
        {
            Cancelled = true;
            _read.TrySetResult(new ReadResult(ReadOnlySequence<byte>.Empty, isCanceled: true, isCompleted: false));
        }

        public override bool TryRead(out ReadResult result)
        {
            result = default;
            return false;
        }

        public override void AdvanceTo(SequencePosition consumed)
        {
        }

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }
    }
}
