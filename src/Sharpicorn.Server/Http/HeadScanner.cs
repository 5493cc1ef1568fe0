// Design notes
// ------------
// RFC 9110 8.6 allows only 1*DIGIT in Content-Length; gunicorn 22+ rejects anything else.
// Kestrel parses the value with Utf8Parser, which also takes a sign ("+5", "-0") and some
// leading control whitespace, and then keeps only the number: IHttpRequestFeature.Headers
// formats it back as digits, so RequestChecks can never see the raw bytes. A proxy that reads
// "+5" differently (as invalid, or as a different length) would frame the stream differently
// from us: request smuggling.
//
// Likewise, with both Content-Length and Transfer-Encoding: chunked (the CL.TE smuggling
// shape, which gunicorn 22+ refuses as InvalidHeader('CONTENT-LENGTH')), Kestrel frames the
// body as chunked and drops the Content-Length header, so nothing after it can tell. So every
// Content-Length line is noted too (a "length line"), and a chunked request whose own head held
// one is refused.
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
//
// Request targets. Kestrel rejects a target with a byte >= 0x80 (its RawTarget is ASCII), yet
// curl and scripts send "GET /café" as raw UTF-8, and gunicorn serves it; PEP 3333 wants PATH_INFO
// to be those bytes as latin-1. Kestrel also lets control bytes through in a target, which
// RFC 9112 forbids. So the request line is looked at here, before Kestrel parses it:
//   - bytes >= 0x80 in the target are percent-encoded in a copy of the line that Kestrel is
//     handed instead (RequestTarget's %XX decoding then gives PATH_INFO exactly the raw bytes),
//     and the target as sent is kept for the request (RawTarget restored: RAW_URI, the access
//     log and limit_request_line see the bytes as sent);
//   - a byte < 0x21 or 0x7F in the target marks the request for a 400 with Connection: close.
// Only a request line is touched, never a body, so where the next one starts is tracked: at
// the head's end for a request without a body, after its Content-Length body, and after a
// chunked body once Kestrel's chunked reader reports its trailers complete (an AdvanceTo with
// IHttpRequestTrailersFeature.Available). After an Upgrade request nothing is touched again.
// Kestrel skips CR and LF before a request line; so does this. A Kestrel AdvanceTo into the
// copy is mapped back to the raw stream: Kestrel consumes a start line whole or not at all.
//
// Requests without a Content-Length call in only for the request-line bookkeeping (a GET costs
// the line cut of its head and one scan of its target).
//
// Field lines in arrival order (ASGI workers only, captureFields). Kestrel's header dictionary
// enumerates known headers first and keeps no order across names, while ASGI's scope["headers"]
// is the fields as received. So from the end of a request line that was looked at, every raw
// byte up to the head's empty line is copied as reads go by (Kestrel never consumes past what it
// was handed, so nothing is missed between reads), whatever copy Kestrel itself is handed. OnRequest hands the request an array of exactly those bytes (a head read at
// once is copied straight into it; one read in pieces goes through a buffer the connection keeps):
// the request owns it, and the ASGI loop only reads it, so no pool traffic crosses threads. A head
// that cannot be captured (over the cap) gives none, and the scope falls back to Kestrel's
// dictionary. WSGI workers never capture.
//
// HTTP/2 frames are binary and have no text framing to disagree about. A connection whose first
// bytes are the HTTP/2 preface ("PRI * HTTP/2.0\r\n") is never scanned nor rewritten, so a DATA frame that
// happens to hold a "Content-Length: +5" line cannot produce a verdict (h2c connections are
// handed to HTTP/2 before this class sees them, and ALPN h2 ones are not wrapped; this is the
// backstop for any other route).
using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace Sharpicorn.Http;

/// <summary>The transport's input as Kestrel reads it, watched for Content-Length values Kestrel would normalise away and for request targets it would misjudge.</summary>
internal sealed class HeadScanner(PipeReader inner, HeadRules? rules = null, bool captureFields = false) : PipeReader
{
    /// <summary>A head's field lines beyond this are not captured (Kestrel's own head limit, 32 KiB by default, refuses them first).</summary>
    private const int MaxCapture = 1 << 20;

