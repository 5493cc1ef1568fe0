// Design notes
// ------------
// RFC 9110 8.6 allows only 1*DIGIT in Content-Length; gunicorn 22+ rejects anything else.
// Kestrel parses the value with Utf8Parser, which also takes a sign ("+5", "-0") and some
// leading control whitespace, and then keeps only the number: IHttpRequestFeature.Headers
// formats it back as digits, so RequestChecks can never see the raw bytes. A proxy that reads
// "+5" differently (as invalid, or as a different length) would frame the stream differently
// from us: request smuggling.
//
// The raw bytes are still visible to the transport's PipeReader, which this class wraps. It does
// not parse HTTP: it cuts what it reads into lines at '\n' (Kestrel refuses bare LF, so every
// header line ends in CRLF), notes every "Content-Length:" line whose value is not OWS 1*DIGIT
// OWS (a suspect), and notes where each block of lines ends (an empty line). It keeps absolute
// stream offsets, and follows Kestrel's AdvanceTo calls to know how much Kestrel has consumed.
//
// The verdict is given per request, only for a request Kestrel accepted with a Content-Length
// (CheckContentLength, called before the app sees it). At that moment Kestrel has just consumed
// the request head, so the consumed offset H is the end of this head. A suspect belongs to this
// head exactly when the first empty line after it ends at H and it lies after the end of the
// previous Content-Length body (kept as _bodyEnd):
//   - a suspect in an earlier head ends its block at that earlier head's end, not at H;
//   - one in a chunked body ends its block at the body's last-chunk CRLF CRLF, before H;
//   - one in a Content-Length body is before _bodyEnd, and such bodies are not scanned at all.
// Requests without a Content-Length never call in (a GET costs only the line cut of its head).
//
// HTTP/2 frames are binary and have no text framing to disagree about. A connection whose first
// bytes are the HTTP/2 preface ("PRI * HTTP/2.0\r\n") is never scanned, so a DATA frame that
// happens to hold a "Content-Length: +5" line cannot produce a verdict (h2c connections are
// handed to HTTP/2 before this class sees them, and ALPN h2 ones are not wrapped; this is the
// backstop for any other route).
using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Sharpicorn.Http;

/// <summary>The transport's input as Kestrel reads it, watched for Content-Length values Kestrel would normalise away.</summary>
internal sealed class HeadScanner(PipeReader inner) : PipeReader
{
    private static ReadOnlySpan<byte> ContentLengthName => "content-length:"u8;

    private ReadOnlySequence<byte> _last;

    /// <summary>The stream opened with the HTTP/2 preface: nothing is scanned.</summary>
    private bool _http2;

    /// <summary>Absolute offset of the first byte Kestrel has not consumed (the start of every buffer it is handed).</summary>
    private long _consumed;

    /// <summary>Absolute offset up to which complete lines have been looked at.</summary>
    private long _scanned;

    /// <summary>End of the last Content-Length body: bytes before it are body, never a head.</summary>
    private long _bodyEnd;

    /// <summary>Start of the last suspect line in the block not yet ended, or -1.</summary>
    private long _openSuspect = -1;

    /// <summary>Ended blocks that held a suspect: (end offset, start of their last suspect). Usually empty.</summary>
    private List<(long End, long Suspect)>? _suspectBlocks;

