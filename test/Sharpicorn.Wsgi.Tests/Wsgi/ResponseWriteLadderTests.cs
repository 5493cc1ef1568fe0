using Sharpicorn.Wsgi;

namespace Sharpicorn.Tests.Wsgi;

/// <summary>
/// The app's body in every piece size, with flushes that complete at once or later (the GIL is
/// dropped while the client drains), and a client that is gone: the bytes written are exactly
/// the app's, and close() is always called.
/// </summary>
[Collection("wsgi")]
public sealed class ResponseWriteLadderTests(WsgiFixture fixture)
{
    private static readonly byte[] Pattern = [.. Enumerable.Repeat(Enumerable.Range(32, 95).Select(b => (byte)b), 8).SelectMany(x => x)];

    public static TheoryData<int, string> Ladder()
    {
        var data = new TheoryData<int, string>();
        foreach (int piece in new[] { 1, 2, 3, 7, 64, 95, 300, 760 })
        {
            data.Add(piece, nameof(FakeRequest.FlushMode.Immediate));
            data.Add(piece, nameof(FakeRequest.FlushMode.Later));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Ladder))]
    public void Generator_EveryPieceSize_ExactBytesWrittenAndClosed(int piece, string flush)
    {
        const int total = 760;
        var sizes = new List<int>();
        for (int at = 0; at < total; at += piece)
        {
            sizes.Add(Math.Min(piece, total - at));
        }
        var req = new FakeRequest("GET", "/gen?" + string.Join(',', sizes), [], false, Enum.Parse<FakeRequest.FlushMode>(flush));
        Assert.True(fixture.Run(req));
        Assert.Equal(Pattern[..total], req.BodyBytes);
        Assert.Equal(WsgiFailure.None, req.Request.Failure);
        Assert.Equal(total, req.Request.BytesSent);
        Assert.Equal("[True]", Closed());
    }

    [Fact]
    public void Generator_ClientGone_StopsAfterFirstFlushAndStillCloses()
    {
        var req = new FakeRequest("GET", "/gen?5,5,5", [], false, FakeRequest.FlushMode.ClientGone);
        Assert.True(fixture.Run(req));
        Assert.Equal(WsgiFailure.ClientDisconnected, req.Request.Failure);
        Assert.Equal(5, req.Request.BytesSent);
        Assert.Equal("[True]", Closed());
    }

    private string Closed()
    {
        var req = new FakeRequest("GET", "/closed", []);
        Assert.True(fixture.Run(req));
        return System.Text.Encoding.ASCII.GetString(req.BodyBytes);
    }
}
