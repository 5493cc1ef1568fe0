# Every server hook writes a JSON marker file (pid, role, the attributes it read) into
# $HOOKS_DIR. A worker hook's file is named after the hook and the worker's pid; a master hook's
# after the hook and the master's pid (pre_fork adds the worker's age, nworkers_changed its
# values, and child_exit is named after the worker that exited). A test checks each one.
# HOOKS_FAIL names hooks that raise after writing their marker, HOOKS_FAIL_TYPE the builtin
# exception they raise (RuntimeError unless set).
import builtins
import json
import os
import sys

_dir = os.environ["HOOKS_DIR"]
_fail = set(os.environ.get("HOOKS_FAIL", "").split(","))


def _mark(name, data, role="worker", key=None):
    data["pid"] = os.getpid()
    data["role"] = role
    data["app_imported"] = "wsgi_basic" in sys.modules
    path = os.path.join(_dir, "%s-%s.json" % (name, key if key is not None else os.getpid()))
    with open(path + ".tmp", "w") as f:
        json.dump(data, f, default=repr)
    os.replace(path + ".tmp", path)
    if name in _fail:
        raise getattr(builtins, os.environ.get("HOOKS_FAIL_TYPE") or "RuntimeError")("hook %s failed on purpose" % name)


def _server(server):
    return {
        "server.pid": server.pid,
        "server.cfg.workers": server.cfg.workers,
        "server.cfg.bind": server.cfg.bind,
        "server.num_workers": server.num_workers,
        "server.LISTENERS": [str(s) for s in server.LISTENERS],
        "server.app.cfg.timeout": server.app.cfg.timeout,
        "server.WORKERS": sorted(server.WORKERS),
    }


def _fileno(tmp):
    try:
        return tmp.fileno()
    except ValueError:
        # gunicorn closes worker.tmp before it calls worker_exit.
        return None


def _worker(worker):
    return {
        "worker.pid": worker.pid,
        "worker.ppid": worker.ppid,
        "worker.age": worker.age,
        "worker.alive": worker.alive,
        "worker.booted": worker.booted,
        "worker.aborted": worker.aborted,
        "worker.cfg.threads": worker.cfg.threads,
        "worker.tmp.fileno": _fileno(worker.tmp),
    }


def _req(req):
    return {
        "req.method": req.method,
        "req.uri": req.uri,
        "req.path": req.path,
        "req.query": req.query,
        "req.version": req.version,
        "req.headers": req.headers,
        # gunicorn 20.1 calls it peer_addr only; newer gunicorn has both.
        "req.remote_addr": getattr(req, "remote_addr", req.peer_addr),
    }


def post_fork(server, worker):
    server.log.info("post_fork hook: worker %s", worker.pid)
    _mark("post_fork", dict(_server(server), **_worker(worker)))


def post_worker_init(worker):
    worker.log.info("post_worker_init hook")
    _mark("post_worker_init", _worker(worker))


def pre_request(worker, req):
    data = dict(_worker(worker), **_req(req))
    if req.path == "/fail-pre":
        _mark("pre_request_fail", data)
        raise ValueError("pre_request refused this one")
    _mark("pre_request", data)


def post_request(worker, req, environ, resp):
    data = dict(_worker(worker), **_req(req))
    if resp is not None:
        data.update({
            "resp.status": resp.status,
            "resp.status_code": resp.status_code,
            "resp.headers": resp.headers,
            "resp.sent": resp.sent,
            "environ.PATH_INFO": environ.get("PATH_INFO"),
        })
    # After a failed pre_request gunicorn passes resp=None and an empty environ.
    _mark("post_request" if resp is not None else "post_request_noresp", data)


def worker_int(worker):
    _mark("worker_int", _worker(worker))


def worker_abort(worker):
    _mark("worker_abort", _worker(worker))


def worker_exit(server, worker):
    _mark("worker_exit", dict(_server(server), **_worker(worker)))


# The master's hooks.

def on_starting(server):
    server.log.info("on_starting hook")
    _mark("on_starting", _server(server), "master")


def when_ready(server):
    server.log.info("when_ready hook")
    _mark("when_ready", _server(server), "master")


def pre_fork(server, worker):
    server.log.info("pre_fork hook: age %s", worker.age)
    data = dict(_server(server), **_worker(worker))
    data["worker.str"] = str(worker)
    _mark("pre_fork", data, "master", "%d-%d" % (os.getpid(), worker.age))


def child_exit(server, worker):
    server.log.info("child_exit hook: worker %s", worker.pid)
    _mark("child_exit", dict(_server(server), **_worker(worker)), "master", worker.pid)


def nworkers_changed(server, new_value, old_value):
    # gunicorn calls the first one from Arbiter.__init__, before the arbiter has a pid or sockets.
    data = {
        "server.pid": getattr(server, "pid", None),
        "server.num_workers": server.num_workers,
        "server.cfg.workers": server.cfg.workers,
        "new_value": new_value,
        "old_value": old_value,
    }
    _mark("nworkers_changed", data, "master", "%d-%s-%s" % (os.getpid(), new_value, old_value))


def on_reload(server):
    _mark("on_reload", _server(server), "master")


def pre_exec(server):
    _mark("pre_exec", _server(server), "master")


def on_exit(server):
    _mark("on_exit", _server(server), "master")
