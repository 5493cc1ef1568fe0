"""asgi_sleep: every request awaits asyncio.sleep(0.01), an async app waiting on I/O."""
import asyncio

BODY = b"ok"
START = {"type": "http.response.start", "status": 200,
         "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")]}
END = {"type": "http.response.body", "body": BODY}


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await asyncio.sleep(0.01)
    await send(START)
    await send(END)
