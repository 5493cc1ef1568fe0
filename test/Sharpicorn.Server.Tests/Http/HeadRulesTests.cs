using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Sharpicorn.Http;

namespace Sharpicorn.Tests.Http;

/// <summary>gunicorn's leniency switches in the head Kestrel is handed (HeadScanner with HeadRules), read by read, without sockets.</summary>
public sealed class HeadRulesTests
{
    private readonly Pipe _pipe = new();

    private static HeadRules All => new() { CasefoldMethod = true, PermitVersion = true, StripHeaderSpaces = true, PermitFolding = true, LimitFieldSize = 8190 };

    private async Task Send(string latin1) => await _pipe.Writer.WriteAsync(Encoding.Latin1.GetBytes(latin1));

    /// <summary>One read, all of it consumed (or, when <paramref name="wait"/>, nothing consumed and all examined, as Kestrel does with an incomplete head).</summary>
    private static async Task<string> Read(HeadScanner scanner, bool wait = false)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        ReadResult r = await scanner.ReadAsync(patience.Token);
        string seen = Encoding.Latin1.GetString(r.Buffer.ToArray());
        scanner.AdvanceTo(wait ? r.Buffer.Start : r.Buffer.End, r.Buffer.End);
        return seen;
    }

    [Fact]
    public async Task LowerCaseMethod_Casefold_KestrelGetsItUpperCased_MethodAsSentKept()
    {
        var scanner = new HeadScanner(_pipe.Reader, new HeadRules { CasefoldMethod = true });
        await Send("get /x HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal("GET /x HTTP/1.1\r\n", await Read(scanner));
        Assert.Equal("Host: a\r\n\r\n", await Read(scanner));
        Assert.Equal(HeadScanner.Verdict.Ok, scanner.OnRequest(HeadScanner.Body.None, 0, null, out _));
        Assert.Equal("get", scanner.MethodAsSent);
    }

    [Theory]
    [InlineData("HTTP/1.2", "HTTP/1.1")]
    [InlineData("HTTP/2.0", "HTTP/1.1")]
    [InlineData("HTTP/0.9", "HTTP/1.0")]
    public async Task UnconventionalVersion_Permitted_KestrelGetsAConventionalOne_VersionAsSentKept(string sent, string handed)
    {
        var scanner = new HeadScanner(_pipe.Reader, new HeadRules { PermitVersion = true });
        await Send($"GET /\u00e9 {sent}\r\nHost: a\r\n\r\n");

        Assert.Equal($"GET /%E9 {handed}\r\n", await Read(scanner));
        Assert.Equal("Host: a\r\n\r\n", await Read(scanner));
        Assert.Equal(HeadScanner.Verdict.Ok, scanner.OnRequest(HeadScanner.Body.None, 0, null, out string? raw));
        Assert.Equal(sent, scanner.VersionAsSent);
        Assert.Equal("/\u00e9", raw);
    }

    [Fact]
    public async Task ConventionalHead_AllRules_KestrelGetsTheBytesAsSent()
    {
        var scanner = new HeadScanner(_pipe.Reader, All);
        await Send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal("GET /x HTTP/1.1\r\n", await Read(scanner));
        Assert.Equal("Host: a\r\n\r\n", await Read(scanner));
        Assert.Equal(HeadScanner.Verdict.Ok, scanner.OnRequest(HeadScanner.Body.None, 0, null, out _));
        Assert.Null(scanner.MethodAsSent);
        Assert.Null(scanner.VersionAsSent);
    }

    [Fact]
    public async Task SpaceBeforeColon_Stripped_BodyFollowsUntouched()
    {
        var scanner = new HeadScanner(_pipe.Reader, All);
        await Send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length \t: 3\r\n\r\nx :");

        Assert.Equal("POST /x HTTP/1.1\r\n", await Read(scanner));
        Assert.Equal("Host: a\r\nContent-Length: 3\r\n\r\n", await Read(scanner));
        Assert.Equal(HeadScanner.Verdict.Ok, scanner.OnRequest(HeadScanner.Body.ContentLength, 3, null, out _));
        Assert.Equal("x :", await Read(scanner));
    }

    [Fact]
    public async Task SignedLengthBehindStrippedSpaces_StillJudged_BadContentLength()
    {
        var scanner = new HeadScanner(_pipe.Reader, All);
        await Send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length : +3\r\n\r\nxyz");

        await Read(scanner);
        Assert.Equal("Host: a\r\nContent-Length: +3\r\n\r\n", await Read(scanner));
        Assert.Equal(HeadScanner.Verdict.BadContentLength, scanner.OnRequest(HeadScanner.Body.ContentLength, 3, null, out _));
    }

    [Fact]
    public async Task FoldedHeader_Permitted_JoinedWithOneSpace()
    {
        var scanner = new HeadScanner(_pipe.Reader, All);
        await Send("GET / HTTP/1.1\r\nLong: one  \r\n \t two\r\n\tthree\r\nHost: a\r\n\r\n");

        await Read(scanner);
        Assert.Equal("Long: one two three\r\nHost: a\r\n\r\n", await Read(scanner));
        Assert.Equal(HeadScanner.Verdict.Ok, scanner.OnRequest(HeadScanner.Body.None, 0, null, out _));
    }

    [Fact]
    public async Task FoldedHeaderArrivingLater_KestrelHandedNothingUntilTheHeadEnds()
    {
        var scanner = new HeadScanner(_pipe.Reader, All);
        await Send("GET / HTTP/1.1\r\nLong: one\r\n");
        Assert.Equal("GET / HTTP/1.1\r\n", await Read(scanner));
        Assert.Equal("", await Read(scanner, wait: true));
        await Send(" two\r\nHost: a\r\n\r\n");

        Assert.Equal("Long: one two\r\nHost: a\r\n\r\n", await Read(scanner));
    }

    [Fact]
    public async Task FoldedFieldLongerThanTheLimitAsSent_FieldTooLarge()
    {
        // gunicorn's invalid/013: "Accept:" (9 with CRLF) and " */*" (6) exceed 14 before joining.
        var scanner = new HeadScanner(_pipe.Reader, All with { LimitFieldSize = 14 });
        await Send("GET /test HTTP/1.1\r\nAccept:\r\n */*\r\n\r\n");

        await Read(scanner);
        Assert.Equal("Accept: */*\r\n\r\n", await Read(scanner));
        Assert.Equal(HeadScanner.Verdict.FieldTooLarge, scanner.OnRequest(HeadScanner.Body.None, 0, null, out _));
    }

    [Fact]
    public async Task FoldedHeader_NotPermitted_KestrelGetsItAsSent()
    {
        var scanner = new HeadScanner(_pipe.Reader, new HeadRules { StripHeaderSpaces = true });
        await Send("GET / HTTP/1.1\r\nLong: one\r\n two\r\nHost: a\r\n\r\n");

        await Read(scanner);
        Assert.Equal("Long: one\r\n two\r\nHost: a\r\n\r\n", await Read(scanner));
    }

    [Fact]
    public async Task BareLineFeedInHeaders_KestrelGetsItAsSent()
    {
        var scanner = new HeadScanner(_pipe.Reader, All);
        await Send("GET / HTTP/1.1\r\nHost: a\nX : y\r\n\r\n");

        await Read(scanner);
        Assert.Equal("Host: a\nX : y\r\n\r\n", await Read(scanner));
    }

    [Theory]
    [InlineData("GET", true)]
    [InlineData("M-SEARCH", true)]
    [InlineData("get", false)]
    [InlineData("-bl", false)]
    [InlineData("GE", false)]
    [InlineData("G#T", false)]
    [InlineData("ABCDEFGHIJKLMNOPQRSTU", false)]
    public void ConventionalMethod_GunicornsDefaultRule(string method, bool conventional) =>
        Assert.Equal(conventional, RequestChecks.ConventionalMethod(method));
}
