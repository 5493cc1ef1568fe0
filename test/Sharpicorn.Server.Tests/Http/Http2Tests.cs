using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Sharpicorn.Cli;
using Sharpicorn.Http;

namespace Sharpicorn.Tests.Http;

/// <summary>gunicorn's HTTP/2 settings as Kestrel sees them, and the HTTP/1.1 checks kept away from HTTP/2 bytes.</summary>
public sealed class Http2Tests
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private static ServerSettings Settings(string protocols = "h1", string cleartext = "off", string workerClass = "gthread", int threads = 4)
    {
        var s = new ServerSettings { Http2Cleartext = cleartext, WorkerClass = workerClass, Threads = threads };
        s.HttpProtocols.Clear();
        s.HttpProtocols.AddRange(protocols.Split(','));
        return s;
    }

    [Fact]
    public void Limits_GunicornDefaults_MappedOntoKestrelHttp2()
    {
        var limits = new KestrelServerLimits();
        KestrelLimits.Apply(limits, new ServerSettings());
        Assert.Equal(100, limits.Http2.MaxStreamsPerConnection);
        Assert.Equal(65535, limits.Http2.InitialStreamWindowSize);
        Assert.Equal(16384, limits.Http2.MaxFrameSize);
        Assert.True(limits.Http2.InitialConnectionWindowSize >= limits.Http2.InitialStreamWindowSize);
        Assert.True(limits.MaxRequestHeadersTotalSize >= 65536);
    }

    [Fact]
    public void Limits_ExplicitValues_MappedOntoKestrelHttp2()
    {
        var s = new ServerSettings { Http2MaxConcurrentStreams = 7, Http2InitialWindowSize = 4 << 20, Http2MaxFrameSize = 1 << 20, Http2MaxHeaderListSize = 2 << 20 };
        var limits = new KestrelServerLimits();
        KestrelLimits.Apply(limits, s);
        Assert.Equal(7, limits.Http2.MaxStreamsPerConnection);
        Assert.Equal(4 << 20, limits.Http2.InitialStreamWindowSize);
        Assert.Equal(4 << 20, limits.Http2.InitialConnectionWindowSize);
        Assert.Equal(1 << 20, limits.Http2.MaxFrameSize);
        Assert.Equal(2 << 20, limits.MaxRequestHeadersTotalSize);
    }

    [Fact]
    public void Limits_HeaderListUnlimited_KestrelUnlimited()
    {
        var limits = new KestrelServerLimits();
        KestrelLimits.Apply(limits, new ServerSettings { Http2MaxHeaderListSize = 0 });
        Assert.Equal(int.MaxValue, limits.MaxRequestHeadersTotalSize);
    }

    [Theory]
    [InlineData("h1", "off", false, HttpProtocols.Http1)]
    [InlineData("h2,h1", "off", true, HttpProtocols.Http1AndHttp2)]
    [InlineData("h1,h2", "prior-knowledge", true, HttpProtocols.Http1AndHttp2)]
    [InlineData("h2", "off", true, HttpProtocols.Http2)]
    [InlineData("h3", "off", true, HttpProtocols.Http1)]
    [InlineData("h2,h1", "off", false, HttpProtocols.Http1)]
    [InlineData("h2,h1", "prior-knowledge", false, HttpProtocols.Http1)]
    public void Plan_Protocols_AlpnOffersWhatIsListed(string protocols, string cleartext, bool tls, HttpProtocols expected)
    {
        Assert.Equal(expected, Http2Plan.For(Settings(protocols, cleartext), tls).Protocols);
    }

    [Theory]
    [InlineData("h2,h1", "prior-knowledge", false, true, false)]
    [InlineData("h2,h1", "both", false, true, true)]
    [InlineData("h2,h1", "upgrade", false, false, true)]
    [InlineData("h1", "prior-knowledge", false, false, false)]
    [InlineData("h2,h1", "prior-knowledge", true, false, false)]
    [InlineData("h2,h1", "off", false, false, false)]
    public void Plan_Cleartext_SniffOnlyWithH2AndWithoutTls(string protocols, string cleartext, bool tls, bool priorKnowledge, bool upgradeIgnored)
    {
        Http2Plan plan = Http2Plan.For(Settings(protocols, cleartext), tls);
        Assert.Equal(priorKnowledge, plan.PriorKnowledge);
        Assert.Equal(upgradeIgnored, plan.UpgradeIgnored);
        Assert.False(plan.SyncFallback);
    }

    [Fact]
    public void Plan_SyncWorker_Http1OnlyWithGunicornsWarning()
    {
        Http2Plan plan = Http2Plan.For(Settings("h2,h1", "prior-knowledge", "sync", 1), tls: true);
        Assert.True(plan.SyncFallback);
        Assert.Equal(HttpProtocols.Http1, plan.Protocols);
        Assert.False(plan.PriorKnowledge);
        // sync with threads > 1 is gthread (gunicorn's config.worker_class).
        Assert.False(Http2Plan.For(Settings("h2,h1", "prior-knowledge", "sync", 2), tls: false).SyncFallback);
    }

    [Fact]
    public void Plan_AsgiAppUnderDefaultSyncClass_ServesHttp2()
    {
        // An ASGI app detected under -k sync runs the asgi worker, which gunicorn 26 lets serve HTTP/2.
        Http2Plan plan = Http2Plan.For(Settings("h2,h1", "prior-knowledge", "sync", 1), tls: false, asgi: true);
        Assert.False(plan.SyncFallback);
        Assert.True(plan.PriorKnowledge);
    }

    [Theory]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "Preface")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04", "Preface")]
    [InlineData("PRI * HT", "Partial")]
    [InlineData("", "Partial")]
    [InlineData("GET / HTTP/1.1\r\n", "Mismatch")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nXM", "Mismatch")]
    public void Classify_Bytes_GunicornsPrefaceMatch(string bytes, string expected)
    {
        Assert.Equal(expected, H2cPriorKnowledge.Classify(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(bytes))).ToString());
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHos", @"b'GET / HTTP/1.1\r\nHos'")]
    [InlineData("it's", "b\"it's\"")]
    [InlineData("\0\x16\x03\x01\\", @"b'\x00\x16\x03\x01\\'")]
    [InlineData("", "b''")]
    public void PythonBytesRepr_Bytes_AsPythonPrintsThem(string bytes, string expected)
    {
        Assert.Equal(expected, Sharpicorn.Configuration.PythonText.BytesRepr(Encoding.Latin1.GetBytes(bytes)));
    }

    [Fact]
    public async Task HeadScanner_Http2Preface_FramesNeverJudged()
    {
        // A DATA frame's payload that reads like an HTTP/1.1 head with a signed Content-Length,
        // then one like a request line with a byte >= 0x80 (which an HTTP/1.1 line would get encoded).
        byte[] frames = [.. Preface, 0, 0, 0, 4, 0, 0, 0, 0, 0, .. "\r\nContent-Length: +5\r\n\r\nGET /\u00e9 HTTP/1.1\r\n"u8];
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(frames);
        var scanner = new HeadScanner(pipe.Reader);
        ReadResult r = await scanner.ReadAsync();
        Assert.Equal(frames, r.Buffer.ToArray());
        scanner.AdvanceTo(r.Buffer.End);
        Assert.Equal(HeadScanner.Verdict.Ok, scanner.OnRequest(HeadScanner.Body.ContentLength, 5, null, out string? raw));
        Assert.Null(raw);
    }

    [Fact]
    public async Task HeadScanner_Http1SignedContentLength_StillJudged()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: +5\r\n\r\n"u8.ToArray());
        var scanner = new HeadScanner(pipe.Reader);
        ReadResult r = await scanner.ReadAsync();
        scanner.AdvanceTo(r.Buffer.End);
        Assert.Equal(HeadScanner.Verdict.BadContentLength, scanner.OnRequest(HeadScanner.Body.ContentLength, 5, null, out _));
    }
}
