# sharpicorn's Python logging, loaded in each worker as the module "_sharpicorn_logging".
#
# Design notes
# ------------
# gunicorn sets up two loggers, gunicorn.error and gunicorn.access (Logger.setup in glogging),
# and apps reach for them: `app.logger.handlers = logging.getLogger("gunicorn.error").handlers`.
# sharpicorn writes its own lines natively, so in the default case this module only gives
# gunicorn.error what gunicorn gives it: its level, propagate off, a handler that writes
# gunicorn's format where the server writes (ServerHandler, through the native _write), and
# the syslog handler with --log-syslog. Nothing here runs per request.
#
# When a logging configuration is set (logconfig, logconfig_dict, logconfig_json, or another
# logger_class), every record the server logs goes through Python: setup() builds gunicorn's
# handlers the way gunicorn builds them (a FileHandler or StreamHandler per log, syslog, then
# dictConfig/fileConfig over gunicorn's defaults) and hands back the functions the server
# calls: error(levelno, message), access(json) and reopen(). Access records carry gunicorn's
# atoms as their args, so "%(message)s" is the formatted line and a formatter can read
# record.args["s"]. With another logger_class, an instance of it gets every call instead.
import json
import logging
import logging.config
import logging.handlers
import os
import socket
import sys

_write = None  # bound by the server: appends text to the error log, as written

LEVELS = {"critical": logging.CRITICAL, "error": logging.ERROR, "warning": logging.WARNING,
          "info": logging.INFO, "debug": logging.DEBUG}
ERROR_FMT = r"%(asctime)s [%(process)d] [%(levelname)s] %(message)s"
DATEFMT = r"[%Y-%m-%d %H:%M:%S %z]"
ACCESS_FMT = "%(message)s"
SYSLOG_FMT = "[%(process)d] %(message)s"
DEFAULT_LOGGER_CLASS = "gunicorn.glogging.Logger"


def config_defaults():
    """The dict gunicorn's dictConfig starts from (glogging's CONFIG_DEFAULTS), fresh each time."""
    console = {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stdout"}
    error_console = dict(console, stream="ext://sys.stderr")

    def logger(name, handler):
        return {"level": "INFO", "handlers": [handler], "propagate": True, "qualname": name}

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": logger("gunicorn.error", "error_console"),
            "gunicorn.access": logger("gunicorn.access", "console"),
        },
        "handlers": {"console": console, "error_console": error_console},
        "formatters": {"generic": {"format": ERROR_FMT, "datefmt": DATEFMT, "class": "logging.Formatter"}},
    }


class ServerHandler(logging.Handler):
    """The server's error log as a logging handler: gunicorn's line, written where the server writes its own."""

    def emit(self, record):
        try:
            _write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


class Atoms(dict):
    """The access record's args, with gunicorn's SafeAtoms rules: '"' escaped in text, any
    unknown atom is '-', and "{...}" atoms are looked up lower-cased."""

    def __init__(self, atoms):
        dict.__init__(self)
        for key, value in atoms.items():
            self[key] = value.replace('"', '\\"') if isinstance(value, str) else value

    def __getitem__(self, k):
        if k.startswith("{"):
            k = k.lower()
        return dict.__getitem__(self, k) if k in self else "-"


class Config:
    """What gunicorn's Logger reads as cfg: every setting by name, typed."""

    def __init__(self, values, printed):
        import ast
        for key, text in printed.items():
            try:
                self.__dict__[key] = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                self.__dict__[key] = text
        self.__dict__.update(values)
        self.user = os.geteuid()
        self.group = os.getegid()

    def __getattr__(self, name):
        raise AttributeError("'Config' object has no attribute %r" % name)


def _syslog_handler(cfg, target, name):
    prefix = "gunicorn.%s.%s" % (cfg.syslog_prefix or cfg.proc_name.replace(":", "."), name)
    if target["kind"] == "unix":
        address = target["path"]
        socktype = socket.SOCK_DGRAM if target["dgram"] else None
    else:
        address = (target["host"], target["port"])
        socktype = socket.SOCK_DGRAM if target["kind"] == "udp" else socket.SOCK_STREAM
    h = logging.handlers.SysLogHandler(address=address, facility=target["facility"], socktype=socktype)
    h.setFormatter(logging.Formatter("%s: %s" % (prefix, SYSLOG_FMT)))
    h._gunicorn = True
    return h


def _file_handler(output, stream, fmt):
    h = logging.StreamHandler(stream) if output == "-" else logging.FileHandler(output)
    h.setFormatter(fmt)
    h._gunicorn = True
    return h


def _prepare(cfg):
    error_log = logging.getLogger("gunicorn.error")
    error_log.propagate = False
    error_log.setLevel(LEVELS.get(cfg.loglevel.lower(), logging.INFO))
    access_log = logging.getLogger("gunicorn.access")
    access_log.propagate = False
    access_log.setLevel(logging.INFO)
    for log in (error_log, access_log):
        for h in [h for h in log.handlers if getattr(h, "_gunicorn", False)]:
            log.removeHandler(h)
    return error_log, access_log


def setup_native(cfg, target):
    """The default case: gunicorn.error writes to the server's error log (and syslog)."""
    error_log, _ = _prepare(cfg)
    h = ServerHandler()
    h.setFormatter(logging.Formatter(ERROR_FMT, DATEFMT))
    h._gunicorn = True
    error_log.addHandler(h)
    if target is not None:
        error_log.addHandler(_syslog_handler(cfg, target, "error"))


