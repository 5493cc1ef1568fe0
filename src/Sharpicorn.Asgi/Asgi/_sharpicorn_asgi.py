# The Python half of sharpicorn's ASGI 3 server (spec version 2.4). One asyncio loop per
# worker runs here, on a dedicated Python thread. Kestrel's threads never call into Python:
# they queue events on the managed side and write one byte to a pipe this loop watches
# (add_reader); _on_wake then takes every queued event at once through the native _drain().
# Everything that touches Kestrel is a native call (_start, _body, _read, _ws, _misc); a call
# that would wait returns True and its completion comes back later as an event.
import asyncio as _asyncio
import os as _os
import sys as _sys
import traceback as _traceback
from urllib.parse import unquote as _unquote

_drain = None    # native: () -> list of event tuples
_start = None    # native: (id, status, headers) -> None
_body = None     # native: (id, data, more) -> True when the flush is pending (an IO_DONE event follows)
_read = None     # native: (id) -> (bytes, more), or None when pending (a BODY event follows)
_finish = None   # native: (id, error text or None, flags) -> None; the request is over for the app
_ws = None       # native: (id, op, a, b) -> True when pending (an IO_DONE event follows)
_misc = None     # native: (op, id, a, b)

NEW, BODY, DISCONNECT, IO_DONE, WS_MESSAGE, WS_CLOSED, TICK, STOP = range(8)
WS_ACCEPT, WS_SEND, WS_CLOSE, WS_DENY_START, WS_DENY_BODY = range(5)
M_LIFESPAN, M_LOG, M_TRAILERS, M_PATHSEND, M_TIMEOUT = range(5)
F_NOT_STARTED, F_INCOMPLETE, F_TIMED_OUT = 1, 2, 4

_ASGI = {"version": "3.0", "spec_version": "2.4"}


class ClientDisconnected(OSError):
    # ASGI 2.4: send() on a closed connection raises a subclass of OSError.
    pass


class _Conn:
    __slots__ = ("id", "scope", "task", "waiter", "disconnected", "started", "done",
                 "body_done", "trailers", "ws_state", "inbox", "close_code", "timer", "timed_out")

    def __init__(self, id_, scope):
        self.id = id_
        self.scope = scope
        self.task = None
        self.waiter = None
        self.disconnected = False
        self.started = False
        self.done = False
        self.body_done = False
        self.trailers = False
        self.ws_state = 0      # websocket: 0 connecting, 1 connect sent, 2 accepted, 3 closed
        self.inbox = None
        self.close_code = 1005
        self.timer = None
        self.timed_out = False

    def wake(self, value=None):
        w = self.waiter
        if w is not None:
            self.waiter = None
            if not w.done():
                w.set_result(value)

    async def wait(self):
        w = _loop.create_future()
        self.waiter = w
        return await w


class _Http(_Conn):
    __slots__ = ()

    async def receive(self):
        if self.body_done or self.disconnected or self.done:
            # After the body (or the response), receive() waits for the client to go away; once
            # the response is complete that is now, as uvicorn answers.
            while not self.disconnected and not self.done:
                await self.wait()
            return {"type": "http.disconnect"}
        r = _read(self.id)
        if r is None:
            r = await self.wait()
            if r is None:
                return {"type": "http.disconnect"}
        data, more = r
        if not more:
            self.body_done = True
        return {"type": "http.request", "body": data, "more_body": more}

    async def send(self, message):
        t = message["type"]
        # Not refused on an http.disconnect alone: a client that only half-closed (FIN after its
        # request) still reads the answer. A write the connection refuses raises below.
        if t == "http.response.body":
            if not self.started or self.done:
                raise RuntimeError("Unexpected ASGI message 'http.response.body' sent, "
                                   + ("after response already completed." if self.done else "before 'http.response.start'."))
            body = message.get("body", b"")
            if type(body) is not bytes:
                body = bytes(body)
            more = message.get("more_body", False)
            if not more and not self.trailers:
                self.done = True
            try:
                pending = _body(self.id, body, more or self.trailers)
            except OSError as e:
                raise ClientDisconnected(str(e)) from None
            if pending:
                await self.wait()
        elif t == "http.response.start":
            if self.started:
                raise RuntimeError("Unexpected ASGI message 'http.response.start' sent, after response already started.")
            self.started = True
            self.trailers = bool(message.get("trailers", False))
            _start(self.id, int(message["status"]), list(message.get("headers", ())))
        elif t == "http.response.trailers":
            if not self.trailers or self.done:
                raise RuntimeError("Unexpected ASGI message 'http.response.trailers' sent.")
            if not message.get("more_trailers", False):
                self.done = True
            _misc(M_TRAILERS, self.id, list(message.get("headers", ())), self.done)
        elif t == "http.response.pathsend":
            if not self.started or self.done:
                raise RuntimeError("Unexpected ASGI message 'http.response.pathsend' sent.")
            self.done = True
            if _misc(M_PATHSEND, self.id, _os.fspath(message["path"]), None):
                await self.wait()
        else:
            raise RuntimeError("Unexpected ASGI message '%s' sent." % t)


