using System.Collections.Concurrent;
using System.Text.Json;

namespace Sharpicorn.Tests.TestUtilities;

/// <summary>
/// A bounded keep-alive load on /pid: N connections for a fixed time, each counting failures
/// (a reset, a non-200) and the worker pids that answered. "Connection: close" is honoured
/// by reconnecting, as any HTTP client does.
/// </summary>
public sealed class LoadGenerator(int port, int connections, TimeSpan duration)
{
    private readonly ManualResetEventSlim _finished = new();
    private readonly ManualResetEventSlim _reached = new();
    private long _ok;
    private long _failed;
    private long _target = long.MaxValue;

    public ConcurrentDictionary<int, long> Pids { get; } = new();

    public ConcurrentQueue<string> Errors { get; } = new();

    public long Ok => Interlocked.Read(ref _ok);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>One dedicated thread per connection: blocking sockets must not wait for thread-pool growth.</summary>
    public Task RunAsync()
    {
        var tasks = Enumerable.Range(0, connections).Select(_ =>
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            new Thread(() =>
            {
                try
                {
                    Loop();
                }
                finally
                {
                    done.SetResult();
                }
            })
            { IsBackground = true }.Start();
            return done.Task;
        });
        Task all = Task.WhenAll(tasks.ToList());
        _ = all.ContinueWith(_ => _finished.Set(), TaskScheduler.Default);
        return all;
    }

    /// <summary>
    /// Waits until at least <paramref name="count"/> requests have succeeded (the load is really on).
    /// Fails the test, with the server's error log, if the load ends or the wait runs out first.
    /// </summary>
    public void WaitForOk(long count)
    {
        Interlocked.Exchange(ref _target, count);
        if (Ok >= count)
        {
            return;
        }
        int woke = WaitHandle.WaitAny([_reached.WaitHandle, _finished.WaitHandle], ServerProcess.Patience);
        if (Ok >= count)
        {
            return;
        }
        string why = woke == WaitHandle.WaitTimeout ? $"within {ServerProcess.Patience.TotalSeconds} s" : "before the load ended";
        throw new TimeoutException($"fewer than {count} requests succeeded {why}: {Ok} ok, {Failed} failed ({string.Join("; ", Errors.Take(5))})"
            + ServerProcess.DescribeServerOn(port));
    }

    private void Loop()
    {
        DateTime end = DateTime.UtcNow + duration;
        RawHttp? c = null;
        while (DateTime.UtcNow < end)
        {
            try
            {
                c ??= new RawHttp(port);
                c.Send("GET /pid HTTP/1.1\r\nHost: t\r\n\r\n");
                HttpReply r = c.ReadResponse();
                if (r.Status != 200)
                {
                    throw new IOException("status " + r.StatusLine);
                }
                int pid = JsonDocument.Parse(r.Body).RootElement.GetProperty("pid").GetInt32();
                Pids.AddOrUpdate(pid, 1, (_, n) => n + 1);
                if (Interlocked.Increment(ref _ok) >= Interlocked.Read(ref _target))
                {
                    _reached.Set();
                }
                if (string.Equals(r.Header("Connection"), "close", StringComparison.OrdinalIgnoreCase))
                {
                    c.Dispose();
                    c = null;
                }
            }
            catch (Exception e) when (e is IOException or TimeoutException or System.Net.Sockets.SocketException or FormatException or JsonException or KeyNotFoundException)
            {
                Interlocked.Increment(ref _failed);
                Errors.Enqueue(e.Message);
                c?.Dispose();
                c = null;
            }
        }
        c?.Dispose();
    }
}
