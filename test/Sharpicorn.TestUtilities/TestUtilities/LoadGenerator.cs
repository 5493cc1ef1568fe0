using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Sharpicorn.Tests.TestUtilities;

/// <summary>
/// A bounded keep-alive load on /pid: N connections until <see cref="Stop"/> or at most
/// <c>duration</c>, each counting failures (a reset, a non-200) and the worker pids that
/// answered. "Connection: close" is honoured by reconnecting, as any HTTP client does.
/// </summary>
public sealed class LoadGenerator(int port, int connections, TimeSpan duration)
{
    /// <summary>How often a waiter looks at the counters again (they change thousands of times a second).</summary>
    private static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(10);

    private readonly ManualResetEventSlim _finished = new();
    private long _ok;
    private long _failed;
    private volatile bool _stop;

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

    /// <summary>Ends the load: every connection finishes its request in flight and stops.</summary>
    public void Stop() => _stop = true;

    /// <summary>
    /// Waits until at least <paramref name="count"/> requests have succeeded (the load is really on).
    /// Fails the test, with the server's error log, if the load ends or the wait runs out first.
    /// </summary>
    public void WaitForOk(long count) => WaitUntil(() => Ok >= count, $"{count} requests succeeded");

    /// <summary>
    /// Waits, while the load runs, until <paramref name="condition"/> holds (a new pid has answered,
    /// say). Fails the test, with the server's error log, if the load ends or the wait runs out first.
    /// </summary>
    public void WaitUntil(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (_finished.IsSet)
            {
                Fail($"the load ended before {what}");
            }
            if (clock.Elapsed > ServerProcess.Patience)
            {
                Fail($"not {what} within {ServerProcess.Patience.TotalSeconds} s");
            }
            _finished.Wait(CheckInterval);
        }
    }

    private void Fail(string why) =>
        throw new TimeoutException($"{why}: {Ok} ok, {Failed} failed, pids {string.Join(",", Pids.Keys)} ({string.Join("; ", Errors.Take(5))}){ServerProcess.DescribeServerOn(port)}");

    private void Loop()
    {
        DateTime end = DateTime.UtcNow + duration;
        RawHttp? c = null;
        while (!_stop && DateTime.UtcNow < end)
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
                Interlocked.Increment(ref _ok);
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
