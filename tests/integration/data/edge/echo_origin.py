"""The origin of t_edge.sh: answers every request with what it received
(request line, headers, body) so the test sees what CloudFront and the
origin-request function sent; /missing is a 404. Logs one line per request
to stdout. Stops when the file named by argv[2] disappears."""
import http.server
import os
import sys
import threading
import time


class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        text = "%s %s\n" % (self.command, self.path)
        text += "".join("%s: %s\n" % (k.lower(), v) for k, v in self.headers.items())
        text += "body: %s\n" % body.decode("utf-8", "replace")
        out = text.encode()
        self.send_response(404 if self.path.startswith("/missing") else 200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)
        print("ORIGIN %s %s" % (self.command, self.path), flush=True)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = answer

    def log_message(self, *args):
        pass


def watch(path):
    while os.path.exists(path):
        time.sleep(0.5)
    os._exit(0)


threading.Thread(target=watch, args=(sys.argv[2],), daemon=True).start()
http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), Echo).serve_forever()
