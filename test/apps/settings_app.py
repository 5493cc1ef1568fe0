"""App for the tests of gunicorn's remaining settings (sendfile, forwarder_headers, initgroups, spew)."""
import io
import json
import os


class UpperFile(io.FileIO):
    """A real file whose read() upper-cases: sendfile bypasses read(), iteration does not."""

    def read(self, size=-1):
        return super().read(size).upper()


def spewed_marker():
    return "spew-marker-line"


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/wrapper":
        f = UpperFile(os.path.abspath(__file__).replace(".pyc", ".py"), "r")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return environ["wsgi.file_wrapper"](f, 64)
    if path == "/groups":
        body = json.dumps({"gid": os.getgid(), "groups": sorted(os.getgroups())})
    elif path == "/spew":
        body = spewed_marker()
    else:
        body = json.dumps({k: v for k, v in environ.items() if isinstance(v, str)})
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body.encode()]
