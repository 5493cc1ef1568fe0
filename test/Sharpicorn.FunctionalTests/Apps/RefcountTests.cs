using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Apps;

/// <summary>Refcounts balance: 100,000 requests do not grow the process.</summary>
public sealed class RefcountTests
{
    private static void Hammer(int port, int requests, string target)
    {
        const int connections = 4;
        Parallel.For(0, connections, _ =>
        {
            using var c = new RawHttp(port);
            byte[] batch = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat($"GET {target} HTTP/1.1\r\nHost: t\r\nX-Header: value\r\n\r\n", 50)));
            for (int i = 0; i < requests / connections / 50; i++)
            {
                c.Send(batch);
                for (int j = 0; j < 50; j++)
                {
                    if (c.ReadResponse().Status != 200)
                    {
                        throw new InvalidOperationException("request failed");
                    }
                }
            }
        });
    }

    public static int WorkerPid(int port) =>
        System.Text.Json.JsonDocument.Parse(RawHttp.Get(port, "/pid").Body).RootElement.GetProperty("pid").GetInt32();

    [Fact]
    public void HundredThousandRequests_RssDoesNotGrow()
    {
        using var s = ServerProcess.Start(["--python", Repo.DebianPython, "--threads", "2", "wsgi_basic:app"]);
        int worker = WorkerPid(s.Port);
        // Warm up: JIT, pools, caches and Python's allocator arenas reach their steady size.
        Hammer(s.Port, 20_000, "/environ/a%20b?q=1");
        long before = ServerProcess.RssKiB(worker);
        Hammer(s.Port, 100_000, "/environ/a%20b?q=1");
        long after = ServerProcess.RssKiB(worker);
        Assert.Equal(worker, WorkerPid(s.Port));
        // One leaked environ dict per request would be over 100 MB here; allow 16 MiB of noise.
        Assert.InRange(after - before, long.MinValue, 16 * 1024);
    }
}
