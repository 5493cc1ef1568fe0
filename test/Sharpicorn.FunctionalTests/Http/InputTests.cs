using System.Globalization;
using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>The wsgi.input read matrix (gunicorn's treq idea): every reader over the same body.</summary>
public sealed class InputTests(BasicServerFixture fx) : IClassFixture<BasicServerFixture>
{
    private const string Body = "line1\nline2\nlonger line 3\nno newline";

    private string[] Post(string target, string body, bool chunked = false)
    {
        string framing = chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {body.Length}\r\n";
        string payload = chunked ? string.Concat(body.Chunk(5).Select(c => $"{c.Length:x}\r\n{new string(c)}\r\n")) + "0\r\n\r\n" : body;
        HttpReply r = HttpReply.Parse(RawHttp.Exchange(fx.Port, $"POST {target} HTTP/1.1\r\nHost: t\r\n{framing}Connection: close\r\n\r\n{payload}"));
        Assert.Equal(200, r.Status);
        return JsonSerializer.Deserialize<string[]>(r.Body)!;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_All_ReturnsWholeBody(bool chunked) => Assert.Equal([Body], Post("/input/read", Body, chunked));

    [Fact]
    public void Read_None_ReturnsWholeBody() => Assert.Equal([Body], Post("/input/read_none", Body));

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(65536)]
    public void Read_Sized_ReturnsExactSizesThenRest(int size)
    {
        string[] parts = Post("/input/read_n?" + size.ToString(CultureInfo.InvariantCulture), Body, chunked: size % 2 == 1);
        Assert.Equal(Body, string.Concat(parts));
        Assert.All(parts.SkipLast(1), p => Assert.Equal(size, p.Length));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Readline_NoSize_SplitsOnNewlines(bool chunked) =>
        Assert.Equal(["line1\n", "line2\n", "longer line 3\n", "no newline"], Post("/input/readline", Body, chunked));

    [Fact]
    public void Readline_SizeSmallerThanLine_ReturnsPrefix() =>
        Assert.Equal(["line", "1\n", "line", "2\n", "long", "er l", "ine ", "3\n", "no n", "ewli", "ne"], Post("/input/readline_n?4", Body));

    [Fact]
    public void Readlines_NoHint_ReturnsAllLines() =>
        Assert.Equal(["line1\n", "line2\n", "longer line 3\n", "no newline"], Post("/input/readlines", Body));

    [Fact]
    public void Readlines_Hint_StopsOnceHintReached() =>
        Assert.Equal(["line1\n", "line2\n", "|rest|longer line 3\nno newline"], Post("/input/readlines_hint?7", Body));

    [Fact]
    public void Iterate_YieldsLines() =>
        Assert.Equal(["line1\n", "line2\n", "longer line 3\n", "no newline"], Post("/input/iter", Body, chunked: true));

    [Fact]
    public void Read_EmptyBody_ReturnsEmpty() => Assert.Equal([""], Post("/input/read", ""));

    [Fact]
    public void Expect100Continue_AnsweredWhenAppReads()
    {
        using var c = new RawHttp(fx.Port);
        c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
        Assert.Equal("HTTP/1.1 100 Continue\r\n\r\n", c.ReadUntil("\r\n\r\n"));
        c.Send("hello");
        HttpReply r = HttpReply.Parse(c.ReadToClose());
        Assert.Equal(200, r.Status);
        Assert.Equal("hello", r.Body);
    }

    [Fact]
    public void Upload_OneGigabyte_StreamedNotBuffered()
    {
        const long size = 1L << 30;
        int worker = Apps.RefcountTests.WorkerPid(fx.Port);
        using var c = new RawHttp(fx.Port);
        c.Send($"POST /upload_hash HTTP/1.1\r\nHost: t\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n");
        var block = new byte[1 << 20];
        for (int i = 0; i < block.Length; i++)
        {
            block[i] = (byte)(i * 7);
        }
        long peakRss = 0;
        for (long sent = 0; sent < size; sent += block.Length)
        {
            c.Send(block);
            if (sent % (128L << 20) == 0)
            {
                peakRss = Math.Max(peakRss, ServerProcess.RssKiB(worker));
            }
        }
        HttpReply r = HttpReply.Parse(c.ReadToClose());
        Assert.Equal(200, r.Status);
        JsonElement e = JsonDocument.Parse(r.Body).RootElement;
        Assert.Equal(size, e.GetProperty("length").GetInt64());
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        for (int i = 0; i < 1024; i++)
        {
            sha.AppendData(block);
        }
        Assert.Equal(Convert.ToHexStringLower(sha.GetHashAndReset()), e.GetProperty("sha256").GetString());
        // A buffered upload would hold the whole gigabyte: well over 1 GiB of RSS.
        Assert.InRange(Math.Max(peakRss, ServerProcess.RssKiB(worker)), 1, 512 * 1024);
    }
}
