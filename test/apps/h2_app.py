"""A WSGI app for the HTTP/2 tests: protocol, streaming, echo and hop-by-hop headers."""
import hashlib


def _pattern(n):
    # Deterministic bytes the test can hash without the server's help.
    block = bytes(range(256)) * 64
    sent = 0
    while sent < n:
        chunk = block[: min(len(block), n - sent)]
        sent += len(chunk)
        yield chunk


_produced = [0]


def _counted(n):
    # Counts what the app has handed the server, so a test can see whether a slow reader holds it back.
    _produced[0] = 0
    for chunk in _pattern(n):
        _produced[0] += len(chunk)
        yield chunk


def app(environ, start_response):
    path = environ["PATH_INFO"]
    qs = environ.get("QUERY_STRING", "")
    if path == "/proto":
        body = ("%s %s" % (environ["SERVER_PROTOCOL"], environ["wsgi.url_scheme"])).encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/stream":
        # No Content-Length: the body is streamed chunk by chunk from a generator.
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return _pattern(int(qs or "1048576"))
    if path == "/produce":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return _counted(int(qs))
    if path == "/produced":
        body = str(_produced[0]).encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/echo":
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/upload_hash":
        h = hashlib.sha256()
        inp = environ["wsgi.input"]
        n = 0
        while True:
            c = inp.read(65536)
            if not c:
                break
            h.update(c)
            n += len(c)
        body = ("%s %d" % (h.hexdigest(), n)).encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/hop":
        # Connection-specific headers are illegal on HTTP/2 (RFC 9113 8.2.2).
        start_response("200 OK", [("Content-Type", "text/plain"), ("Connection", "close"), ("Keep-Alive", "timeout=5"),
                                  ("Transfer-Encoding", "chunked"), ("Upgrade", "h2c"), ("X-Kept", "yes")])
        return [b"hop ", b"headers"]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]
