using System.Buffers;
using System.IO.Pipelines;

namespace Sharpicorn.Tests.Wsgi;

/// <summary>
/// A request body that arrives in exactly the given chunks: each read that finds nothing left
/// unconsumed gets the next chunk, so a test controls every split the body reader sees. With
/// <c>asynchronous</c> every read that delivers a new chunk completes later on the thread pool,
/// which drives the reader through its GIL-released wait.
/// </summary>
internal sealed class ScriptedBodyReader(IReadOnlyList<byte[]> chunks, bool asynchronous) : PipeReader
{
    private int _next;
    private byte[] _buffer = [];
    private bool _completed;

    public int Reads { get; private set; }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        Reads++;
        bool fresh = false;
        if (_buffer.Length == 0 && _next < chunks.Count)
        {
            _buffer = chunks[_next++];
            fresh = true;
        }
        var result = new ReadResult(new ReadOnlySequence<byte>(_buffer), isCanceled: false, isCompleted: _next == chunks.Count);
        return asynchronous && fresh ? new ValueTask<ReadResult>(Task.Run(() => result, cancellationToken)) : new ValueTask<ReadResult>(result);
    }

    public override bool TryRead(out ReadResult result)
    {
        result = default;
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        long taken = new ReadOnlySequence<byte>(_buffer).Slice(0, consumed).Length;
        _buffer = _buffer[(int)taken..];
    }

    public override void CancelPendingRead()
    {
    }

    public override void Complete(Exception? exception = null) => _completed = true;

    public bool IsCompleteCalled => _completed;
}
