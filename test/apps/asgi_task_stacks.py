# Drives _sharpicorn_asgi's task_stack and abort_report outside the server (AsgiTaskStackTests):
# argv[1] is the support module's source. Prints one JSON object. Nothing waits on a clock: the
# reporter thread runs while the loop's thread is blocked on an event only the reporter sets.
import asyncio
import json
import sys
import threading
import types

m = types.ModuleType("_sharpicorn_asgi")
with open(sys.argv[1]) as f:
    exec(compile(f.read(), "_sharpicorn_asgi.py", "exec"), m.__dict__)


async def inner():
    await asyncio.Event().wait()


@types.coroutine
def legacy():
    # A generator-based coroutine in the chain: its frame is reached through gi_yieldfrom.
    yield from inner()


async def outer():
    await legacy()


out = {}
done = threading.Event()


def reporter():
    out["report"] = m.abort_report(10)
    out["running"] = m.task_stack(asyncio.current_task(m._loop))
    done.set()


async def blocker():
    threading.Thread(target=reporter).start()
    done.wait()  # blocks the loop's thread, as time.sleep in a coroutine would


async def main():
    m._loop = asyncio.get_running_loop()
    m._thread_ident = threading.get_ident()
    waiting = asyncio.create_task(outer(), name="waiting")
    await asyncio.sleep(0)
    out["stack"] = m.task_stack(waiting)
    await asyncio.create_task(blocker(), name="blocking")
    waiting.cancel()


asyncio.run(main())
print(json.dumps(out))
