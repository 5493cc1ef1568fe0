"""sharpicorn, installed from a wheel: this package only starts the native server it carries.

The `sharpicorn` console script and `python -m sharpicorn` replace this Python process with
the server (same pid, so signals, pidfiles and systemd see the server itself), and hand it the
interpreter that runs them, so the app is served with this environment's own Python.
"""

import os
import sys
import sysconfig

from sharpicorn._version import __version__

__all__ = ["__version__", "binary", "libpython_problem", "main"]

# The environment variable the server reads for its interpreter. It ranks below --python and a
# config file's `python`, so a user's explicit choice still wins over this environment's.
_PYTHON_ENV = "SHARPICORN_PYTHON"

# gunicorn's WORKER_BOOT_ERROR, the code the server itself exits with when it has no usable Python.
_WORKER_BOOT_ERROR = 3

# What the server embeds; the binary checks the same range when it boots.
_SUPPORTED = ((3, 9), (3, 13))


def binary():
    """The Native AOT server shipped in this package."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "sharpicorn")


def _library_candidates():
    # The same places the server looks (InterpreterInfo): INSTSONAME, then LDLIBRARY, in LIBDIR
    # and in LIBDIR/MULTIARCH; a static library (.a) is no candidate.
    var = sysconfig.get_config_var
    libdir = var("LIBDIR") or ""
    multiarch = var("MULTIARCH") or ""
    found = []
    for name in (var("INSTSONAME"), var("LDLIBRARY")):
        if not name or name.endswith(".a"):
            continue
        found.append(os.path.join(libdir, name))
        if multiarch:
            found.append(os.path.join(libdir, multiarch, name))
    return found


def libpython_problem():
    """None when this interpreter can be embedded, else a one-line reason with what to install."""
    version = "%d.%d.%d" % sys.version_info[:3]
    exe = sys.executable or "python"
    if sys.implementation.name != "cpython":
        return "%s is %s %s; sharpicorn embeds CPython 3.9 to 3.13 only" % (exe, sys.implementation.name, version)
    if not _SUPPORTED[0] <= sys.version_info[:2] <= _SUPPORTED[1]:
        return "%s is CPython %s; sharpicorn supports CPython 3.9 to 3.13" % (exe, version)
    candidates = _library_candidates()
    if any(os.path.exists(c) for c in candidates):
        return None
    major_minor = "%d.%d" % sys.version_info[:2]
    if not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        return ("%s (CPython %s) has no shared libpython, which sharpicorn embeds: it was built without --enable-shared; "
                "install a CPython built with it (pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install %s; "
                "Debian's python3 with libpython%s and the python:3.x Docker images have one)."
                % (exe, version, version, major_minor))
    missing = candidates[0] if candidates else "libpython%s.so" % major_minor
    base = os.path.realpath(getattr(sys, "_base_executable", None) or exe)
    if base.startswith("/usr/bin/"):
        hint = "install Debian's libpython%s (apt-get install libpython%s)" % (major_minor, major_minor)
    else:
        hint = "reinstall this Python with its shared library"
    return "%s (CPython %s) has no shared libpython, which sharpicorn embeds: %s does not exist; %s." % (exe, version, missing, hint)


def _names_interpreter(args):
    # An explicit --python (or only asking for help or the version) needs nothing from this interpreter.
    for a in args:
        if a == "--":
            break
        if a == "--python" or a.startswith("--python=") or a in ("-h", "--help", "-v", "--version"):
            return True
    return False


def main(argv=None):
    """Replaces this process with the server, passing this interpreter; returns only on failure."""
    args = list(sys.argv[1:] if argv is None else argv)
    exe = binary()
    if not _names_interpreter(args):
        problem = libpython_problem()
        if problem is not None:
            sys.stderr.write("sharpicorn: %s\n" % problem)
            return _WORKER_BOOT_ERROR
    env = dict(os.environ)
    env[_PYTHON_ENV] = sys.executable
    try:
        os.execve(exe, ["sharpicorn"] + args, env)
    except OSError as e:
        sys.stderr.write("sharpicorn: cannot run %s: %s\n" % (exe, e.strerror or e))
        return 126
