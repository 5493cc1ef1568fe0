"""An app whose import takes far longer than any boot timeout a test sets."""
import time

time.sleep(3600)


def app(environ, start_response):
    start_response("200 OK", [])
    return [b""]
