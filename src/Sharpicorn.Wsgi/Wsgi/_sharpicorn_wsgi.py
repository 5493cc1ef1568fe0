import ast as _ast
import importlib as _importlib
import os as _os
import sys as _sys

_recv = None          # native: _recv(ticket, n) -> bytes, b"" at the end of the body
_errors_write = None  # native: writes a str to the error log
runtime_stats = None  # native: {"managed_heap_bytes", "gc_heap_size_bytes", "gc_count_gen0"}


class AppImportError(Exception):
    pass


class RequestTimeout(Exception):
    # Raised inside a request thread by --request-timeout; the client gets a 504.
    pass


def _stack(ident):
    # The formatted stack of the thread with this ident, or None.
    import traceback
    frame = _sys._current_frames().get(ident)
    return "".join(traceback.format_stack(frame)) if frame is not None else None


class InputStream:
    # wsgi.input: reads stream from the connection; nothing is buffered beyond what a
    # readline() needs, so a 1 GB upload never sits in memory whole.
    __slots__ = ("_slot", "_buf", "_eof")

    def __init__(self, slot):
        self._slot = slot
        self._buf = bytearray()
        self._eof = False

    def _fill(self, n):
        if self._eof:
            return False
        data = _recv(self._slot, n)
        if not data:
            self._eof = True
            return False
        self._buf += data
        return True

    def _take(self, n):
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data

    def read(self, size=-1):
        if size is None or size < 0:
            parts = [bytes(self._buf)]
            self._buf.clear()
            while not self._eof:
                data = _recv(self._slot, 65536)
                if not data:
                    self._eof = True
                    break
                parts.append(data)
            return b"".join(parts)
        if size == 0:
            return b""
        if not self._buf:
            parts = []
            need = size
            while need > 0 and not self._eof:
                data = _recv(self._slot, need)
                if not data:
                    self._eof = True
                    break
                parts.append(data)
                need -= len(data)
            return parts[0] if len(parts) == 1 else b"".join(parts)
        while len(self._buf) < size and self._fill(size - len(self._buf)):
            pass
        return self._take(size)

    def readline(self, size=-1):
        if size is None:
            size = -1
        buf = self._buf
        start = 0
        while True:
            idx = buf.find(b"\n", start)
            if idx >= 0:
                end = idx + 1
                if 0 <= size < end:
                    end = size
                break
            if 0 <= size <= len(buf):
                end = size
                break
            start = len(buf)
            if not self._fill(8192):
                end = len(buf)
                break
        return self._take(end)

    def readlines(self, hint=-1):
        if hint is None:
            hint = -1
        lines = []
        total = 0
        while True:
            line = self.readline()
            if not line:
                break
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                break
        return lines

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line


class ErrorsStream:
    # wsgi.errors: text goes to the error log as written.
    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("wsgi.errors.write() argument must be str, not %s" % type(s).__name__)
        _errors_write(s)

    def writelines(self, seq):
        for s in seq:
            self.write(s)

    def flush(self):
        pass


class FileWrapper:
    # wsgi.file_wrapper. The server serves a wrapped real file straight from its file
    # descriptor; iteration is the fallback for file-likes without fileno().
    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, "close"):
            self.close = filelike.close

    def __iter__(self):
        return self

    def __next__(self):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise StopIteration


def _file_span(wrapper):
    # (fd, offset, length) when the wrapped object is a regular file, else None.
    f = wrapper.filelike
    try:
        fd = f.fileno()
        st = _os.fstat(fd)
    except Exception:
        return None
    import stat
    if not stat.S_ISREG(st.st_mode):
        return None
    try:
        offset = f.tell()
    except Exception:
        offset = 0
    return (fd, offset, max(0, st.st_size - offset))


def load_app(spec):
    # gunicorn's rules: "module", "module:name" or "module:factory(literal args)".
    module, _, obj = spec.partition(":")
    if not obj:
        obj = "application"
    try:
        mod = _importlib.import_module(module)
    except ImportError:
        if module.endswith(".py") and _os.path.exists(module):
            raise ImportError("Failed to find application, did you mean '%s:%s'?"
                              % (module.rsplit(".", 1)[0], obj))
        raise
    try:
        expr = _ast.parse(obj, mode="eval").body
    except SyntaxError:
        raise AppImportError("Failed to parse %r as an attribute name or function call." % obj)
    args = kwargs = None
    if isinstance(expr, _ast.Name):
        name = expr.id
    elif isinstance(expr, _ast.Call):
        if not isinstance(expr.func, _ast.Name):
            raise AppImportError("Function reference must be a simple name: %r" % obj)
        name = expr.func.id
        try:
            args = [_ast.literal_eval(a) for a in expr.args]
            kwargs = {k.arg: _ast.literal_eval(k.value) for k in expr.keywords}
        except ValueError:
            raise AppImportError("Failed to parse arguments as literal values: %r" % obj)
    else:
        raise AppImportError("Failed to parse %r as an attribute name or function call." % obj)
    try:
        app = getattr(mod, name)
    except AttributeError:
        raise AppImportError("Failed to find attribute %r in %r." % (name, module))
    if args is not None:
        app = app(*args, **kwargs)
    if app is None:
        raise AppImportError("Failed to find application object: %r" % obj)
    if not callable(app):
        raise AppImportError("Application object must be callable.")
    return app



def load_paste(uri, raw_global):
    # gunicorn's --paste: PasteDeploy's loadapp, with --paste-global's KEY=VALUE items (an
    # unescaped "=" splits them; "\\=" is a literal one) as global_conf.
    import re
    global_conf = {}
    for item in raw_global.split("\0") if raw_global else []:
        try:
            key, value = re.split(r"(?<!\\)=", item, maxsplit=1)
        except ValueError:
            raise RuntimeError("environment setting %r invalid" % item)
        global_conf[key.replace("\\=", "=")] = value.replace("\\=", "=")
    from paste.deploy import loadapp
    if ":" not in uri:
        uri = "config:" + uri
    return loadapp(uri, name=None, relative_to=_os.getcwd(), global_conf=global_conf)


class _Spew:
    # --spew: gunicorn's debug.Spew output, one "module:line: source" per line executed.
    def __call__(self, frame, event, arg):
        if event == "line":
            import linecache
            lineno = frame.f_lineno
            g = frame.f_globals
            if "__file__" in g and g["__file__"]:
                path = g["__file__"]
                if path.endswith((".pyc", ".pyo")):
                    path = path[:-1]
                text = linecache.getline(path, lineno)
                name = g.get("__name__")
            else:
                name = "[unknown]"
                try:
                    import inspect
                    source, first = inspect.getsourcelines(frame)
                    text = source[lineno - first]
                except (OSError, TypeError, IndexError):
                    text = "Unknown code named [%s].  VM instruction #%d" % (frame.f_code.co_name, frame.f_lasti)
            print("%s:%s: %s" % (name, lineno, text.rstrip()))
        return self


def spew():
    _sys.settrace(_Spew())


# The Python half of the WSGI layer, installed as the module "_sharpicorn_wsgi" by WsgiApp.Load.
# Shipped inside the assembly as an embedded resource; a test compiles it with Python's own
# compiler. This note sits at the end so line numbers in tracebacks stay what they were.
