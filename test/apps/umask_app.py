"""Writes a file the way an app would (open(..., "w")) and reports its mode and the process umask."""
import json
import os


def app(environ, start_response):
    path = environ["QUERY_STRING"]
    with open(path, "w") as f:
        f.write("x")
    current = os.umask(0)
    os.umask(current)
    body = json.dumps({"pid": os.getpid(), "mode": os.stat(path).st_mode & 0o777, "umask": current}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
