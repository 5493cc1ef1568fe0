"""Counts its requests in prometheus_client's multiprocess mode (prometheus_conf.py serves them)."""
from prometheus_client import Counter, Gauge

REQUESTS = Counter("app_requests", "Requests served", ["path"])
LIVE = Gauge("app_workers", "Workers alive", multiprocess_mode="livesum")
LIVE.inc()


def app(environ, start_response):
    REQUESTS.labels(environ["PATH_INFO"]).inc()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"counted"]
