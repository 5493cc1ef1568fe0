using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Sharpicorn.Http;

namespace Sharpicorn.Tests.Http;

/// <summary>The head's field lines as sent, kept for ASGI's arrival-order headers (HeadScanner with captureFields), read by read, without sockets.</summary>
public sealed class HeadScannerFieldLinesTests
{
    private readonly Pipe _pipe = new();

    private async Task Send(string latin1) => await _pipe.Writer.WriteAsync(Encoding.Latin1.GetBytes(latin1));

    /// <summary>One read; Kestrel consumes <paramref name="consume"/> bytes of what it was handed (all when -1; none, waiting for more, when 0).</summary>
    private static async Task<string> Read(HeadScanner scanner, int consume = -1)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        ReadResult r = await scanner.ReadAsync(patience.Token);
        string seen = Encoding.Latin1.GetString(r.Buffer.ToArray());
        SequencePosition at = consume < 0 ? r.Buffer.End : r.Buffer.GetPosition(consume);
        scanner.AdvanceTo(at, consume == 0 ? r.Buffer.End : at);
        return seen;
    }

    /// <summary>What the request just handed over kept, as latin-1 (null: nothing kept).</summary>
    private static string? Handed(HeadScanner scanner, HeadScanner.Body body = HeadScanner.Body.None, long length = 0)
    {
        Assert.Equal(HeadScanner.Verdict.Ok, scanner.OnRequest(body, length, null, out _));
        return scanner.TakeFieldLines() is { } lines ? Encoding.Latin1.GetString(lines) : null;
    }

    [Fact]
    public async Task HeadInOneRead_Capturing_FieldLinesAsSentWithoutTheEmptyLine()
    {
        var scanner = new HeadScanner(_pipe.Reader, captureFields: true);
        await Send("GET / HTTP/1.1\r\nX-B: 1\r\nHost: t\r\nX-A:  \u00e9 \r\nX-B: 2\r\n\r\n");

        await Read(scanner);

        Assert.Equal("X-B: 1\r\nHost: t\r\nX-A:  \u00e9 \r\nX-B: 2\r\n", Handed(scanner));
    }

    [Fact]
    public async Task NotCapturing_NothingKept()
    {
        var scanner = new HeadScanner(_pipe.Reader);
        await Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");

        await Read(scanner);

        Assert.Null(Handed(scanner));
    }

    [Fact]
    public async Task HeadWithoutFields_Capturing_EmptyLinesKept()
    {
        var scanner = new HeadScanner(_pipe.Reader, captureFields: true);
        await Send("\r\nGET / HTTP/1.0\r\n\r\n");

        await Read(scanner);

        Assert.Equal("", Handed(scanner));
    }

    [Fact]
    public async Task HeadTrickledByteByByte_Capturing_EveryLineKeptOnce()
    {
        // The end of the head (CR LF CR LF) arrives a byte at a time too, across reads.
        const string fields = "Host: t\r\nCookie: a=1\r\nAccept: */*\r\n";
        var scanner = new HeadScanner(_pipe.Reader, captureFields: true);
        const string head = "GET /x HTTP/1.1\r\n" + fields + "\r\n";
        for (int i = 0; i < head.Length - 1; i++)
        {
            await Send(head[i].ToString());
            await Read(scanner, consume: 0);
        }
        await Send(head[^1].ToString());

        Assert.Equal(head, await Read(scanner));
        Assert.Equal(fields, Handed(scanner));
    }

    [Fact]
    public async Task KestrelConsumesLineByLine_Capturing_NothingLostBetweenReads()
    {
        var scanner = new HeadScanner(_pipe.Reader, captureFields: true);
        await Send("GET /x HTTP/1.1\r\nHost: t\r\nX-Long: abc");
        // Kestrel takes the request line and the complete field, and waits for the rest.
        await Read(scanner, consume: "GET /x HTTP/1.1\r\nHost: t\r\n".Length);
        await Send("def\r\n\r");
        await Read(scanner, consume: 0);
        await Send("\n");

        Assert.Equal("X-Long: abcdef\r\n\r\n", await Read(scanner));
        Assert.Equal("Host: t\r\nX-Long: abcdef\r\n", Handed(scanner));
    }

    [Fact]
    public async Task PipelinedRequests_Capturing_EachRequestGetsItsOwnFields()
    {
        var scanner = new HeadScanner(_pipe.Reader, captureFields: true);
        const string first = "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n";
        // The body looks like a head: it is a body, and is never captured.
        await Send(first + "X: 1\r\nGET /b HTTP/1.1\r\nHost: b\r\nX-Two: 2\r\n\r\n");

        await Read(scanner, consume: first.Length);
        Assert.Equal("Host: a\r\nContent-Length: 5\r\n", Handed(scanner, HeadScanner.Body.ContentLength, 5));
        await Read(scanner, consume: 5);
        await Read(scanner);

        Assert.Equal("Host: b\r\nX-Two: 2\r\n", Handed(scanner));
    }

    [Fact]
    public async Task FoldedHead_CapturingWithFoldingPermitted_RawLinesKeptWhileKestrelGetsThemJoined()
    {
        var scanner = new HeadScanner(_pipe.Reader, new HeadRules { PermitFolding = true, LimitFieldSize = 8190 }, captureFields: true);
        await Send("GET / HTTP/1.1\r\nHost: t\r\nX-F: a\r\n  b\r\nX-G: c\r\n\r\n");

        Assert.Equal("GET / HTTP/1.1\r\n", await Read(scanner));
        Assert.Equal("Host: t\r\nX-F: a b\r\nX-G: c\r\n\r\n", await Read(scanner));

        Assert.Equal("Host: t\r\nX-F: a\r\n  b\r\nX-G: c\r\n", Handed(scanner));
    }

    [Fact]
    public async Task RefusedRequestNeverTaken_NextRequest_GetsOnlyItsOwnFields()
    {
        var scanner = new HeadScanner(_pipe.Reader, captureFields: true);
        await Send("GET /a HTTP/1.1\r\nHost: a\r\nX-Old: 1\r\n\r\n");
        await Read(scanner);
        scanner.OnRequest(HeadScanner.Body.None, 0, null, out _);
        await Send("GET /b HTTP/1.1\r\nHost: b\r\n\r\n");
        await Read(scanner);

        Assert.Equal("Host: b\r\n", Handed(scanner));
    }
}
