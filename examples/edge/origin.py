"""The origin of examples/edge.json: serves the folder site/ beside this
file over HTTP on the port given (default 80), and stops by itself when
the topology's state folder is gone (argv[2], e.g. /run/vpcsim/edge), so
a forgotten one does not outlive `vpcsim down`.

    sudo vpcsim exec -t edge web -- python3 examples/edge/origin.py 80 /run/vpcsim/edge &
"""
import functools
import http.server
import os
import sys
import threading
import time

SITE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "site")


def watch(path):
    while os.path.exists(path):
        time.sleep(1)
    os._exit(0)


if len(sys.argv) > 2:
    threading.Thread(target=watch, args=(sys.argv[2],), daemon=True).start()
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=SITE)
http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1]) if len(sys.argv) > 1 else 80),
                                handler).serve_forever()