    /// <summary>The end of a head: the CRLF ending the last field line, then the empty line's.</summary>
    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;

    /// <summary>Field lines are copied for the request (ASGI's arrival order).</summary>
    private readonly bool _capture = captureFields;

    /// <summary>A head's field lines as sent, copied so far when it came in more than one read; kept for the connection's next heads.</summary>
    private byte[]? _fields;

    private int _fieldsLength;

    /// <summary>Absolute offset of the next head byte to capture; -1 when not capturing.</summary>
    private long _captureAt = -1;

    /// <summary>How much of CR LF CR LF the captured bytes end with (a head's end found across reads).</summary>
    private int _endMatch;

    /// <summary>The current head's field lines, exactly, once captured up to its empty line; null before.</summary>
    private byte[]? _captured;

    /// <summary>The field lines of the request last handed over, until <see cref="TakeFieldLines"/>.</summary>
    private byte[]? _handed;

    /// <summary>gunicorn's leniency switches; null when all are off (nothing but targets is ever rewritten).</summary>
    private readonly HeadRules? _rules = rules;

    /// <summary>The current request's method as sent, when Kestrel was handed it upper-cased (casefold_http_method).</summary>
    private string? _rawMethod;

    /// <summary>The current request's version as sent, when Kestrel was handed HTTP/1.0 or 1.1 instead (permit_unconventional_http_version).</summary>
    private string? _rawVersion;

    /// <summary>A folded field of the current head was longer, as sent, than limit_request_field_size.</summary>
    private bool _foldTooLarge;

    /// <summary>The current head's request line was looked at and its header lines may need rewriting (strip_header_spaces, permit_obsolete_folding).</summary>
    private bool _headerStage;

    /// <summary>What <see cref="_view"/> holds: a request line, a head's header lines, or nothing while the rest of a head is awaited.</summary>
    private ViewKind _viewKind;

    /// <summary>For a header-lines view: (offset in the view, raw offset) of each raw line, and the raw length the view stands for.</summary>
    private List<(int View, int Raw)>? _viewLines;

    private int _viewRawLength;

    private enum ViewKind
    {
        Line,
        Headers,
        Wait,
    }

    /// <summary>The method as sent of the request last handed over, when Kestrel was handed another spelling; else null.</summary>
    public string? MethodAsSent { get; private set; }

    /// <summary>The HTTP version as sent of the request last handed over, when Kestrel was handed another; else null.</summary>
    public string? VersionAsSent { get; private set; }

    private static ReadOnlySpan<byte> ContentLengthName => "content-length:"u8;

    private static ReadOnlySpan<byte> HexDigits => "0123456789ABCDEF"u8;

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

    /// <summary>Start of the last Content-Length line of any value in the block not yet ended, or -1.</summary>
    private long _openLength = -1;

    /// <summary>Ended blocks that held a Content-Length line: (end offset, start of their last suspect or -1, start of their last length line). Usually one, the head just read.</summary>
    private List<(long End, long Suspect, long Length)>? _lengthBlocks;

    /// <summary>Where the next request line begins (CR and LF before it allowed); -1 while unknown (a chunked body) or for good (after an Upgrade).</summary>
    private long _lineStart;

    /// <summary>End (after its LF) of the request line at <see cref="_lineStart"/> once it was looked at; -1 before.</summary>
    private long _lineEnd = -1;

    /// <summary>A chunked body being read: its end is where the next request line begins.</summary>
    private IHttpRequestTrailersFeature? _chunked;

    /// <summary>The current request's target as sent, when Kestrel was handed an encoded copy.</summary>
    private string? _rawTarget;

    /// <summary>The current request's line as sent (latin-1), when its target holds a control byte.</summary>
    private string? _badLine;

    /// <summary>The copy of the request line Kestrel was last handed, until its AdvanceTo; null when it was handed the transport's buffer.</summary>
    private byte[]? _view;

    /// <summary>In <see cref="_view"/>: where the encoded target starts and ends, and how much longer it is than the raw one.</summary>
    private int _viewTargetStart, _viewTargetEnd, _viewGrowth;

