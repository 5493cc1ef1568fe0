"""WSGI app for the load-sharing and max_requests tests: /pid, and /block that holds its
thread until a file appears (a signal from the test, not a timer)."""
import json
import os
import time
from urllib.parse import parse_qs


def _json(start_response, obj):
    body = json.dumps(obj).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/block":
        # /block?dir=D&name=N: announce D/N.started (with this pid), then wait for D/release.
        q = parse_qs(environ.get("QUERY_STRING", ""))
        d, name = q["dir"][0], q["name"][0]
        tmp = os.path.join(d, name + ".tmp")
        with open(tmp, "w") as f:
            f.write(str(os.getpid()))
        os.rename(tmp, os.path.join(d, name + ".started"))
        deadline = time.monotonic() + 60
        while not os.path.exists(os.path.join(d, "release")) and time.monotonic() < deadline:
            time.sleep(0.005)
        return _json(start_response, {"pid": os.getpid(), "name": name})
    return _json(start_response, {"pid": os.getpid()})
