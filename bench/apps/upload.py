"""1 MiB upload: reads the whole request body and answers its length."""


def app(environ, start_response):
    stream = environ["wsgi.input"]
    n = 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        n += len(chunk)
    body = str(n).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