    /// <summary>What the request line said, given to the request as Kestrel hands it over.</summary>
    public enum Verdict
    {
        Ok,
        BadContentLength,
        BadTarget,
        ContentLengthWithChunked,
        FieldTooLarge,
    }

    /// <summary>How the body of the request just handed over is framed (where the next request line is).</summary>
    public enum Body
    {
        None,
        ContentLength,
        Chunked,
        Upgrade,
    }

    /// <summary>
    /// Called as Kestrel hands a request over (its head just consumed): the verdict on its
    /// request line and Content-Length, and its target as sent when Kestrel saw an encoded one
    /// (<paramref name="rawTarget"/>, latin-1), or its line when that is the reason for
    /// <see cref="Verdict.BadTarget"/>.
    /// </summary>
    public Verdict OnRequest(Body body, long contentLength, IHttpRequestTrailersFeature? trailers, out string? rawTarget)
    {
        Verdict verdict = Verdict.Ok;
        rawTarget = _rawTarget;
        if (_badLine is not null)
        {
            verdict = Verdict.BadTarget;
            rawTarget = _badLine;
        }
        if (body == Body.ContentLength && !CheckContentLength(contentLength) && verdict == Verdict.Ok)
        {
            verdict = Verdict.BadContentLength;
        }
        else if (body == Body.Chunked && HeadHadLengthLine() && verdict == Verdict.Ok)
        {
            verdict = Verdict.ContentLengthWithChunked;
        }
        if (_foldTooLarge && verdict == Verdict.Ok)
        {
            verdict = Verdict.FieldTooLarge;
        }
        MethodAsSent = _rawMethod;
        VersionAsSent = _rawVersion;
        _rawMethod = null;
        _rawVersion = null;
        _foldTooLarge = false;
        _headerStage = false;
        _lineStart = body switch
        {
            Body.None => _consumed,
            Body.ContentLength => _bodyEnd,
            _ => -1,
        };
        _chunked = body == Body.Chunked ? trailers : null;
        _lineEnd = -1;
        _rawTarget = null;
        _badLine = null;
        if (_capture)
        {
            HandOverFields();
        }
        return verdict;
    }

    /// <summary>
    /// The field lines of the request last handed over, as sent (each with its CRLF, the empty line
    /// not included), in an array of their own; null when they were not captured (not an ASGI
    /// worker, or a head over the cap).
    /// </summary>
    public byte[]? TakeFieldLines()
    {
        byte[]? lines = _handed;
        _handed = null;
        return lines;
    }

    private void HandOverFields()
    {
        _handed = _captured;
        _captured = null;
        _fieldsLength = 0;
        _captureAt = -1;
    }

    /// <summary>Starts copying a head's field lines at <paramref name="at"/>, just after its request line's LF.</summary>
    private void StartCapture(long at)
    {
        _captureAt = at;
        _fieldsLength = 0;
        _captured = null;
        // The request line's CR LF begins the pattern: a head without fields ends at once with CR LF.
        _endMatch = 2;
    }

    /// <summary>Copies what <paramref name="buffer"/> (starting at <see cref="_consumed"/>) holds of the head's field lines, up to its empty line.</summary>
    private void Capture(in ReadOnlySequence<byte> buffer)
    {
        long skip = _captureAt - _consumed;
        if (skip < 0 || skip > buffer.Length)
        {
            // Kestrel consumed bytes never seen here: cannot happen, but then there is no order to give.
            _captureAt = -1;
            return;
        }
        foreach (ReadOnlyMemory<byte> memory in skip == 0 ? buffer : buffer.Slice(skip))
        {
            ReadOnlySpan<byte> chunk = memory.Span;
            int end = FindHeadEnd(chunk);
            int take = end < 0 ? chunk.Length : end;
            if (_fieldsLength + take > MaxCapture)
            {
                _captureAt = -1;
                return;
            }
            if (end >= 0)
            {
                // The empty line's CR LF is not a field line.
                if (_fieldsLength == 0)
                {
                    // The whole block in one read, as nearly always: one copy.
                    _captured = chunk[..Math.Max(0, end - 2)].ToArray();
                }
                else
                {
                    Append(chunk[..end]);
                    _captured = _fields!.AsSpan(0, _fieldsLength - 2).ToArray();
                }
                _captureAt = -1;
                return;
            }
            Append(chunk);
            _captureAt += take;
        }
    }