class _WebSocket(_Conn):
    __slots__ = ()

    async def receive(self):
        if self.ws_state == 0:
            self.ws_state = 1
            return {"type": "websocket.connect"}
        while not self.inbox:
            if self.disconnected:
                return {"type": "websocket.disconnect", "code": self.close_code}
            await self.wait()
        data = self.inbox.pop(0)
        if type(data) is str:
            return {"type": "websocket.receive", "text": data}
        return {"type": "websocket.receive", "bytes": data}

    async def send(self, message):
        t = message["type"]
        if self.disconnected or self.ws_state == 3:
            raise ClientDisconnected("the WebSocket is closed")
        if t == "websocket.send":
            if self.ws_state != 2:
                raise RuntimeError("Expected ASGI message 'websocket.accept' or 'websocket.close', but got 'websocket.send'.")
            data = message.get("bytes")
            if data is None:
                data = message.get("text")
                if data is None:
                    raise RuntimeError("websocket.send needs 'bytes' or 'text'")
            elif type(data) is not bytes:
                data = bytes(data)
            if _ws(self.id, WS_SEND, data, None):
                await self.wait()
        elif t == "websocket.accept":
            if self.ws_state >= 2 or self.started:
                raise RuntimeError("Unexpected ASGI message 'websocket.accept'.")
            self.ws_state = 2
            self.inbox = []
            if _ws(self.id, WS_ACCEPT, message.get("subprotocol"), list(message.get("headers", ()))):
                await self.wait()
        elif t == "websocket.close":
            if self.started:
                raise RuntimeError("Unexpected ASGI message 'websocket.close' during a denial response.")
            accepted = self.ws_state == 2
            self.ws_state = 3
            self.done = True
            if _ws(self.id, WS_CLOSE, int(message.get("code", 1000) or 1000), message.get("reason") or "" if accepted else None):
                await self.wait()
        elif t == "websocket.http.response.start":
            if self.ws_state >= 2 or self.started:
                raise RuntimeError("Unexpected ASGI message 'websocket.http.response.start'.")
            self.started = True
            _ws(self.id, WS_DENY_START, int(message["status"]), list(message.get("headers", ())))
        elif t == "websocket.http.response.body":
            if not self.started or self.done:
                raise RuntimeError("Unexpected ASGI message 'websocket.http.response.body'.")
            body = message.get("body", b"")
            more = message.get("more_body", False)
            if not more:
                self.done = True
                self.ws_state = 3
            if _ws(self.id, WS_DENY_BODY, bytes(body), more):
                await self.wait()
        else:
            raise RuntimeError("Unexpected ASGI message '%s' sent." % t)


_loop = None
_app = None
_conns = {}
_state = {}
_root_path = ""
_request_timeout = 0
_grace = 3
_stopping = None
_lifespan = None
_thread_ident = 0


def _log(level, text):
    _misc(M_LOG, 0, level, text)


async def _run(conn):
    error = None
    flags = 0
    try:
        await _app(conn.scope, conn.receive, conn.send)
    except _asyncio.CancelledError:
        if not conn.disconnected:
            error = "Task cancelled"
    except ClientDisconnected:
        pass
    except BaseException:
        if not conn.disconnected:
            error = _traceback.format_exc()
    finally:
        if conn.timer is not None:
            conn.timer.cancel()
        if not conn.started and not (type(conn) is _WebSocket and conn.ws_state >= 2):
            flags |= F_NOT_STARTED
        if not conn.done:
            flags |= F_INCOMPLETE
        if conn.timed_out:
            flags |= F_TIMED_OUT
        _conns.pop(conn.id, None)
        conn.disconnected = True
        conn.wake()
        _finish(conn.id, error, flags)


def _timeout(conn):
    # --request-timeout: the task's stack goes to the error log, then it is cancelled; a
    # response that has not started gets a 504 (the native side decides from its own state).
    conn.timer = None
    task = conn.task
    if task is None or task.done():
        return
    _misc(M_TIMEOUT, conn.id, task_stack(task), task.get_name())
    conn.disconnected = True
    conn.timed_out = True
    task.cancel()


