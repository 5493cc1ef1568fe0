"""io_wait: every request waits 10 ms, as an app waiting on a database would."""
import time


def app(environ, start_response):
    time.sleep(0.01)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
