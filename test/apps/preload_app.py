"""--preload: every process that imports this module leaves a marker in $PRELOAD_DIR named after its pid."""
import os

with open(os.path.join(os.environ["PRELOAD_DIR"], "import-%d" % os.getpid()), "w") as _f:
    _f.write(str(os.getpid()))


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode()]
