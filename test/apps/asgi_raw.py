# A raw ASGI 3 app: lifespan markers (files named by $ASGI_MARKS), startup failure on demand
# ($ASGI_FAIL_STARTUP), the scope as JSON, disconnect delivery and the error paths.
import json
import os


def _mark(text):
    path = os.environ.get("ASGI_MARKS")
    if path:
        with open(path, "a") as f:
            f.write(text + "\n")


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if os.environ.get("ASGI_FAIL_STARTUP"):
                    await send({"type": "lifespan.startup.failed", "message": "database unreachable"})
                    return
                if "state" in scope:  # ASGI 2.4's lifespan state; uvicorn 0.17 (spec 2.3) has none
                    scope["state"]["answer"] = 42
                _mark("startup")
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                _mark("shutdown")
                await send({"type": "lifespan.shutdown.complete"})
                return
    path = scope["path"]
    if path == "/disconnect":
        _mark("waiting")
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                _mark("disconnected")
                return
    if path == "/error-before":
        raise ValueError("before start")
    if path == "/error-after":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise ValueError("after start")
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    info = {
        "type": scope["type"],
        "asgi": scope["asgi"],
        "http_version": scope["http_version"],
        "method": scope["method"],
        "scheme": scope["scheme"],
        "path": scope["path"],
        "raw_path": scope["raw_path"].decode("latin-1"),
        "query_string": scope["query_string"].decode("latin-1"),
        "root_path": scope["root_path"],
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
        "client": list(scope["client"]) if scope.get("client") else None,
        "server": list(scope["server"]) if scope.get("server") else None,
        "state": (scope.get("state") or {}).get("answer"),
        "body": body.decode("latin-1"),
    }
    out = json.dumps(info).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(out)).encode())]})
    await send({"type": "http.response.body", "body": out})
