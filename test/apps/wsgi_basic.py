"""WSGI test app for sharpicorn's integration tests: one route per behaviour under test."""
import base64
import hashlib
import json
import os
import sys
import threading

_closed = threading.Event()
_close_count = [0]
_release = threading.Event()
_stash = {}


def _json(start_response, obj, status="200 OK", extra=()):
    body = json.dumps(obj).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body)))] + list(extra))
    return [body]


class Closing:
    """An iterable that records close(); optionally infinite (for disconnect tests)."""

    def __init__(self, chunks, forever=False):
        self.chunks = chunks
        self.forever = forever

    def __iter__(self):
        for c in self.chunks:
            yield c
        while self.forever:
            yield b"x" * 65536

    def close(self):
        _close_count[0] += 1
        _closed.set()


def _input_matrix(inp, mode, arg):
    out = []
    if mode == "read":
        out.append(inp.read())
    elif mode == "read_n":
        while True:
            c = inp.read(arg)
            if not c:
                break
            out.append(c)
    elif mode == "read_none":
        out.append(inp.read(None))
    elif mode == "readline":
        while True:
            line = inp.readline()
            if not line:
                break
            out.append(line)
    elif mode == "readline_n":
        while True:
            line = inp.readline(arg)
            if not line:
                break
            out.append(line)
    elif mode == "readlines":
        out.extend(inp.readlines())
    elif mode == "readlines_hint":
        out.extend(inp.readlines(arg))
        out.append(b"|rest|" + inp.read())
    elif mode == "iter":
        out.extend(iter(inp))
    return [c.decode("latin-1") for c in out]


