"""A stand-in Runtime API for testing a runtime client by itself: hands one
event, then holds `next`; records each POST (path, headers, body) as one
JSON line in OUT; OUT.ready appears once it listens. Usage: fake_rapi.py PORT OUT"""
import http.server
import json
import sys
import threading
import time

PORT, OUT = int(sys.argv[1]), sys.argv[2]
handed = threading.Event()


class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if handed.is_set():
            time.sleep(3600)
        handed.set()
        body = b'{"k": 1}'
        self.send_response(200)
        for k, v in (("Lambda-Runtime-Aws-Request-Id", "8476a536-e9f4-11e8-9739-2dfe598c3fcd"),
                     ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 60000)),
                     ("Lambda-Runtime-Invoked-Function-Arn",
                      "arn:aws:lambda:us-east-1:123456789012:function:f"),
                     ("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700"),
                     ("Content-Length", str(len(body)))):
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n).decode()
        with open(OUT, "a") as f:
            f.write(json.dumps({"path": self.path, "headers": dict(self.headers.items()),
                                "body": body}) + "\n")
        self.send_response(202)
        self.send_header("Content-Length", "15")
        self.end_headers()
        self.wfile.write(b'{"status":"OK"}')

    def log_message(self, *a):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), H)
open(OUT + ".ready", "w").close()
server.serve_forever()
