"""1 MiB response: one bytes object, built once, sent whole."""
BODY = b"x" * (1024 * 1024)


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(BODY)))])
    return [BODY]
