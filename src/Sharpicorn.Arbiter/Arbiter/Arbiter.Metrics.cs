using System.Globalization;
using Sharpicorn.Metrics;
using Sharpicorn.Net;
using Sharpicorn.Protocol;

namespace Sharpicorn.Arbiter;

/// <summary>--metrics-bind's page, rendered on the loop from the workers' latest stats plus the retired totals.</summary>
internal sealed partial class Arbiter
{
    internal string RenderMetrics()
    {
        var sum = new WorkerStats();
        sum.Add(_retired);
        int inFlight = 0;
        foreach (WorkerProcess w in _workers.Values)
        {
            if (w.Stats is { } s)
            {
                sum.Add(s);
                inFlight += s.InFlight.Count;
            }
        }
        var p = new PrometheusText();
        p.Family("sharpicorn_http_requests_total", "counter", "Requests served, by method and status (replaced workers included).");
        foreach ((int key, long n) in sum.Requests.OrderBy(kv => kv.Key))
        {
            (int method, int status) = WorkerStats.Split(key);
            p.Sample("sharpicorn_http_requests_total", n, ("method", RequestMethods.Names[method]), ("status", status.ToString(CultureInfo.InvariantCulture)));
        }
        p.Family("sharpicorn_http_request_duration_seconds", "histogram", "Request duration, from Kestrel's hand-off to the response's end.");
        p.Histogram("sharpicorn_http_request_duration_seconds", DurationBuckets.Bounds, sum.Buckets, sum.DurationMicros / 1e6);
        p.Family("sharpicorn_http_requests_in_flight", "gauge", "Requests running on a Python thread, as last reported by the workers.");
        p.Sample("sharpicorn_http_requests_in_flight", inFlight);
        p.Family("sharpicorn_http_request_body_bytes_total", "counter", "Request body bytes read by the app (wsgi.input).");
        p.Sample("sharpicorn_http_request_body_bytes_total", sum.BytesIn);
        p.Family("sharpicorn_http_response_body_bytes_total", "counter", "Response body bytes sent (the access log's %(B)s).");
        p.Sample("sharpicorn_http_response_body_bytes_total", sum.BytesOut);
        p.Family("sharpicorn_workers", "gauge", "Worker processes alive (booting, serving or stopping).");
        p.Sample("sharpicorn_workers", _workers.Count);
        p.Family("sharpicorn_workers_target", "gauge", "The worker count the master aims for (workers, TTIN/TTOU, worker add/remove).");
        p.Sample("sharpicorn_workers_target", _numWorkers);
        p.Family("sharpicorn_worker_restarts_total", "counter", "Workers replaced, by reason.");
        foreach (string reason in RestartReasons)
        {
            p.Sample("sharpicorn_worker_restarts_total", _restarts[reason], ("reason", reason));
        }
        p.Family("sharpicorn_worker_resident_memory_bytes", "gauge", "Each worker's resident set size.");
        foreach (WorkerProcess w in _workers.Values.OrderBy(w => w.Age))
        {
            if (processes.ReadRssKiB(w.Pid) is long rss)
            {
                p.Sample("sharpicorn_worker_resident_memory_bytes", rss * 1024.0, ("pid", w.Pid.ToString(CultureInfo.InvariantCulture)), ("age", w.Age.ToString(CultureInfo.InvariantCulture)));
            }
        }
        p.Family("sharpicorn_listen_queue_depth", "gauge", "Connections waiting in a listener's accept queue (TCP_INFO; TCP listeners only).");
        foreach (Listener l in Listeners)
        {
            int depth = ListenBacklog.Of(l.Socket);
            if (depth >= 0)
            {
                p.Sample("sharpicorn_listen_queue_depth", depth, ("listener", l.Describe(_settings.IsSsl)));
            }
        }
        return p.ToString();
    }
}
