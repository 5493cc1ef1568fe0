"""For statsd, access-log JSON and {NAME}e tests: sets environ keys as a middleware would."""
from urllib.parse import unquote


def app(environ, start_response):
    path = environ["PATH_INFO"]
    environ["app.user"] = "alice"
    # Any text, control characters included, for the access log to escape.
    environ["app.note"] = unquote(environ.get("QUERY_STRING", ""))
    if path == "/raise":
        raise ValueError("boom")
    if path.startswith("/status/"):
        start_response(path[len("/status/"):] + " Custom", [("Content-Type", "text/plain")])
        return [b"status"]
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Out", 'say "hi"')])
    return [b"ok"]
