# Is the app ASGI 3? Loaded on its own, without asyncio or inspect: importing asyncio pulls in
# ssl and libcrypto, and cost every WSGI worker about 9 MiB of RSS just to answer "no".
# The test is inspect.iscoroutinefunction's (3.11): unwrap bound methods and functools.partial,
# then look for CO_COROUTINE in the code flags; plus the marker inspect.markcoroutinefunction
# sets on 3.12 and later.
_CO_COROUTINE = 0x80


def _is_coroutine_function(f):
    while True:
        if hasattr(f, "__func__"):
            f = f.__func__
        elif type(f).__module__ == "functools" and type(f).__name__ == "partial":
            f = f.func
        else:
            break
    if getattr(f, "_is_coroutine_marker", None) is not None:
        return True
    code = getattr(f, "__code__", None)
    return code is not None and bool(getattr(code, "co_flags", 0) & _CO_COROUTINE)


def is_asgi(app):
    # An async def callable, or an object whose __call__ is a coroutine function, is ASGI 3.
    if _is_coroutine_function(app):
        return True
    call = getattr(type(app), "__call__", None)
    return call is not None and _is_coroutine_function(call)