def _await_chain(coro):
    # Task.get_stack() gives a suspended task only its outermost frame (the coroutine's own
    # f_back is None while it waits). Where it really waits is down its await chain: cr_await
    # of each coroutine, gi_yieldfrom of a generator-based one, until an object without a
    # frame (a Future's iterator: the last frame's line names what it awaits).
    frames = []
    while coro is not None and len(frames) < 256:
        frame = getattr(coro, "cr_frame", None)
        if frame is None:
            frame = getattr(coro, "gi_frame", None)
        if frame is None:
            break
        frames.append(frame)
        nxt = getattr(coro, "cr_await", None)
        coro = nxt if nxt is not None else getattr(coro, "gi_yieldfrom", None)
    return frames


def _running_frames(coro):
    # The task the blocked loop is running has no await chain (cr_await is None while it runs):
    # its frames are the loop thread's, from the coroutine's own frame to the innermost.
    frame = _sys._current_frames().get(_thread_ident)
    frames = []
    while frame is not None:
        frames.append(frame)
        if frame is coro.cr_frame:
            break
        frame = frame.f_back
    else:
        return []
    frames.reverse()
    return frames


def task_stack(task):
    # A pending task's stack in traceback's format (outermost first, 'File "...", line N, in f').
    # Callable from another thread with the GIL while the loop is blocked: a suspended task's
    # frames do not move, and the one the loop runs stays where it blocks the thread.
    try:
        coro = task.get_coro()
        if getattr(coro, "cr_running", False):
            frames = _running_frames(coro)
        else:
            frames = _await_chain(coro)
        text = "".join(_traceback.StackSummary.extract((f, f.f_lineno) for f in frames).format())
        return text or "  (the task has no Python frame)\n"
    except Exception as e:  # a stack is a report: it must never fail the timeout
        return "  (no stack: %s: %s)\n" % (type(e).__name__, e)


def deadline_report(id_):
    # --request-timeout while the loop is blocked (its own timer cannot fire): the request's task
    # name and stack, from another thread with the GIL. The timer still fires once the loop runs
    # again, and cancels the task then. None when the request has ended.
    conn = _conns.get(id_)
    if conn is None or conn.task is None or conn.task.done():
        return None
    return conn.task.get_name(), task_stack(conn.task)


def abort_report(limit):
    # The arbiter's SIGABRT after --timeout: the loop made no progress, so something blocks its
    # thread. Called on another thread with the GIL (the blocked loop thread does not hold it
    # while it sleeps or waits in C; a thread running Python gives it up every switch interval).
    # Returns (the loop thread's stack or None, (connection id or 0, name) of the task it runs or
    # None, [(connection id or 0, task name, stack)] for up to `limit` other pending tasks, how
    # many other pending tasks there are).
    frame = _sys._current_frames().get(_thread_ident)
    thread_stack = "".join(_traceback.format_stack(frame)) if frame is not None else None
    if _loop is None:
        return thread_stack, None, [], 0
    current = _asyncio.current_task(_loop)
    by_task = {c.task: c.id for c in list(_conns.values()) if c.task is not None}
    pending = [t for t in _asyncio.all_tasks(_loop) if t is not current]
    others = [(by_task.get(t, 0), t.get_name(), task_stack(t)) for t in pending[:limit]]
    running = None if current is None else (by_task.get(current, 0), current.get_name())
    return thread_stack, running, others, len(pending)


def _new(ev):
    _, id_, kind, method, scheme, raw_path, query, headers, http_version, client, server, subprotocols = ev
    path = raw_path.decode("latin-1")
    if "%" in path:
        path = _unquote(path)
    scope = {
        "type": kind,
        "asgi": _ASGI,
        "http_version": http_version,
        "scheme": scheme,
        "path": path,
        "raw_path": raw_path,
        "query_string": query,
        "root_path": _root_path,
        "headers": headers,
        "client": client,
        "server": server,
        "state": _state.copy(),
    }
    if kind == "http":
        scope["method"] = method
        scope["extensions"] = {"http.response.trailers": {}, "http.response.pathsend": {}}
        conn = _Http(id_, scope)
    else:
        scope["subprotocols"] = subprotocols
        scope["extensions"] = {"websocket.http.response": {}}
        conn = _WebSocket(id_, scope)
    _conns[id_] = conn
    conn.task = _loop.create_task(_run(conn))
    if _request_timeout > 0 and kind == "http":
        conn.timer = _loop.call_later(_request_timeout, _timeout, conn)


def _disconnect_later(conn):
    # asgi_disconnect_grace_period: the app had http.disconnect; past this it is cancelled.
    task = conn.task
    if task is not None and not task.done():
        task.cancel()


