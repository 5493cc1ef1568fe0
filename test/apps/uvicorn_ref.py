# The reference server for the ASGI tests: Debian's uvicorn on a port of its own choosing,
# announced with sharpicorn's "Listening at:" line (on a listening socket, so requests queue
# until the app is up, as they do with sharpicorn). Usage: uvicorn_ref.py module:app
import os
import socket
import sys

import uvicorn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
sock.listen(2048)
print("Listening at: http://127.0.0.1:%d (%d)" % (sock.getsockname()[1], os.getpid()), file=sys.stderr, flush=True)
uvicorn.Server(uvicorn.Config(sys.argv[1], log_level="info")).run(sockets=[sock])
