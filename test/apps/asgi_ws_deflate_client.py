# permessage-deflate with Debian's websockets client (compression="deflate", its default offer:
# "permessage-deflate; client_max_window_bits") against a server's /ws echo; prints one JSON
# object with the negotiated extension as the client saw it. Usage: asgi_ws_deflate_client.py PORT
import asyncio
import json
import sys

import websockets


async def main(port):
    out = {}
    async with websockets.connect("ws://127.0.0.1:%d/ws" % port, compression="deflate", max_size=None) as ws:
        out["response_header"] = ws.response_headers.get("Sec-WebSocket-Extensions")
        out["extensions"] = [
            {
                "name": e.name,
                "remote_max_window_bits": e.remote_max_window_bits,
                "local_max_window_bits": e.local_max_window_bits,
                "remote_no_context_takeover": e.remote_no_context_takeover,
                "local_no_context_takeover": e.local_no_context_takeover,
            }
            for e in ws.extensions
        ]
        text = "héllo, compressed " * 100
        await ws.send(text)
        out["text_echoed"] = (await ws.recv()) == text
        # Repetitive (compresses well) and then random-looking (does not): both must round-trip.
        big = bytes(range(256)) * 4096
        await ws.send(big)
        out["mib_echoed"] = (await ws.recv()) == big
        noise = bytes((i * 2654435761 >> 13) & 0xFF for i in range(1 << 20))
        await ws.send(noise)
        out["noise_echoed"] = (await ws.recv()) == noise
        for i in range(50):
            await ws.send("message %d" % i)
            if await ws.recv() != "message %d" % i:
                out["context_takeover_broken_at"] = i
                break
    print(json.dumps(out))


asyncio.run(main(int(sys.argv[1])))
