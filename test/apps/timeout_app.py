"""Requests that block in C code, without the GIL, on a FIFO the test controls.

open() of a FIFO waits for a writer and read() for its bytes; neither returns for an async
exception (--request-timeout's interrupt), so only the test can release them, and it does so
only after it has what it waits for (a 504, a log line). Nothing here depends on timing.
"""
import os


def _say(environ, text):
    environ["wsgi.errors"].write(text + "\n")
    environ["wsgi.errors"].flush()


def _wait_on(fifo):
    with open(fifo, "rb") as f:
        return f.read()


def app(environ, start_response):
    path = environ["PATH_INFO"]
    fifo = environ.get("QUERY_STRING", "")
    if path == "/pid":
        body = ('{"pid": %d}' % os.getpid()).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/block":
        _say(environ, "blocked on " + fifo)
        data = _wait_on(fifo)
        _say(environ, "released from " + fifo)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"released:" + data]
    if path == "/started_then_block":
        # start_response sends nothing (PEP 3333): the server still owns the response.
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        _say(environ, "blocked on " + fifo)
        data = _wait_on(fifo)
        _say(environ, "released from " + fifo)
        write(b"late:" + data)
        return []
    if path == "/sent_then_block":
        # The first byte is out: the response is the app's, a deadline cannot replace it.
        def body():
            yield b"first\n"
            _say(environ, "blocked on " + fifo)
            yield b"then:" + _wait_on(fifo)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body()
    if path == "/hog":
        # One C call that never gives the GIL up (no bytecode runs inside sum over a range): the
        # whole interpreter stalls, as gunicorn's gthread main loop would.
        _say(environ, "hogging the GIL")
        sum(range(10 ** 13))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"never"]
    if path == "/read_body":
        # Waits inside the server for body bytes the test never sends.
        _say(environ, "reading body")
        try:
            data = environ["wsgi.input"].read()
        except OSError as e:
            _say(environ, "read failed: %s" % e)
            raise
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [data]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]
