# The WebSocket checks, run with Debian's websockets client against a server's /ws and /deny;
# prints one JSON object with what it saw. Usage: asgi_ws_client.py PORT
import asyncio
import json
import sys

import websockets


async def main(port):
    base = "ws://127.0.0.1:%d" % port
    out = {}
    async with websockets.connect(base + "/ws", subprotocols=["chat"], max_size=None) as ws:
        out["subprotocol"] = ws.subprotocol
        await ws.send("hello")
        out["text"] = await ws.recv()
        await ws.send(b"\x00\x01\xff")
        out["binary"] = list(await ws.recv())
        big = bytes(range(256)) * 4096
        await ws.send(big)
        out["mib_echoed"] = (await ws.recv()) == big
        await ws.send("close:4001")
        try:
            await ws.recv()
        except websockets.ConnectionClosed as e:
            out["server_close_code"] = e.code
    async with websockets.connect(base + "/ws") as ws:
        out["no_subprotocol"] = ws.subprotocol
        await ws.close(code=4002)
    try:
        async with websockets.connect(base + "/deny"):
            out["denied"] = None
    except websockets.InvalidStatusCode as e:
        out["denied"] = e.status_code
    print(json.dumps(out))


asyncio.run(main(int(sys.argv[1])))
