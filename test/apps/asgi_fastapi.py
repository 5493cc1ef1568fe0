# FastAPI (Debian's 0.92) for the ASGI tests: JSON, validation, uploads, streaming, background
# tasks, a barrier proving concurrency, and a WebSocket echo with subprotocols and close codes.
import asyncio

from fastapi import BackgroundTasks, FastAPI, UploadFile, WebSocket
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

app = FastAPI()
marks = []
_waiting = 0
_all_in = None


class Item(BaseModel):
    name: str
    price: float


@app.get("/json")
async def json_():
    return {"hello": "world"}


@app.post("/items")
async def items(item: Item):
    return {"name": item.name, "double": item.price * 2}


@app.post("/upload")
async def upload(file: UploadFile):
    data = await file.read()
    return {"filename": file.filename, "size": len(data)}


@app.get("/stream")
async def stream():
    async def gen():
        for i in range(3):
            yield b"chunk%d\n" % i
            await asyncio.sleep(0.01)
    return StreamingResponse(gen(), media_type="text/plain")


@app.get("/bg")
async def bg(tasks: BackgroundTasks):
    tasks.add_task(marks.append, "background ran")
    return {"queued": True}


@app.get("/marks")
async def get_marks():
    return marks


@app.get("/barrier")
async def barrier(n: int):
    # Every request sleeps until n of them are in flight at once: only a server that runs n
    # concurrently on this one worker ever answers.
    global _waiting, _all_in
    if _all_in is None:
        _all_in = asyncio.Event()
    _waiting += 1
    if _waiting >= n:
        _all_in.set()
    await _all_in.wait()
    await asyncio.sleep(0.01)
    return {"ok": True}


@app.websocket("/ws")
async def ws(websocket: WebSocket):
    offered = websocket.scope.get("subprotocols") or []
    await websocket.accept(subprotocol="chat" if "chat" in offered else None)
    while True:
        msg = await websocket.receive()
        if msg["type"] == "websocket.disconnect":
            marks.append("ws disconnect %s" % msg.get("code"))
            return
        if msg.get("text") is not None:
            if msg["text"].startswith("close:"):
                await websocket.close(code=int(msg["text"][6:]))
                return
            await websocket.send_text(msg["text"])
        else:
            await websocket.send_bytes(msg["bytes"])


@app.websocket("/deny")
async def deny(websocket: WebSocket):
    await websocket.close(code=1008)


@app.websocket("/wsscope")
async def wsscope(websocket: WebSocket):
    # The scope as the app saw it, for the HTTP/2 (RFC 8441) checks.
    s = websocket.scope
    await websocket.accept()
    await websocket.send_json({
        "type": s["type"],
        "http_version": s["http_version"],
        "scheme": s["scheme"],
        "path": s["path"],
        "query_string": s["query_string"].decode("latin-1"),
        "header_names": [k.decode("latin-1") for k, _ in s["headers"]],
        "subprotocols": s.get("subprotocols"),
    })
    await websocket.close()
