"""The example app the README serves: ./sharpicorn --chdir examples app:app"""


def app(environ, start_response):
    body = b"Hello from sharpicorn!\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
