import ast as _ast
import importlib.machinery as _machinery
import importlib.util as _util
import json as _json
import os as _os
import socket as _socket
import sys as _sys
import traceback as _traceback

_log = None  # native: _log(level, text), level as logging's (10 debug ... 50 critical)

# The hooks gunicorn calls in a worker, and those it calls in the master.
WORKER_HOOKS = ("post_fork", "post_worker_init", "pre_request", "post_request",
                "worker_exit", "worker_int", "worker_abort")
MASTER_HOOKS = ("on_starting", "on_reload", "when_ready", "pre_fork", "pre_exec",
                "child_exit", "nworkers_changed", "on_exit")

hooks = {}
server = None
worker = None


class Logger:
    # server.log and worker.log: the methods configs call on gunicorn's glogging.Logger,
    # written to sharpicorn's error log in its format.
    def _emit(self, level, msg, args, exc_info=False):
        text = str(msg)
        if args:
            try:
                text = text % args
            except Exception:
                text = "%s %r" % (text, args)
        if exc_info:
            tb = _traceback.format_exc()
            if tb and tb != "NoneType: None\n":
                text += "\n" + tb.rstrip("\n")
        _log(level, text)

    def critical(self, msg, *args, **kwargs):
        self._emit(50, msg, args, kwargs.get("exc_info"))

    def error(self, msg, *args, **kwargs):
        self._emit(40, msg, args, kwargs.get("exc_info"))

    def warning(self, msg, *args, **kwargs):
        self._emit(30, msg, args, kwargs.get("exc_info"))

    warn = warning

    def info(self, msg, *args, **kwargs):
        self._emit(20, msg, args, kwargs.get("exc_info"))

    def debug(self, msg, *args, **kwargs):
        self._emit(10, msg, args, kwargs.get("exc_info"))

    def exception(self, msg, *args, **kwargs):
        self._emit(40, msg, args, True)

    def log(self, lvl, msg, *args, **kwargs):
        if isinstance(lvl, str):
            lvl = {"critical": 50, "error": 40, "warning": 30, "info": 20, "debug": 10}.get(lvl.lower(), 20)
        self._emit(lvl, msg, args, kwargs.get("exc_info"))

    def reopen_files(self):
        pass

    def close_on_exec(self):
        pass


class Config:
    # server.cfg and worker.cfg: every setting by its gunicorn name, as the server runs with it.
    def __init__(self, values):
        self.__dict__["settings"] = values

    def __getattr__(self, name):
        try:
            return self.__dict__["settings"][name]
        except KeyError:
            raise AttributeError("No configuration setting for: %s" % name)

    def __setattr__(self, name, value):
        if name not in self.__dict__["settings"]:
            raise AttributeError("No configuration setting for: %s" % name)
        self.__dict__["settings"][name] = value


class Listener:
    # An entry of server.LISTENERS: the socket's fileno, address and gunicorn's str().
    def __init__(self, fd):
        self._fd = fd
        self.sock = _socket.socket(fileno=_os.dup(fd))

    def fileno(self):
        return self._fd

    def getsockname(self):
        return self.sock.getsockname()

    def __str__(self):
        addr = self.sock.getsockname()
        if self.sock.family == _socket.AF_UNIX:
            return "unix:%s" % addr
        if self.sock.family == _socket.AF_INET6:
            return "http://[%s]:%d" % addr[:2]
        return "http://%s:%d" % addr


class WorkerTmp:
    # worker.tmp: the worker's heartbeat file. sharpicorn stamps it itself on every heartbeat.
    def __init__(self, fd):
        self._fd = fd

    def fileno(self):
        return self._fd

    def notify(self):
        pass

    def last_update(self):
        return _os.fstat(self._fd).st_mtime

    def close(self):
        pass


class App:
    # server.app: the application object gunicorn's arbiter holds.
    def __init__(self, cfg):
        self.cfg = cfg
        self.callable = None


class Server:
    # The "server" argument inside a worker: gunicorn passes its forked copy of the arbiter.
    def __init__(self, pid, cfg, log, num_workers, listeners):
        self.pid = pid
        self.cfg = cfg
        self.log = log
        self.num_workers = num_workers
        self.LISTENERS = listeners
        self.app = App(cfg)
        self.WORKERS = {}
        self.proc_name = cfg.settings.get("proc_name")


class Worker:
    def __init__(self, age, ppid, cfg, log, tmp, sockets, app):
        self.age = age
        self.pid = _os.getpid()
        self.ppid = ppid
        self.cfg = cfg
        self.log = log
        self.tmp = tmp
        self.sockets = sockets
        self.app = app
        self.alive = True
        self.booted = False
        self.aborted = False
        self.nr = 0
        self.timeout = cfg.settings.get("timeout")
        self.max_requests = cfg.settings.get("max_requests")

    def __str__(self):
        return "<Worker %s>" % self.pid


