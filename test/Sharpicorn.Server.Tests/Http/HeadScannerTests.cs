using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Sharpicorn.Http;

namespace Sharpicorn.Tests.Http;

/// <summary>What Kestrel is handed for a request line, read by read, without sockets (strings are latin-1: a char per byte).</summary>
public sealed class HeadScannerTests
{
    private readonly Pipe _pipe = new();
    private readonly HeadScanner _scanner;

    public HeadScannerTests() => _scanner = new HeadScanner(_pipe.Reader);

    private async Task Send(string latin1) => await _pipe.Writer.WriteAsync(Encoding.Latin1.GetBytes(latin1));

    /// <summary>One read; Kestrel consumes <paramref name="consume"/> bytes of what it was handed (all when -1); a read that would wait fails the test.</summary>
    private async Task<string> Read(int consume = -1)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        ReadResult r = await _scanner.ReadAsync(patience.Token);
        string seen = Encoding.Latin1.GetString(r.Buffer.ToArray());
        SequencePosition at = consume < 0 ? r.Buffer.End : r.Buffer.GetPosition(consume);
        // Consuming nothing means waiting for more, as Kestrel does with an incomplete line.
        _scanner.AdvanceTo(at, consume == 0 ? r.Buffer.End : at);
        return seen;
    }

    [Fact]
    public async Task NonAsciiTarget_KestrelGetsAnEncodedLine_RequestGetsTheTargetAsSent()
    {
        await Send("GET /caf\u00c3\u00a9?q=\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.Equal("GET /caf%C3%A9?q=%E9 HTTP/1.1\r\n", await Read());
        Assert.Equal("Host: x\r\n\r\n", await Read());
        Assert.Equal(HeadScanner.Verdict.Ok, _scanner.OnRequest(HeadScanner.Body.None, 0, null, out string? raw));
        Assert.Equal("/caf\u00c3\u00a9?q=\u00e9", raw);
    }

    [Fact]
    public async Task AsciiTarget_KestrelGetsTheTransportsBuffer_NoRawTarget()
    {
        await Send("GET /a%C3%A9 HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.Equal("GET /a%C3%A9 HTTP/1.1\r\nHost: x\r\n\r\n", await Read());
        Assert.Equal(HeadScanner.Verdict.Ok, _scanner.OnRequest(HeadScanner.Body.None, 0, null, out string? raw));
        Assert.Null(raw);
    }

    [Fact]
    public async Task TrickledLineAfterEmptyLines_EncodedOnceComplete()
    {
        await Send("\r\nGET /\u00e9");
        Assert.Equal("\r\nGET /\u00e9", await Read(consume: 0));
        await Send("\u00e8 HTTP/1.1\r\n");

        Assert.Equal("\r\nGET /%E9%E8 HTTP/1.1\r\n", await Read());
        await Send("Host: x\r\n\r\n");
        Assert.Equal("Host: x\r\n\r\n", await Read());
        _scanner.OnRequest(HeadScanner.Body.None, 0, null, out string? raw);
        Assert.Equal("/\u00e9\u00e8", raw);
    }

    [Fact]
    public async Task ControlByteInTarget_Verdict_LineAsSent()
    {
        await Send("GET /a\u0001\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.Equal("GET /a\u0001\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n", await Read());
        Assert.Equal(HeadScanner.Verdict.BadTarget, _scanner.OnRequest(HeadScanner.Body.None, 0, null, out string? line));
        Assert.Equal("GET /a\u0001\u00e9 HTTP/1.1", line);
    }

    [Fact]
    public async Task ChunkedHeadWithContentLengthLine_Verdict()
    {
        const string head = "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n";
        await Send(head + "0\r\n\r\n");
        await Read(consume: head.Length);

        Assert.Equal(HeadScanner.Verdict.ContentLengthWithChunked, _scanner.OnRequest(HeadScanner.Body.Chunked, 0, new FakeTrailers(), out _));
    }

    [Fact]
    public async Task ChunkedHeadAfterAContentLengthRequest_Ok()
    {
        await Send("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n");
        await Read();
        Assert.Equal(HeadScanner.Verdict.Ok, _scanner.OnRequest(HeadScanner.Body.ContentLength, 2, null, out _));
        await Send("okPOST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        await Read(consume: 2);
        await Read();

        Assert.Equal(HeadScanner.Verdict.Ok, _scanner.OnRequest(HeadScanner.Body.Chunked, 0, new FakeTrailers(), out _));
    }

    [Fact]
    public async Task ChunkedBody_LookalikeUntouched_NextRequestLineEncoded()
    {
        const string lookalike = "GET /\u00e9 HTTP/1.1\r\n";
        await Send("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        await Read();
        var trailers = new FakeTrailers();
        _scanner.OnRequest(HeadScanner.Body.Chunked, 0, trailers, out _);

        await Send($"{lookalike.Length:x}\r\n{lookalike}\r\n");
        Assert.Equal($"{lookalike.Length:x}\r\n{lookalike}\r\n", await Read());
        await Send("0\r\n\r\nGET /\u00e8 HTTP/1.1\r\n\r\n");
        // Kestrel's chunked reader reports the trailers complete as it consumes the last chunk.
        trailers.Available = true;
        Assert.Equal("0\r\n\r\nGET /\u00e8 HTTP/1.1\r\n\r\n", await Read(consume: 5));

        Assert.Equal("GET /%E8 HTTP/1.1\r\n", await Read());
    }

    [Fact]
    public async Task ContentLengthBody_LookalikeUntouched_NextRequestLineEncoded()
    {
        const string lookalike = "GET /\u00e9 HTTP/1.1\r\n";
        string head = $"POST / HTTP/1.1\r\nContent-Length: {lookalike.Length}\r\n\r\n";
        await Send($"{head}{lookalike}GET /\u00e8 HTTP/1.1\r\n\r\n");
        Assert.StartsWith(head + lookalike, await Read(consume: head.Length), StringComparison.Ordinal);
        _scanner.OnRequest(HeadScanner.Body.ContentLength, lookalike.Length, null, out _);

        Assert.StartsWith(lookalike, await Read(consume: lookalike.Length), StringComparison.Ordinal);
        Assert.Equal("GET /%E8 HTTP/1.1\r\n", await Read());
    }

    private sealed class FakeTrailers : IHttpRequestTrailersFeature
    {
        public bool Available { get; set; }

        public IHeaderDictionary Trailers { get; } = new HeaderDictionary();
    }
}
