using System.Text;

namespace Sharpicorn.Tests.Wsgi;

/// <summary>
/// Every wsgi.input read size against every way the body can arrive: split in two at each
/// offset, one byte per read, with empty reads in between, and with reads that complete later.
/// The app echoes what it read and the size of each piece, so both are compared exactly.
/// </summary>
[Collection("wsgi")]
public sealed class BodyReadLadderTests(WsgiFixture fixture)
{
    /// <summary>Lines of several lengths, an empty line, and a last line with no newline.</summary>
    private const string Body = "first line\nsecond\n\nx\n0123456789abcdef\nlast, no newline";

    public static TheoryData<string, int> Ladder()
    {
        var data = new TheoryData<string, int>();
        for (int n = 1; n <= Body.Length + 2; n++)
        {
            data.Add("read", n);
            data.Add("readline", n);
        }
        data.Add("iterate", 0);
        data.Add("read-all", 0);
        return data;
    }

    [Theory]
    [MemberData(nameof(Ladder))]
    public void WsgiInput_EverySplit_AppSeesExactBodyAndPieces(string mode, int size)
    {
        string expectedSizes = string.Join(',', Pieces(mode, size).Select(p => p.Length));
        foreach ((string name, IReadOnlyList<byte[]> chunks, bool async) in Splits())
        {
            var req = new FakeRequest("POST", "/" + mode + "?" + size, chunks, async, ("Content-Length", Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.True(fixture.Run(req), name);
            Assert.Equal(200, req.Response.StatusCode);
            Assert.Equal(Body, Encoding.Latin1.GetString(req.BodyBytes));
            Assert.Equal(expectedSizes, req.Response.Headers["X-Sizes"].ToString());
        }
    }

    [Fact]
    public void WsgiInput_NoBody_ReadsEmpty()
    {
        var req = new FakeRequest("GET", "/read?5", []);
        Assert.True(fixture.Run(req));
        Assert.Equal("200 OK\nContent-Type: application/octet-stream\nX-Sizes: \nServer: sharpicorn\nContent-Length: 0\n\n", req.Rendered());
    }

    /// <summary>What a correct wsgi.input returns, piece by piece.</summary>
    private static IEnumerable<string> Pieces(string mode, int size)
    {
        switch (mode)
        {
            case "read":
                for (int i = 0; i < Body.Length; i += size)
                {
                    yield return Body.Substring(i, Math.Min(size, Body.Length - i));
                }
                break;
            case "readline":
                foreach (string line in Lines())
                {
                    for (int i = 0; i < line.Length; i += size)
                    {
                        yield return line.Substring(i, Math.Min(size, line.Length - i));
                    }
                }
                break;
            case "iterate":
                foreach (string line in Lines())
                {
                    yield return line;
                }
                break;
            default:
                yield return Body;
                break;
        }
    }

    private static IEnumerable<string> Lines()
    {
        int start = 0;
        while (start < Body.Length)
        {
            int nl = Body.IndexOf('\n', start);
            int end = nl < 0 ? Body.Length : nl + 1;
            yield return Body[start..end];
            start = end;
        }
    }

    private static IEnumerable<(string Name, IReadOnlyList<byte[]> Chunks, bool Async)> Splits()
    {
        byte[] all = Encoding.Latin1.GetBytes(Body);
        for (int at = 0; at <= all.Length; at++)
        {
            yield return ($"split at {at}", [all[..at], all[at..]], false);
        }
        byte[][] bytes = [.. all.Select(b => new[] { b })];
        yield return ("one byte per read", bytes, false);
        yield return ("one byte per read, each completing later", bytes, true);
        yield return ("empty reads between bytes", [.. bytes.SelectMany(b => new[] { b, Array.Empty<byte>() })], false);
        yield return ("whole, completing later", [all], true);
    }
}
