using Sharpicorn.Protocol;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Worker;

/// <summary>
/// Sends the arbiter this worker's request counts and in-flight requests once a second, and
/// once more when the worker exits (after it drained, so the arbiter's totals are exact).
/// Only reads the counters and each thread's current request: the hot path never waits for it.
/// </summary>
internal sealed class WorkerStatsReporter(PythonWorkerPool pool, WorkerChannel channel)
{
    /// <summary>Once a second: what `sharpicorn ctl top` refreshes at, and a scrape interval's granularity.</summary>
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private volatile bool _stopped;

    public void Start()
    {
        new Thread(() =>
        {
            while (!_stopped)
            {
                Thread.Sleep(Period);
                if (!_stopped && !Send())
                {
                    return;
                }
            }
        }, maxStackSize: 256 * 1024)
        { IsBackground = true, Name = "worker-stats" }.Start();
    }

    /// <summary>The last report, from the exiting worker; the periodic one stops.</summary>
    public void SendFinal()
    {
        _stopped = true;
        Send();
    }

    private bool Send()
    {
        var inFlight = new List<InFlightRequest>();
        foreach (PythonWorker t in pool.Workers)
        {
            if (t.Current is { } req && inFlight.Count < WorkerStats.MaxInFlight)
            {
                string raw = req.RawTarget;
                int q = raw.IndexOf('?', StringComparison.Ordinal);
                inFlight.Add(new InFlightRequest(req.Method, q >= 0 ? raw[..q] : raw, req.StartTick));
            }
        }
        return channel.SendStats(RequestCounters.Process.Snapshot(inFlight).Encode());
    }
}
