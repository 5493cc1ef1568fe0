"""WSGI app for the network-front tests (disconnects, half-close, framing); records what the server did to files."""
import os
import threading
import time

_gates = {}
_lock = threading.Lock()


def _gate(name):
    with _lock:
        return _gates.setdefault(name, threading.Event())


class Recorded:
    """An iterable that writes its close() to a file, so a test can see it ran."""

    def __init__(self, marker, chunks, forever):
        self.marker = marker
        self.chunks = chunks
        self.forever = forever

    def __iter__(self):
        for c in self.chunks:
            yield c
        while self.forever:
            yield b"x" * 65536

    def close(self):
        with open(self.marker, "w") as f:
            f.write("closed")


def app(environ, start_response):
    path = environ["PATH_INFO"]
    qs = environ.get("QUERY_STRING", "")
    if path == "/forever":
        # qs: the file close() writes to.
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return Recorded(qs, [b"start"], forever=True)
    if path == "/held":
        # Answers only once /open?<qs> has been called; qs names the gate and a file prefix:
        # <qs>.entered is written first, so a test knows the app is running, and the
        # response's close() writes <qs>.closed.
        with open(qs + ".entered", "w") as f:
            f.write("entered")
        _gate(qs).wait(30)
        body = b"held response\n"
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return Recorded(qs + ".closed", [body], forever=False)
    if path == "/open":
        _gate(qs).set()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    if path == "/echo":
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(body)))])
        return [body]
    body = b"x response\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
