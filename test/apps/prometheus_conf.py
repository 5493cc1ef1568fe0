# prometheus_client's multiprocess mode, as its documentation sets it up under gunicorn: the
# master serves the metrics that every worker writes to $PROMETHEUS_MULTIPROC_DIR, and marks
# each reaped worker dead so its live gauges stop counting.
import os

from prometheus_client import CollectorRegistry, multiprocess, start_http_server


def when_ready(server):
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    start_http_server(int(os.environ["METRICS_PORT"]), addr="127.0.0.1", registry=registry)


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