class Request:
    # "req": gunicorn's http.message.Request, rebuilt from the environ.
    def __init__(self, environ):
        self.method = environ.get("REQUEST_METHOD")
        self.uri = environ.get("RAW_URI", "")
        uri = self.uri
        if not uri.startswith("/"):
            from urllib.parse import urlsplit
            parts = urlsplit(uri)
            uri = parts.path + ("?" + parts.query if parts.query else "") + ("#" + parts.fragment if parts.fragment else "")
        uri, _, self.fragment = uri.partition("#")
        self.path, _, self.query = uri.partition("?")
        proto = environ.get("SERVER_PROTOCOL", "HTTP/1.1")
        major, _, minor = proto.partition("/")[2].partition(".")
        try:
            self.version = (int(major), int(minor or 0))
        except ValueError:
            self.version = (1, 1)
        headers = []
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                headers.append((key[5:].replace("_", "-"), value))
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                headers.append((key.replace("_", "-"), value))
        self.headers = headers
        port = environ.get("REMOTE_PORT")
        addr = environ.get("REMOTE_ADDR", "")
        self.remote_addr = (addr, int(port)) if port else addr
        self.peer_addr = self.remote_addr
        self.scheme = environ.get("wsgi.url_scheme", "http")
        self.body = environ.get("wsgi.input")
        self.trailers = []


class Response:
    # "resp": what post_request reads of gunicorn's http.wsgi.Response.
    def __init__(self, req):
        self.req = req
        self.status = None
        self.status_code = None
        self.headers = []
        self.sent = 0
        self.headers_sent = False
        self.response_length = None


class _Tracked:
    # The app's result, counting the bytes it yields; post_request runs once it is closed.
    __slots__ = ("_result", "_resp", "_done")

    def __init__(self, result, resp, done):
        self._result = result
        self._resp = resp
        self._done = done

    def __iter__(self):
        resp = self._resp
        for chunk in self._result:
            resp.sent += len(chunk)
            yield chunk

    def close(self):
        try:
            close = getattr(self._result, "close", None)
            if close is not None:
                close()
        finally:
            self._done()


def _value(text):
    try:
        return _ast.literal_eval(text)
    except Exception:
        return text


def _config(spec, names):
    # gunicorn's get_config_from_filename: the file runs as the module "__config__", and the
    # hooks are the real function objects it defines.
    path = spec["path"]
    loader = None
    if _os.path.splitext(path)[1] not in (".py", ".pyc"):
        loader = _machinery.SourceFileLoader("__config__", path)
    mspec = _util.spec_from_file_location("__config__", path, loader=loader)
    mod = _util.module_from_spec(mspec)
    _sys.modules["__config__"] = mod
    mspec.loader.exec_module(mod)
    ns = vars(mod)
    values = {k: _value(v) for k, v in spec["settings"].items()}
    found = {}
    for name in WORKER_HOOKS + MASTER_HOOKS:
        f = ns.get(name)
        if callable(f):
            values[name] = f
            if name in names:
                found[name] = f
    return Config(values), found


def load(spec):
    # The worker's side. Returns True when a request hook exists.
    global server, worker
    spec = _json.loads(spec)
    cfg, found = _config(spec, WORKER_HOOKS)
    hooks.update(found)
    log = Logger()
    listeners = [Listener(fd) for fd in spec["fds"]]
    server = Server(spec["master_pid"], cfg, log, spec["workers"], listeners)
    tmp = WorkerTmp(spec["tmp_fd"]) if spec["tmp_fd"] >= 0 else None
    worker = Worker(spec["age"], spec["master_pid"], cfg, log, tmp, listeners, server.app)
    return "pre_request" in hooks or "post_request" in hooks


def run(name):
    # Calls one of the process-level hooks; False when it raised (already logged, in gunicorn's words).
    w = worker
    if name in ("worker_int", "worker_abort"):
        w.alive = False
    f = hooks.get(name)
    try:
        if f is not None:
            if name in ("post_fork", "worker_exit"):
                f(server, w)
            else:
                f(w)
        if name == "post_worker_init":
            w.booted = True
        return True
    except Exception as e:
        tb = _traceback.format_exc()
        if name in ("post_fork", "post_worker_init"):
            # gunicorn's spawn_worker: the worker dies before booting, the master halts.
            _log(40, "Exception in worker process\n" + tb.rstrip("\n"))
            print("%s" % e, file=_sys.stderr)
            _sys.stderr.flush()
        elif name == "worker_exit":
            _log(30, "Exception during worker exit:\n" + tb)
        else:
            _log(40, "Exception in %s hook\n%s" % (name, tb.rstrip("\n")))
        return False


def _post(post, req, environ, resp):
    try:
        post(worker, req, environ, resp)
    except Exception:
        _log(40, "Exception in post_request hook\n" + _traceback.format_exc().rstrip("\n"))