    /// <summary>Where in <paramref name="chunk"/> the head's empty line ends (after its LF), following on from <see cref="_endMatch"/>; -1 when not in it.</summary>
    private int FindHeadEnd(ReadOnlySpan<byte> chunk)
    {
        int i = 0;
        // A CR LF CR LF begun in an earlier read (or by the request line's CR LF).
        while (_endMatch > 0 && i < chunk.Length)
        {
            if (chunk[i] != HeadEnd[_endMatch])
            {
                _endMatch = 0;
                break;
            }
            i++;
            if (++_endMatch == HeadEnd.Length)
            {
                return i;
            }
        }
        if (i == chunk.Length)
        {
            return -1;
        }
        ReadOnlySpan<byte> rest = chunk[i..];
        int at = rest.IndexOf(HeadEnd);
        if (at >= 0)
        {
            return i + at + HeadEnd.Length;
        }
        _endMatch = rest.EndsWith("\r\n\r"u8) ? 3 : rest.EndsWith("\r\n"u8) ? 2 : rest[^1] == (byte)'\r' ? 1 : 0;
        return -1;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        int needed = _fieldsLength + bytes.Length;
        if (_fields is null || _fields.Length < needed)
        {
            // Most heads fit the first; a longer one doubles it.
            byte[] grown = new byte[Math.Max(needed, Math.Max(1024, (_fields?.Length ?? 0) * 2))];
            _fields?.AsSpan(0, _fieldsLength).CopyTo(grown);
            _fields = grown;
        }
        bytes.CopyTo(_fields.AsSpan(_fieldsLength));
        _fieldsLength = needed;
    }