def _on_wake():
    try:
        _os.read(_wake_fd, 4096)
    except BlockingIOError:
        pass
    for ev in _drain():
        kind = ev[0]
        if kind == NEW:
            _new(ev)
            continue
        conn = _conns.get(ev[1])
        if kind == IO_DONE:
            if conn is not None:
                conn.wake()
        elif kind == BODY:
            if conn is not None:
                conn.wake((ev[2], ev[3]))
        elif kind == WS_MESSAGE:
            if conn is not None:
                conn.inbox.append(ev[2])
                conn.wake()
        elif kind == DISCONNECT or kind == WS_CLOSED:
            if conn is not None and not conn.disconnected:
                conn.disconnected = True
                if kind == WS_CLOSED:
                    conn.close_code = ev[2]
                conn.wake()
                if kind == DISCONNECT and _grace >= 0:
                    _loop.call_later(_grace, _disconnect_later, conn)
        elif kind == STOP:
            _loop.create_task(_shutdown())


class _Lifespan:
    def __init__(self, mode):
        self.mode = mode
        self.queue = _asyncio.Queue()
        self.startup_done = _loop.create_future()
        self.shutdown_done = _loop.create_future()
        self.failed_before_message = False
        self.message_seen = False

    async def receive(self):
        self.message_seen = True
        return await self.queue.get()

    async def send(self, message):
        t = message["type"]
        if t == "lifespan.startup.complete":
            _done(self.startup_done, (True, ""))
        elif t == "lifespan.startup.failed":
            _done(self.startup_done, (False, message.get("message", "")))
        elif t == "lifespan.shutdown.complete":
            _done(self.shutdown_done, (True, ""))
        elif t == "lifespan.shutdown.failed":
            _done(self.shutdown_done, (False, message.get("message", "")))

    async def main(self):
        scope = {"type": "lifespan", "asgi": _ASGI, "state": _state}
        try:
            await _app(scope, self.receive, self.send)
        except BaseException:
            tb = _traceback.format_exc()
            if self.mode == "auto" and not self.startup_done.done():
                # uvicorn's auto: an app that does not do lifespan raises on its scope.
                _log(20, "ASGI 'lifespan' protocol appears unsupported.")
                _done(self.startup_done, (True, ""))
            elif not self.startup_done.done():
                _done(self.startup_done, (False, tb))
            else:
                _log(40, "Exception in 'lifespan' protocol\n" + tb)
        finally:
            _done(self.startup_done, (True, ""))
            _done(self.shutdown_done, (True, ""))


def _done(fut, value):
    if not fut.done():
        fut.set_result(value)


async def _startup(mode):
    global _lifespan
    if mode == "off":
        return True, ""
    _lifespan = _Lifespan(mode)
    _loop.create_task(_lifespan.main())
    await _lifespan.queue.put({"type": "lifespan.startup"})
    return await _lifespan.startup_done


async def _shutdown():
    if _lifespan is not None and not _lifespan.shutdown_done.done():
        await _lifespan.queue.put({"type": "lifespan.shutdown"})
        ok, message = await _lifespan.shutdown_done
        if not ok:
            _log(40, message)
    _loop.stop()


def wake_pair():
    # (read fd, write fd) of a socket pair: the loop watches the first, Kestrel's threads write
    # one byte to the second per batch. A socket, so .NET can write it without a seekable handle.
    import socket
    r, w = socket.socketpair()
    r.setblocking(False)
    w.setblocking(False)
    return r.detach(), w.detach()


def _new_loop(kind):
    if kind in ("auto", "uvloop"):
        try:
            import uvloop
            return uvloop.new_event_loop(), "uvloop"
        except ImportError:
            if kind == "uvloop":
                raise
    return _asyncio.new_event_loop(), "asyncio"


def serve(app, wake_fd, loop_kind, lifespan, root_path, request_timeout, grace):
    # Runs on the loop's Python thread until the worker stops. _misc(M_LIFESPAN) reports
    # startup's outcome, after which the native side starts Kestrel (or exits with code 3).
    global _loop, _app, _wake_fd, _root_path, _request_timeout, _grace, _thread_ident
    import threading
    _thread_ident = threading.get_ident()
    _app = app
    _wake_fd = wake_fd
    _root_path = root_path
    _request_timeout = request_timeout
    _grace = grace
    _loop, name = _new_loop(loop_kind)
    _asyncio.set_event_loop(_loop)
    _log(10, "ASGI event loop: " + name)
    ok, message = _loop.run_until_complete(_startup(lifespan))
    _misc(M_LIFESPAN, 0, ok, message or "")
    if not ok:
        return
    _loop.add_reader(wake_fd, _on_wake)
    _loop.run_forever()