def wrap(app):
    # The app as the worker calls it when pre_request or post_request is defined: gunicorn runs
    # them on the request's thread around the call, post_request even when the request failed.
    pre = hooks.get("pre_request")
    post = hooks.get("post_request")

    def call(environ, start_response):
        req = Request(environ)
        worker.nr += 1
        if pre is not None:
            try:
                pre(worker, req)
            except BaseException:
                # The server answers 500, as gunicorn's handle_error does.
                if post is not None:
                    _post(post, req, {}, None)
                raise
        if post is None:
            return app(environ, start_response)
        resp = Response(req)

        def tracking_start_response(status, headers, exc_info=None):
            resp.status = status
            try:
                resp.status_code = int(str(status).split()[0])
            except ValueError:
                resp.status_code = None
            resp.headers = [(str(n).strip(), str(v).strip()) for n, v in headers]
            write = start_response(status, headers) if exc_info is None else start_response(status, headers, exc_info)

            def tracking_write(data):
                resp.sent += len(data)
                return write(data)
            return tracking_write

        try:
            result = app(environ, tracking_start_response)
        except BaseException:
            _post(post, req, environ, resp)
            raise

        def done():
            resp.headers_sent = resp.status is not None
            _post(post, req, environ, resp)
        return _Tracked(result, resp, done)

    return call


class MasterTmp:
    # worker.tmp as the master holds it: gunicorn's master opens each worker's heartbeat file
    # before the fork and closes it when the worker is reaped. The worker makes its own here,
    # so the master's copy is a placeholder file that reports the same life cycle.
    def __init__(self, cfg):
        import tempfile
        self._tmp = tempfile.TemporaryFile(prefix="wgunicorn-", dir=cfg.settings.get("worker_tmp_dir"))

    def fileno(self):
        return self._tmp.fileno()

    def notify(self):
        pass

    def last_update(self):
        return _os.fstat(self._tmp.fileno()).st_ctime

    def close(self):
        return self._tmp.close()


_booting = {}  # age -> the worker pre_fork saw, until its spawn gives it a pid


def load_master(spec):
    # The master's side: gunicorn's arbiter as the hooks see it. LISTENERS stays empty until
    # the sockets are bound, as in gunicorn (on_starting runs before create_sockets).
    global server
    spec = _json.loads(spec)
    cfg, found = _config(spec, MASTER_HOOKS)
    hooks.clear()
    hooks.update(found)
    server = Server(_os.getpid(), cfg, Logger(), spec["workers"], [])


def _reload_master(spec):
    # HUP: gunicorn's app.reload() reads the file again; the arbiter object stays the same.
    cfg, found = _config(_json.loads(spec), MASTER_HOOKS)
    hooks.clear()
    hooks.update(found)
    server.cfg = cfg
    server.app.cfg = cfg
    for w in server.WORKERS.values():
        w.cfg = cfg


def _new_worker(age):
    w = Worker(age, server.pid, server.cfg, server.log, MasterTmp(server.cfg), server.LISTENERS, server.app)
    w.pid = "[booting]"
    return w


def master(call):
    # One master event, as JSON [name, args...]; None, or the traceback of the hook that raised.
    name, *args = _json.loads(call)
    try:
        if name == "listening":
            server.LISTENERS = [Listener(fd) for fd in args[0]]
            return None
        if name == "reload":
            _reload_master(args[0])
            return None
        if name == "spawned":
            w = _booting.pop(args[0], None) or _new_worker(args[0])
            w.pid = args[1]
            server.WORKERS[w.pid] = w
            return None
        if name == "aborted":
            w = server.WORKERS.get(args[0])
            if w is not None:
                w.aborted = True
            return None
        f = hooks.get(name)
        if name == "pre_fork":
            w = _booting[args[0]] = _new_worker(args[0])
            if f is not None:
                f(server, w)
        elif name == "child_exit":
            w = server.WORKERS.pop(args[0], None)
            if w is None:
                return None
            w.tmp.close()
            if f is not None:
                f(server, w)
        elif name == "nworkers_changed":
            server.num_workers = args[0]
            if f is not None:
                f(server, args[0], args[1])
        elif f is not None:
            f(server)
        return None
    except Exception as e:
        if name in ("on_starting", "when_ready") and isinstance(e, RuntimeError):
            # What gunicorn's BaseApplication.run prints for a RuntimeError out of the arbiter;
            # any other exception escapes it, and Python prints the traceback.
            return "\nError: %s\n\n" % e
        return _traceback.format_exc()


# The server hooks, installed as the module "_sharpicorn_hooks" by WorkerHooks.Load (a worker)
# or MasterHooks.Load (the master) only when the config file defines one for that process.
# Shipped inside the assembly as an embedded resource.