def app(environ, start_response):
    path = environ["PATH_INFO"]
    qs = environ.get("QUERY_STRING", "")
    if path.startswith("/environ"):
        env = {k: v for k, v in environ.items() if isinstance(v, (str, bool, int, tuple))}
        env["wsgi.input.type"] = type(environ["wsgi.input"]).__name__
        env["sys.prefix"] = sys.prefix
        env["sys.executable"] = sys.executable
        env["threading.current"] = threading.current_thread().name
        env["pid"] = os.getpid()
        return _json(start_response, env)
    if path == "/echo":
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(body)))])
        return [body]
    if path.startswith("/input/"):
        mode = path[len("/input/"):]
        arg = int(qs) if qs else -1
        return _json(start_response, _input_matrix(environ["wsgi.input"], mode, arg))
    if path == "/upload_hash":
        h = hashlib.sha256()
        n = 0
        inp = environ["wsgi.input"]
        while True:
            c = inp.read(1 << 20)
            if not c:
                break
            h.update(c)
            n += len(c)
        return _json(start_response, {"sha256": h.hexdigest(), "length": n})
    if path == "/stream":
        # The first chunk must reach the client before the generator finishes: the generator
        # only finishes once the client has called /release.
        _release.clear()
        start_response("200 OK", [("Content-Type", "text/plain")])

        def gen():
            yield b"first\n"
            _release.wait(30)
            yield b"second\n"
        return gen()
    if path == "/release":
        _release.set()
        return _json(start_response, {"released": True})
    if path == "/forever":
        _closed.clear()
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return Closing([b"start"], forever=True)
    if path == "/closing":
        _closed.clear()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Closing([b"a", b"b"])
    if path == "/closed":
        ok = _closed.wait(30)
        return _json(start_response, {"closed": ok, "count": _close_count[0]})
    if path == "/write":
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written ")
        write(b"then ")
        return [b"returned"]
    if path == "/file":
        f = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), qs or "wsgi_basic.py"), "rb")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return environ["wsgi.file_wrapper"](f, 4096)
    if path == "/file_offset":
        f = open(os.path.abspath(__file__), "rb")
        f.seek(10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return environ["wsgi.file_wrapper"](f)
    if path == "/filelike":
        import io
        start_response("200 OK", [("Content-Type", "text/plain")])
        return environ["wsgi.file_wrapper"](io.BytesIO(b"from a BytesIO"), 4)
    if path.startswith("/status/"):
        code = path[len("/status/"):]
        start_response(code + " Custom Reason", [("Content-Type", "text/plain")])
        return [b"body that must not be sent"]
    if path == "/raise":
        raise ValueError("boom before headers")
    if path == "/raise_after":
        start_response("200 OK", [("Content-Type", "text/plain")])

        def gen():
            yield b"partial"
            raise RuntimeError("boom after headers")
        return gen()
    if path == "/exc_info":
        try:
            raise KeyError("handled")
        except KeyError:
            start_response("200 OK", [("X-First", "1")])
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")], sys.exc_info())
        return [b"replaced"]
    if path == "/exc_info_late":
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"sent")
        try:
            raise KeyError("too late")
        except KeyError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        return [b"never"]
    if path == "/twice":
        start_response("200 OK", [])
        start_response("200 OK", [])
        return [b"never"]
    if path == "/bad_header_value":
        start_response("200 OK", [("X-Injected", "a\r\nSet-Cookie: evil=1")])
        return [b"never"]
    if path == "/bad_header_name":
        start_response("200 OK", [("Bad Name", "x")])
        return [b"never"]
    if path == "/bad_status":
        start_response("2000 OK\r\nX: y", [])
        return [b"never"]
    if path == "/not_bytes":
        start_response("200 OK", [])
        return ["a str, not bytes"]
    if path == "/no_start_response":
        return [b""]
    if path == "/errors":
        environ["wsgi.errors"].write("message to wsgi.errors\n")
        environ["wsgi.errors"].flush()
        return _json(start_response, {"ok": True})
    if path == "/chunked":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([b"one", b"two", b"three"])
    if path == "/cl_short":
        start_response("200 OK", [("Content-Length", "5")])
        return [b"0123456789"]
    if path == "/latin1":
        start_response("200 OK", [("X-Latin", "caf\u00e9"), ("Content-Length", "0")])
        return [b""]
    if path == "/multi_header":
        start_response("200 OK", [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Content-Length", "0")])
        return [b""]
    if path == "/big":
        n = int(qs or "1048576")
        start_response("200 OK", [("Content-Length", str(n))])
        return [b"z" * n]
    if path == "/wait_body":
        # In flight until the client sends its body: a request the test holds open as long as it likes.
        environ["wsgi.errors"].write("waiting for the body\n")
        environ["wsgi.errors"].flush()
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/memstats":
        # What the refcount test measures: Python's live blocks once cycles are collected, and the
        # .NET side's managed heap (from the native module, when this build has it).
        import gc
        gc.collect()
        stats = {"pid": os.getpid(), "allocated_blocks": sys.getallocatedblocks()}
        try:
            import _sharpicorn_wsgi
            stats["runtime"] = _sharpicorn_wsgi.runtime_stats()
        except (ImportError, AttributeError):
            stats["runtime"] = None
        return _json(start_response, stats)
    if path == "/signals":
        # Python installed no handlers of its own: SIGINT is not its default_int_handler.
        import signal
        return _json(start_response, {"SIGINT": str(signal.getsignal(signal.SIGINT)),
                                      "SIGTERM": str(signal.getsignal(signal.SIGTERM))})
    if path == "/stash":
        # Keeps this request's wsgi.input and start_response, as a buggy app might.
        _stash["input"] = environ["wsgi.input"]
        _stash["start_response"] = start_response
        return _json(start_response, {"stashed": True})
    if path == "/use_stash":
        # A later request must not be reachable through the stale objects.
        out = {}
        try:
            out["read"] = _stash["input"].read(100).decode("latin-1")
        except Exception as e:
            out["read_error"] = "%s: %s" % (type(e).__name__, e)
        try:
            _stash["start_response"]("418 Stale", [])
            out["start_response"] = "accepted"
        except Exception as e:
            out["start_response_error"] = "%s: %s" % (type(e).__name__, e)
        return _json(start_response, out)
    if path == "/pid":
        return _json(start_response, {"pid": os.getpid()})
    if path == "/hang":
        # Blocks in C (a lock wait) for a long time: only the arbiter's timeout ends this.
        environ["wsgi.errors"].write("hang started\n")
        threading.Event().wait(3600)
        return _json(start_response, {"never": True})
    if path == "/sleep_forever":
        # time.sleep ignores PyThreadState_SetAsyncExc until it returns: not interruptible.
        import time
        environ["wsgi.errors"].write("sleep_forever started\n")
        time.sleep(3600)
        return _json(start_response, {"never": True})
    if path == "/slow_stream":
        # Streams for longer than a short --timeout, but keeps writing: it is making progress.
        import time
        start_response("200 OK", [("Content-Type", "text/plain")])

        def gen():
            for i in range(8):
                yield b"tick%d\n" % i
                time.sleep(0.5)
        return gen()
    if path == "/spin":
        # A pure-Python busy loop: interruptible by --request-timeout.
        environ["wsgi.errors"].write("spin started\n")
        while True:
            pass
    if path == "/recurse":
        def depth(n):
            return 0 if n == 0 else 1 + depth(n - 1)
        sys.setrecursionlimit(20000)
        return _json(start_response, {"depth": depth(int(qs or "5000"))})
    return _json(start_response, {"error": "not found", "path": path}, status="404 Not Found")


application = app


def create_app(prefix="factory"):
    def factory_app(environ, start_response):
        return _json(start_response, {"made_by": prefix})
    return factory_app


not_callable = 42


def venv_app(environ, start_response):
    """Reports which interpreter world the app sees: sys.prefix and a venv-only module."""
    try:
        import venv_marker
        marker = venv_marker.WHERE
    except ImportError:
        marker = None
    return _json(start_response, {"prefix": sys.prefix, "executable": sys.executable, "marker": marker,
                                  "version": "%d.%d.%d" % sys.version_info[:3]})
