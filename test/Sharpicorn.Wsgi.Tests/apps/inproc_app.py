# The app the in-process WSGI tests drive. PATH_INFO picks the behaviour; the response says
# exactly what the app saw, so the C# side can compare bytes.
import sys

import _sharpicorn_wsgi

_kept = []


def _sizes(parts):
    return ",".join(str(len(p)) for p in parts).encode("latin-1")


def _respond(start_response, body, extra=()):
    start_response("200 OK", [("Content-Type", "application/octet-stream"),
                              ("Content-Length", str(len(body)))] + list(extra))
    return [body]


PATTERN = bytes(range(32, 127)) * 8
_closed = []


class _pieces:
    # An iterable with close(), to see that the server calls it whatever happened.
    def __init__(self, sizes):
        self._sizes = sizes
        _closed.clear()

    def __iter__(self):
        at = 0
        for n in self._sizes:
            yield PATTERN[at:at + n]
            at += n

    def close(self):
        _closed.append(True)


def app(environ, start_response):
    path = environ["PATH_INFO"]
    query = environ["QUERY_STRING"]
    stream = environ["wsgi.input"]
    if path == "/read":
        n = int(query)
        parts = []
        while True:
            part = stream.read(n)
            if not part:
                break
            parts.append(part)
        return _respond(start_response, b"".join(parts), [("X-Sizes", _sizes(parts).decode())])
    if path == "/read-all":
        data = stream.read()
        return _respond(start_response, data, [("X-Sizes", str(len(data)))])
    if path == "/readline":
        n = int(query)
        parts = []
        while True:
            line = stream.readline(n)
            if not line:
                break
            parts.append(line)
        return _respond(start_response, b"".join(parts), [("X-Sizes", _sizes(parts).decode())])
    if path == "/iterate":
        parts = list(stream)
        return _respond(start_response, b"".join(parts), [("X-Sizes", _sizes(parts).decode())])
    if path == "/errors":
        environ["wsgi.errors"].write("a line for the error log\n")
        return _respond(start_response, b"still serving")
    if path == "/keep":
        # Keeps this request's start_response, write and wsgi.input for /stale to misuse.
        _kept[:] = [start_response, start_response("200 OK", []), stream]
        return [b"kept"]
    if path == "/stale":
        old_start, old_write, old_input = _kept
        seen = []
        for call in (lambda: old_start("200 OK", []), lambda: old_write(b"x"), lambda: old_input.read(1)):
            try:
                call()
                seen.append("accepted")
            except Exception as e:
                seen.append("%s: %s" % (type(e).__name__, e))
        return _respond(start_response, "\n".join(seen).encode())
    if path == "/gen":
        # Yields the pattern in pieces of the given sizes, with no Content-Length.
        sizes = [int(n) for n in query.split(",") if n]
        start_response("200 OK", [])
        return _pieces(sizes)
    if path == "/closed":
        return _respond(start_response, repr(_closed).encode())
    if path == "/stats":
        stats = _sharpicorn_wsgi.runtime_stats()
        body = ",".join("%s=%d" % (k, stats[k]) for k in sorted(stats)).encode()
        return _respond(start_response, body)
    if path == "/chunks":
        # No Content-Length: the server decides the framing.
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([b"one", b"", b"two"])
    if path == "/write":
        write = start_response("201 Created", [("Content-Length", "10")])
        write(b"hello")
        return [b"world", b"ignored beyond the declared length"]
    if path == "/fail-before":
        raise ValueError("boom before start_response")
    if path == "/fail-after":
        start_response("200 OK", [])

        def gen():
            yield b"partial"
            raise ValueError("boom mid-body")
        return gen()
    if path == "/status":
        status = query.replace("+", " ")
        start_response(status, [("X-App", "yes")])
        return [b"body"]
    return _respond(start_response, b"unknown " + path.encode("latin-1"))
