using System.Globalization;
using System.Text.Json;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Workers;

/// <summary>
/// Workers share the kernel's accept queue the way gunicorn's do: a sync worker whose thread
/// is busy leaves new connections to the others, and max_requests is exact without a failed
/// request.
/// </summary>
public sealed class LoadSharingTests
{
    private static ServerProcess Start(params string[] extra) =>
        ServerProcess.Start(["--python", Repo.DebianPython, "--log-level", "debug", .. extra, "loadshare_app:app"]);

    private static int PidOf(HttpReply r) => JsonDocument.Parse(r.Body).RootElement.GetProperty("pid").GetInt32();

    /// <summary>Waits for the app's own "started" file (its ready signal), and returns the pid in it.</summary>
    private static int WaitStarted(string dir, string name)
    {
        string path = Path.Combine(dir, name + ".started");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!File.Exists(path))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{name} never started");
            Thread.Sleep(5);
        }
        return int.Parse(File.ReadAllText(path), CultureInfo.InvariantCulture);
    }

    private static string Block(string dir, string name) => $"GET /block?dir={Uri.EscapeDataString(dir)}&name={name} HTTP/1.1\r\nHost: t\r\n\r\n";

    [Fact]
    public void SyncTwoWorkers_TwoSlowRequests_ServedByTwoPids()
    {
        using ServerProcess s = Start("-w", "2", "--threads", "1");
        s.WaitForLogCount(") booted", 2);
        string dir = Directory.CreateTempSubdirectory("sharpicorn-share").FullName;
        using var first = new RawHttp(s.Port);
        using var second = new RawHttp(s.Port);
        first.Send(Block(dir, "a"));
        int a = WaitStarted(dir, "a");
        second.Send(Block(dir, "b"));
        int b = WaitStarted(dir, "b");
        File.WriteAllText(Path.Combine(dir, "release"), "");
        HttpReply ra = first.ReadResponse();
        HttpReply rb = second.ReadResponse();
        Assert.Equal((200, 200), (ra.Status, rb.Status));
        Assert.NotEqual(a, b);
        Assert.Equal((a, b), (PidOf(ra), PidOf(rb)));
    }

    [Fact]
    public void ManyThreads_RequestsThatAllWait_AllRunAtOnce()
    {
        // The runnable limit starts at 4 threads; requests that wait and never finish must still
        // all get a thread (the starvation rule), or the fifth never starts.
        using ServerProcess s = Start("-w", "1", "--threads", "16");
        s.WaitForLogCount(") booted", 1);
        string dir = Directory.CreateTempSubdirectory("sharpicorn-share").FullName;
        var clients = Enumerable.Range(0, 12).Select(_ => new RawHttp(s.Port)).ToList();
        try
        {
            for (int i = 0; i < clients.Count; i++)
            {
                clients[i].Send(Block(dir, "r" + i.ToString(CultureInfo.InvariantCulture)));
            }
            var pids = Enumerable.Range(0, clients.Count).Select(i => WaitStarted(dir, "r" + i.ToString(CultureInfo.InvariantCulture))).ToList();
            File.WriteAllText(Path.Combine(dir, "release"), "");
            var replies = clients.Select(c => c.ReadResponse()).ToList();
            Assert.All(replies, r => Assert.Equal(200, r.Status));
            Assert.Single(pids.Distinct());
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void SyncTwoWorkers_OneBusyWithKeepAlive_NewConnectionsGoToTheOtherAndNothingIsLost()
    {
        using ServerProcess s = Start("-w", "2", "--threads", "1", "--keep-alive", "30");
        s.WaitForLogCount(") booted", 2);
        string dir = Directory.CreateTempSubdirectory("sharpicorn-share").FullName;
        // An idle keep-alive connection holds no thread: it must not stop its worker accepting.
        using var kept = new RawHttp(s.Port);
        kept.Send("GET /pid HTTP/1.1\r\nHost: t\r\n\r\n");
        int keptPid = PidOf(kept.ReadResponse());
        using var slow = new RawHttp(s.Port);
        slow.Send(Block(dir, "slow"));
        int busy = WaitStarted(dir, "slow");

        var others = Enumerable.Range(0, 20).Select(_ => RawHttp.Get(s.Port, "/pid")).ToList();
        Assert.All(others, r => Assert.Equal(200, r.Status));
        Assert.All(others, r => Assert.NotEqual(busy, PidOf(r)));

        // The kept-alive connection is still served, by its own worker, busy or not.
        kept.Send("GET /pid HTTP/1.1\r\nHost: t\r\n\r\n");
        File.WriteAllText(Path.Combine(dir, "release"), "");
        HttpReply again = kept.ReadResponse();
        HttpReply slowReply = slow.ReadResponse();
        Assert.Equal((200, keptPid), (again.Status, PidOf(again)));
        Assert.Equal((200, busy), (slowReply.Status, PidOf(slowReply)));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 4)]
    [InlineData(2, 1)]
    [InlineData(2, 4)]
    public void MaxRequests50_300Requests_NoPidServesMoreThan50AndNoneFail(int workers, int clients)
    {
        using ServerProcess s = Start("-w", workers.ToString(CultureInfo.InvariantCulture), "--max-requests", "50");
        s.WaitForLogCount(") booted", workers);
        const int Total = 300;
        int next = 0;
        var served = new List<int>();
        var errors = new List<string>();
        var threads = Enumerable.Range(0, clients).Select(_ => new Thread(() =>
        {
            RawHttp? c = null;
            while (Interlocked.Increment(ref next) <= Total)
            {
                try
                {
                    c ??= new RawHttp(s.Port);
                    c.Send("GET /pid HTTP/1.1\r\nHost: t\r\n\r\n");
                    HttpReply r = c.ReadResponse();
                    lock (served)
                    {
                        served.Add(r.Status == 200 ? PidOf(r) : -r.Status);
                    }
                    if (string.Equals(r.Header("Connection"), "close", StringComparison.OrdinalIgnoreCase))
                    {
                        c.Dispose();
                        c = null;
                    }
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
                {
                    lock (served)
                    {
                        errors.Add(e.Message);
                    }
                    c?.Dispose();
                    c = null;
                }
            }
            c?.Dispose();
        })
        { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Empty(errors);
        Assert.Equal(Total, served.Count);
        Assert.DoesNotContain(served, p => p < 0);
        // Totals per pid bound every run of consecutive requests, interleaved or not.
        var perPid = served.GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(perPid, kv => Assert.True(kv.Value <= 50, $"pid {kv.Key} served {kv.Value} requests"));
        Assert.True(perPid.Count >= Total / 50, $"only {perPid.Count} pids served {Total} requests");
    }
}
