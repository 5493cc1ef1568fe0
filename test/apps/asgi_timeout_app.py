# An ASGI app for --request-timeout and --timeout: /forever awaits an event nobody sets, /block
# blocks the event loop in a C call (time.sleep) inside a coroutine, /pid answers at once.
# Each stuck request writes a line to the error log first, so the test waits for it rather
# than for a clock.
import asyncio
import os
import sys
import time


def _say(text):
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


async def wait_for_nothing():
    await asyncio.Event().wait()  # the await a --request-timeout report points at


async def blocking_handler():
    time.sleep(100)  # blocks the loop: no other task runs, no heartbeat progress


async def app(scope, receive, send):
    if scope["type"] != "http":
        return  # lifespan: the "unsupported" path, as a bare app
    path = scope["path"]
    if path == "/forever":
        _say("awaiting forever")
        await wait_for_nothing()
    elif path == "/block":
        _say("blocking the loop")
        await blocking_handler()
    body = b'{"pid": %d}' % os.getpid()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})