    /// <summary>
    /// For a request Kestrel accepted with Content-Length <paramref name="length"/>, called as
    /// the request is handed over: false when its head's raw Content-Length was not 1*DIGIT.
    /// </summary>
    private bool CheckContentLength(long length)
    {
        long headEnd = _consumed;
        bool valid = true;
        if (_lengthBlocks is { } blocks)
        {
            foreach ((long end, long suspect, _) in blocks)
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

    /// <summary>For a request Kestrel framed as chunked, called as it is handed over: whether its head also held a Content-Length line.</summary>
    private bool HeadHadLengthLine()
    {
        long headEnd = _consumed;
        bool found = false;
        if (_lengthBlocks is { } blocks)
        {
            foreach ((long end, _, long length) in blocks)
            {
                if (end == headEnd && length >= _bodyEnd)
                {
                    found = true;
                }
            }
            blocks.RemoveAll(b => b.End <= headEnd);
        }
        return found;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ValueTask<ReadResult> pending = inner.ReadAsync(cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            return new ValueTask<ReadResult>(Observe(pending.Result));
        }
        return ReadSlowAsync(pending);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (inner.TryRead(out result))
        {
            result = Observe(result);
            return true;
        }
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_view is not null)
        {
            AdvanceInView(consumed, examined);
            return;
        }
        SequencePosition start = _last.Start;
        // Within one segment (a request head, nearly always) the positions' integers are indexes into it.
        _consumed += ReferenceEquals(consumed.GetObject(), start.GetObject())
            ? consumed.GetInteger() - start.GetInteger()
            : _last.Slice(start, consumed).Length;
        inner.AdvanceTo(consumed, examined);
        if (_chunked is { Available: true })
        {
            // Kestrel's chunked reader just consumed the last chunk and the trailers.
            _chunked = null;
            _lineStart = _consumed;
        }
    }

    /// <summary>An AdvanceTo into the encoded copy of a request line, mapped back onto the transport's buffer.</summary>
    private void AdvanceInView(SequencePosition consumed, SequencePosition examined)
    {
        if (_viewKind != ViewKind.Line)
        {
            AdvanceInHead(consumed, examined);
            return;
        }
        var view = new ReadOnlySequence<byte>(_view!);
        long c = RawOffset(view.GetOffset(consumed), end: false);
        long e = Math.Max(c, RawOffset(view.GetOffset(examined), end: true));
        _view = null;
        _consumed += c;
        inner.AdvanceTo(_last.GetPosition(c), _last.GetPosition(e));
    }

    /// <summary>An AdvanceTo into a rewritten block of header lines (or the empty wait view), mapped back line by line.</summary>
    private void AdvanceInHead(SequencePosition consumed, SequencePosition examined)
    {
        var view = new ReadOnlySequence<byte>(_view!);
        long c = view.GetOffset(consumed);
        long e = view.GetOffset(examined);
        long rawC, rawE;
        if (_viewKind == ViewKind.Wait)
        {
            // Kestrel saw nothing: the whole buffer counts as examined, so the next read waits for more bytes.
            rawC = 0;
            rawE = _last.Length;
        }
        else
        {
            rawC = RawHeadOffset(c);
            rawE = Math.Max(rawC, e >= view.Length ? _viewRawLength : RawHeadOffset(e));
        }
        _view = null;
        _viewLines = null;
        _consumed += rawC;
        inner.AdvanceTo(_last.GetPosition(rawC), _last.GetPosition(rawE));
    }

    /// <summary>The raw offset of a line boundary in a header-lines view (Kestrel consumes whole lines); the view's end is the head's end.</summary>
    private long RawHeadOffset(long offset)
    {
        if (offset >= _view!.Length)
        {
            return _viewRawLength;
        }
        int raw = 0;
        foreach ((int v, int r) in _viewLines!)
        {
            if (v > offset)
            {
                break;
            }
            raw = r;
        }
        return raw;
    }

    /// <summary>The raw offset of an offset into the copy; inside the encoded target, its start or its end.</summary>
    private long RawOffset(long offset, bool end) =>
        offset <= _viewTargetStart ? offset
        : offset >= _viewTargetEnd ? offset - _viewGrowth
        : end ? _viewTargetEnd - _viewGrowth : _viewTargetStart;

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReadSlowAsync(ValueTask<ReadResult> pending)
    {
        ReadResult result = await pending.ConfigureAwait(false);
        return Observe(result);
    }

    /// <summary>Looks at a read: its new lines, and a request line at its start; returns what Kestrel is handed.</summary>
    private ReadResult Observe(in ReadResult result)
    {
        ReadOnlySequence<byte> buffer = result.Buffer;
        _last = buffer;
        if (_http2 || (_scanned == 0 && _consumed == 0 && StartsWithPreface(buffer)))
        {
            _http2 = true;
            return result;
        }
        ScanLines(buffer);
        ReadResult handed = result;
        if (_lineStart >= 0 && _consumed >= _lineStart && (_lineEnd < 0 || _consumed < _lineEnd))
        {
            handed = RequestLine(result);
        }
        else if (_headerStage && _consumed >= _lineEnd)
        {
            handed = HeaderLines(result);
        }
        if (_captureAt >= 0)
        {
            Capture(buffer);
        }
        return handed;
    }

    /// <summary>
    /// The read starts at (CR and LF before) a request line, or inside one Kestrel was handed a
    /// copy of: judges the line once complete, and hands Kestrel an encoded copy when its
    /// target has bytes &gt;= 0x80.
    /// </summary>
    private ReadResult RequestLine(in ReadResult result)
    {
        ReadOnlySequence<byte> buffer = result.Buffer;
        ReadOnlySpan<byte> span = buffer.FirstSpan;
        if (!buffer.IsSingleSegment && span.IndexOf((byte)'\n') < 0)
        {
            // Rare: a line across segments. Kestrel's own limit bounds the line.
            span = buffer.Slice(0, Math.Min(buffer.Length, 1L << 20)).ToArray();
        }
        int lead = span.IsEmpty || span[0] is not ((byte)'\r' or (byte)'\n') ? 0 : span.IndexOfAnyExcept((byte)'\r', (byte)'\n');
        int nl = lead < 0 ? -1 : span[lead..].IndexOf((byte)'\n');
        if (nl < 0)
        {
            return result;
        }
        ReadOnlySpan<byte> line = span.Slice(lead, nl);
        int lineEnd = lead + nl + 1;
        bool firstLook = _lineEnd < 0;
        _lineEnd = _consumed + lineEnd;
        if (firstLook && _capture)
        {
            StartCapture(_lineEnd);
        }
        if (firstLook && _rules is { RewritesHeaders: true })
        {
            _headerStage = true;
        }
        int sp1 = line.IndexOf((byte)' ');
        int sp2 = line.LastIndexOf((byte)' ');
        bool shaped = !line.IsEmpty && line[^1] == (byte)'\r' && sp1 >= 0 && sp2 > sp1;
        // casefold_http_method and permit_unconventional_http_version: same-length changes, applied to the copy below.
        bool foldCase = shaped && _rules is { CasefoldMethod: true } && line[..sp1].IndexOfAnyInRange((byte)'a', (byte)'z') >= 0;
        ReadOnlySpan<byte> version = shaped ? line[(sp2 + 1)..^1] : default;
        ReadOnlySpan<byte> newVersion = shaped && _rules is { PermitVersion: true } ? ConventionalVersion(version) : default;
        bool rewrite = foldCase || !newVersion.IsEmpty;
        // With header lines to rewrite, Kestrel must be handed the line alone, or it would parse the raw header lines behind it in the same pass.
        bool lineAlone = _rules is { RewritesHeaders: true };
        // The common case, one vector scan: printable ASCII and spaces, CRLF-ended.
        if (!rewrite && !lineAlone && line.Length > 1 && line[^1] == (byte)'\r' && line[..^1].IndexOfAnyExceptInRange((byte)' ', (byte)'~') < 0)
        {
            return result;
        }
        // A bare LF, or not three parts: Kestrel rejects it itself.
        if (!shaped)
        {
            return result;
        }
        ReadOnlySpan<byte> target = line[(sp1 + 1)..sp2];
        int odd = target.IndexOfAnyExceptInRange((byte)0x21, (byte)0x7E);
        if (odd >= 0 && (target[odd..].IndexOfAnyInRange((byte)0, (byte)0x20) >= 0 || target[odd..].Contains((byte)0x7F)))
        {
            if (firstLook)
            {
                _badLine = Encoding.Latin1.GetString(line[..^1]);
            }
            return result;
        }
        if (odd < 0 && !rewrite && !lineAlone)
        {
            return result;
        }
        if (firstLook)
        {
            _rawTarget = odd < 0 ? null : Encoding.Latin1.GetString(target);
            _rawMethod = foldCase ? Encoding.Latin1.GetString(line[..sp1]) : null;
            _rawVersion = newVersion.IsEmpty ? null : Encoding.Latin1.GetString(version);
        }
        int high = odd < 0 ? 0 : CountHigh(target);
        int targetStart = lead + sp1 + 1;
        byte[] view = new byte[lineEnd + (2 * high)];
        span[..targetStart].CopyTo(view);
        int o = targetStart;
        foreach (byte b in target)
        {
            if (b < 0x80)
            {
                view[o++] = b;
            }
            else
            {
                view[o++] = (byte)'%';
                view[o++] = HexDigits[b >> 4];
                view[o++] = HexDigits[b & 0xF];
            }
        }
        _viewTargetStart = targetStart;
        _viewTargetEnd = o;
        _viewGrowth = 2 * high;
        span[(lead + sp2)..lineEnd].CopyTo(view.AsSpan(o));
        if (foldCase)
        {
            foreach (ref byte b in view.AsSpan(lead, sp1))
            {
                if (b is >= (byte)'a' and <= (byte)'z')
                {
                    b -= 0x20;
                }
            }
        }
        if (!newVersion.IsEmpty)
        {
            newVersion.CopyTo(view.AsSpan(o + 1));
        }
        _view = view;
        _viewKind = ViewKind.Line;
        // Only the line: Kestrel consumes it and reads again for what follows.
        return new ReadResult(new ReadOnlySequence<byte>(view), result.IsCanceled, result.IsCompleted && buffer.Length == lineEnd);
    }

    /// <summary>
    /// For an HTTP/x.y (one digit each, gunicorn's VERSION_RE) other than 1.0 and 1.1, what Kestrel
    /// is handed instead: HTTP/1.0 below 1.0, HTTP/1.1 above 1.1. Empty when it is conventional or
    /// not a version at all (Kestrel then answers as without the switch).
    /// </summary>
    private static ReadOnlySpan<byte> ConventionalVersion(ReadOnlySpan<byte> version)
    {
        if (version.Length != 8 || !version.StartsWith("HTTP/"u8) || version[6] != (byte)'.'
            || !char.IsAsciiDigit((char)version[5]) || !char.IsAsciiDigit((char)version[7]))
        {
            return default;
        }
        int major = version[5] - '0', minor = version[7] - '0';
        return (major, minor) switch
        {
            (1, 0) or (1, 1) => default,
            _ when major < 1 => "HTTP/1.0"u8,
            _ => "HTTP/1.1"u8,
        };
    }

    /// <summary>
    /// The header lines of a head whose request line Kestrel has consumed, with strip_header_spaces
    /// or permit_obsolete_folding on: once the head's empty line is here, Kestrel is handed a copy
    /// with names' trailing spaces removed and continuation lines joined (gunicorn's parse_headers),
    /// or the buffer itself when nothing needed changing. Until then it is handed nothing, so it
    /// never parses a header whose continuation has not arrived yet.
    /// </summary>
    private ReadResult HeaderLines(in ReadResult result)
    {
        ReadOnlySequence<byte> buffer = result.Buffer;
        HeadRules rules = _rules!;
        // gunicorn's max_buffer_headers: beyond it the head is Kestrel's to refuse as too large.
        long cap = rules.MaxHeadBytes;
        ReadOnlySpan<byte> span = buffer.FirstSpan;
        if (!buffer.IsSingleSegment)
        {
            span = buffer.Slice(0, Math.Min(buffer.Length, cap)).ToArray();
        }
        int end = span.StartsWith("\r\n"u8) ? 2 : span.IndexOf("\r\n\r\n"u8) is int i and >= 0 ? i + 4 : -1;
        ReadOnlySpan<byte> seen = end < 0 ? span : span[..end];
        // A bare LF: Kestrel refuses the head itself.
        int lf = seen.IndexOf((byte)'\n');
        while (lf >= 0)
        {
            if (lf == 0 || seen[lf - 1] != (byte)'\r')
            {
                _headerStage = false;
                return result;
            }
            int next = seen[(lf + 1)..].IndexOf((byte)'\n');
            lf = next < 0 ? -1 : lf + 1 + next;
        }
        if (end < 0)
        {
            if (result.IsCompleted || result.IsCanceled || buffer.Length >= cap)
            {
                _headerStage = false;
                return result;
            }
            _view = [];
            _viewKind = ViewKind.Wait;
            return new ReadResult(new ReadOnlySequence<byte>(_view), false, false);
        }
        _headerStage = false;
        var lines = new List<(int View, int Raw)>();
        byte[] copy = new byte[end];
        int o = 0, pos = 0, fieldStart = -1, fieldLength = 0;
        bool changed = false;
        while (pos < end)
        {
            int nl = span[pos..end].IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = span.Slice(pos, nl);
            lines.Add((o, pos));
            if (line.IsEmpty)
            {
                copy[o++] = (byte)'\r';
                copy[o++] = (byte)'\n';
                pos += 2;
                break;
            }
            if (line[0] is (byte)' ' or (byte)'\t' && rules.PermitFolding && fieldStart >= 0)
            {
                // gunicorn: value.append(curr.strip(" \t")), then " ".join(value).
                o -= 2;
                while (o > fieldStart && copy[o - 1] is (byte)' ' or (byte)'\t')
                {
                    o--;
                }
                copy[o++] = (byte)' ';
                ReadOnlySpan<byte> part = line.Trim(" \t"u8);
                part.CopyTo(copy.AsSpan(o));
                o += part.Length;
                fieldLength += line.Length + 2;
                if (fieldLength > rules.LimitFieldSize)
                {
                    _foldTooLarge = true;
                }
                changed = true;
            }
            else
            {
                fieldStart = o;
                fieldLength = line.Length + 2;
                int colon = rules.StripHeaderSpaces ? line.IndexOf((byte)':') : -1;
                int nameEnd = colon > 0 ? line[..colon].TrimEnd(" \t"u8).Length : -1;
                if (nameEnd > 0 && nameEnd < colon)
                {
                    line[..nameEnd].CopyTo(copy.AsSpan(o));
                    o += nameEnd;
                    line[colon..].CopyTo(copy.AsSpan(o));
                    o += line.Length - colon;
                    changed = true;
                }
                else
                {
                    line.CopyTo(copy.AsSpan(o));
                    o += line.Length;
                }
            }
            copy[o++] = (byte)'\r';
            copy[o++] = (byte)'\n';
            pos += nl + 2;
        }
        if (!changed)
        {
            return result;
        }
        _view = copy.AsSpan(0, o).ToArray();
        _viewKind = ViewKind.Headers;
        _viewLines = lines;
        _viewRawLength = end;
        // Only the head: Kestrel consumes it and reads again for the body.
        return new ReadResult(new ReadOnlySequence<byte>(_view), result.IsCanceled, result.IsCompleted && buffer.Length == end);
    }

    private static int CountHigh(ReadOnlySpan<byte> target)
    {
        int n = 0;
        foreach (byte b in target)
        {
            n += b >> 7;
        }
        return n;
    }

    /// <summary>Looks at the complete lines of <paramref name="buffer"/> not looked at yet (the buffer starts at <see cref="_consumed"/>).</summary>
    private void ScanLines(in ReadOnlySequence<byte> buffer)
    {
        long from = Math.Max(Math.Max(_scanned, _bodyEnd), _consumed);
        long skip = from - _consumed;
        if (skip >= buffer.Length)
        {
            return;
        }
        ReadOnlySequence<byte> rest = skip == 0 ? buffer : buffer.Slice(skip);
        long lineStart = from;
        if (rest.IsSingleSegment)
        {
            ReadOnlySpan<byte> span = rest.FirstSpan;
            if (_openLength < 0 && _rules is not { StripHeaderSpaces: true })
            {
                // No block to end: only a Content-Length line matters, and its name ends "h:"
                // (Kestrel refuses whitespace before the colon). A GET rarely has one.
                int last = span.LastIndexOf((byte)'\n');
                if (last < 0)
                {
                    return;
                }
                ReadOnlySpan<byte> complete = span[..(last + 1)];
                if (complete.IndexOf("h:"u8) < 0 && complete.IndexOf("H:"u8) < 0)
                {
                    _scanned = from + last + 1;
                    return;
                }
            }
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
            if (_openLength >= 0)
            {
                (_lengthBlocks ??= []).Add((start + 2, _openSuspect, _openLength));
                _openSuspect = -1;
                _openLength = -1;
            }
            return;
        }
        int nameLength = ContentLengthName.Length;
        if (_rules is { StripHeaderSpaces: true } && line.Length > nameLength && (line[0] | 0x20) == 'c'
            && System.Text.Ascii.EqualsIgnoreCase(line[..(nameLength - 1)], ContentLengthName[..^1]))
        {
            // "Content-Length :" becomes a Content-Length once its spaces are stripped: judge its value too.
            int colon = nameLength - 1 + line[(nameLength - 1)..].IndexOfAnyExcept((byte)' ', (byte)'\t');
            nameLength = colon >= nameLength - 1 && line[colon] == (byte)':' ? colon + 1 : int.MaxValue;
        }
        if (line.Length > nameLength && (line[0] | 0x20) == 'c'
            && System.Text.Ascii.EqualsIgnoreCase(line[..(ContentLengthName.Length - 1)], ContentLengthName[..^1])
            && line[nameLength - 1] == (byte)':')
        {
            _openLength = start;
            if (truncated || !IsDigits(line[nameLength..]))
            {
                _openSuspect = start;
            }
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