def setup_python(cfg, target):
    """gunicorn's Logger.setup, less capture_output (the server has done it natively)."""
    error_log, access_log = _prepare(cfg)
    error_log.addHandler(_file_handler(cfg.errorlog, None, logging.Formatter(ERROR_FMT, DATEFMT)))
    if cfg.accesslog is not None:
        access_log.addHandler(_file_handler(cfg.accesslog, sys.stdout, logging.Formatter(ACCESS_FMT)))
    if target is not None:
        error_log.addHandler(_syslog_handler(cfg, target, "error"))
        if not cfg.disable_redirect_access_to_syslog:
            access_log.addHandler(_syslog_handler(cfg, target, "access"))
    if cfg.logconfig_dict:
        config = config_defaults()
        config.update(cfg.logconfig_dict)
        try:
            logging.config.dictConfig(config)
        except (AttributeError, ImportError, ValueError, TypeError) as exc:
            raise RuntimeError(str(exc)) from exc
    elif cfg.logconfig_json:
        config = config_defaults()
        if os.path.exists(cfg.logconfig_json):
            try:
                with open(cfg.logconfig_json) as f:
                    config.update(json.load(f))
                logging.config.dictConfig(config)
            except (json.JSONDecodeError, AttributeError, ImportError, ValueError, TypeError) as exc:
                raise RuntimeError(str(exc)) from exc
    elif cfg.logconfig:
        if not os.path.exists(cfg.logconfig):
            raise RuntimeError("Error: log config '%s' not found" % cfg.logconfig)
        defaults = config_defaults()
        defaults["__file__"] = cfg.logconfig
        defaults["here"] = os.path.dirname(cfg.logconfig)
        logging.config.fileConfig(cfg.logconfig, defaults=defaults, disable_existing_loggers=False)
    return error_log, access_log


def _load_logger_class(name):
    try:
        import gunicorn.glogging
    except ImportError as exc:
        raise RuntimeError(
            "logger_class %s must be a subclass of gunicorn.glogging.Logger, and gunicorn is not "
            "importable by this Python (%s): install gunicorn (Debian: python3-gunicorn)" % (name, exc)) from exc
    import importlib
    module, _, attr = name.rpartition(".")
    if not module:
        raise RuntimeError("logger_class %r is not a dotted path (module.Class)" % name)
    cls = getattr(importlib.import_module(module), attr)
    if not (isinstance(cls, type) and issubclass(cls, gunicorn.glogging.Logger)):
        raise RuntimeError("logger_class %s is not a subclass of gunicorn.glogging.Logger" % name)
    return cls


class _Resp:
    def __init__(self, f):
        self.status = f["status_line"]
        self.status_code = f["status"]
        self.sent = f["sent"]
        self.headers = [tuple(h) for h in f["response_headers"]]
        self.response_length = f["sent"]


class _Req:
    def __init__(self, f):
        self.method = f["method"]
        self.uri = f["raw_uri"]
        self.path = f["path"]
        self.query = f["query"]
        self.version = tuple(int(p) for p in f["protocol"].split("/")[-1].split("."))
        self.headers = [tuple(h) for h in f["request_headers"]]
        self.remote_addr = f["remote_addr"]


def _environ(f):
    environ = dict(f["environ"])
    environ.update({
        "REQUEST_METHOD": f["method"], "RAW_URI": f["raw_uri"], "PATH_INFO": f["path"],
        "QUERY_STRING": f["query"], "SERVER_PROTOCOL": f["protocol"], "REMOTE_ADDR": f["remote_addr"],
    })
    for name, value in f["request_headers"]:
        key = "HTTP_" + name.upper().replace("-", "_")
        if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            environ[key] = value
    return environ


def setup(spec_json):
    """Called once by the worker (GIL held). None in the default case, else (error, access, reopen, level)."""
    spec = json.loads(spec_json)
    cfg = Config(spec["cfg"], spec["printed"])
    target = spec["syslog_target"] if cfg.syslog else None
    if not spec["python"]:
        setup_native(cfg, target)
        return None
    if cfg.logger_class != DEFAULT_LOGGER_CLASS:
        return _class_logger(_load_logger_class(cfg.logger_class)(cfg))
    error_log, access_log = setup_python(cfg, target)
    fmt = cfg.access_log_format

    def error(level, message):
        error_log.log(level, message)

    def access(atoms_json):
        try:
            access_log.info(fmt, Atoms(json.loads(atoms_json)["atoms"]))
        except Exception:
            import traceback
            error_log.error(traceback.format_exc())

    return error, access, reopen, error_log.getEffectiveLevel()


def _class_logger(logger):
    import datetime
    names = {logging.CRITICAL: "critical", logging.ERROR: "error", logging.WARNING: "warning",
             logging.INFO: "info", logging.DEBUG: "debug"}

    def error(level, message):
        getattr(logger, names.get(level, "error"))(message)

    def access(fields_json):
        f = json.loads(fields_json)
        logger.access(_Resp(f), _Req(f), _environ(f), datetime.timedelta(microseconds=f["duration_us"]))

    level = getattr(getattr(logger, "error_log", None), "getEffectiveLevel", lambda: logging.DEBUG)()
    return error, access, logger.reopen_files, level


def reopen():
    """USR1: gunicorn's reopen_files for the FileHandlers of every logger."""
    for log in [logging.getLogger(n) for n in list(logging.root.manager.loggerDict)] + [logging.root]:
        for handler in getattr(log, "handlers", []):
            if isinstance(handler, logging.FileHandler):
                handler.acquire()
                try:
                    if handler.stream:
                        handler.close()
                        handler.stream = handler._open()
                finally:
                    handler.release()