    /// <summary>
    /// For a request Kestrel accepted with Content-Length <paramref name="length"/>, called as
    /// the request is handed over: false when its head's raw Content-Length was not 1*DIGIT.
    /// </summary>
    public bool CheckContentLength(long length)
    {
        long headEnd = _consumed;
        bool valid = true;
        if (_suspectBlocks is { } blocks)
        {
            foreach ((long end, long suspect) in blocks)
            {
                if (end == headEnd && suspect >= _bodyEnd)
                {
                    valid = false;
                }
            }
            blocks.RemoveAll(b => b.End <= headEnd);
        }
        _bodyEnd = headEnd + length;
        return valid;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ValueTask<ReadResult> pending = inner.ReadAsync(cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            ReadResult result = pending.Result;
            Observe(result.Buffer);
            return new ValueTask<ReadResult>(result);
        }
        return ReadSlowAsync(pending);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (inner.TryRead(out result))
        {
            Observe(result.Buffer);
            return true;
        }
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        SequencePosition start = _last.Start;
        // Within one segment (a request head, nearly always) the positions' integers are indexes into it.
        _consumed += ReferenceEquals(consumed.GetObject(), start.GetObject())
            ? consumed.GetInteger() - start.GetInteger()
            : _last.Slice(start, consumed).Length;
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReadSlowAsync(ValueTask<ReadResult> pending)
    {
        ReadResult result = await pending.ConfigureAwait(false);
        Observe(result.Buffer);
        return result;
    }

    /// <summary>Looks at the complete lines of <paramref name="buffer"/> not looked at yet (the buffer starts at <see cref="_consumed"/>).</summary>
    private void Observe(in ReadOnlySequence<byte> buffer)
    {
        _last = buffer;
        if (_http2 || (_scanned == 0 && _consumed == 0 && StartsWithPreface(buffer)))
        {
            _http2 = true;
            return;
        }
        long from = Math.Max(Math.Max(_scanned, _bodyEnd), _consumed);
        long skip = from - _consumed;
        if (skip >= buffer.Length)
        {
            return;
        }
        ReadOnlySequence<byte> rest = buffer.Slice(skip);
        long lineStart = from;
        if (rest.IsSingleSegment)
        {
            ReadOnlySpan<byte> span = rest.FirstSpan;
            int offset = 0;
            while (true)
            {
                int nl = span[offset..].IndexOf((byte)'\n');
                if (nl < 0)
                {
                    break;
                }
                Line(span.Slice(offset, nl), lineStart);
                offset += nl + 1;
                lineStart = from + offset;
            }
        }
        else
        {
            var reader = new SequenceReader<byte>(rest);
            Span<byte> copy = stackalloc byte[128];
            while (reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
            {
                // A Content-Length line is short; only its first 128 bytes are needed to judge it.
                int n = (int)Math.Min(line.Length, copy.Length);
                line.Slice(0, n).CopyTo(copy);
                Line(copy[..n], lineStart, truncated: line.Length > n);
                lineStart = from + reader.Consumed;
            }
        }
        _scanned = lineStart;
    }

    private static bool StartsWithPreface(in ReadOnlySequence<byte> buffer)
    {
        ReadOnlySpan<byte> preface = "PRI * HTTP/2.0\r\n"u8;
        if (buffer.Length < preface.Length)
        {
            return false;
        }
        Span<byte> head = stackalloc byte[16];
        buffer.Slice(0, head.Length).CopyTo(head);
        return head.SequenceEqual(preface);
    }

    /// <summary>One line without its '\n' (a header line still ends in '\r').</summary>
    private void Line(ReadOnlySpan<byte> line, long start, bool truncated = false)
    {
        if (line.Length == 1 && line[0] == (byte)'\r')
        {
            if (_openSuspect >= 0)
            {
                (_suspectBlocks ??= []).Add((start + 2, _openSuspect));
                _openSuspect = -1;
            }
            return;
        }
        if (line.Length > ContentLengthName.Length && (line[0] | 0x20) == 'c'
            && System.Text.Ascii.EqualsIgnoreCase(line[..ContentLengthName.Length], ContentLengthName)
            && (truncated || !IsDigits(line[ContentLengthName.Length..])))
        {
            _openSuspect = start;
        }
    }

    /// <summary>OWS 1*DIGIT OWS CR: the only Content-Length value RFC 9110 allows.</summary>
    private static bool IsDigits(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty || value[^1] != (byte)'\r')
        {
            return false;
        }
        value = value[..^1].Trim(" \t"u8);
        return !value.IsEmpty && value.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0;
    }
}
