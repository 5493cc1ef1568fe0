"""Counts the requests that reach the app, so a test can tell which ones the server answered itself."""

import threading

_lock = threading.Lock()
_calls = [0]


def app(environ, start_response):
    with _lock:
        _calls[0] += 1
        n = _calls[0]
    body = str(n).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
