# The hostile function of t_bounds.sh: it floods what vpcsim serves or reads
# for it (the Runtime API, stdout, stderr), as the event says.
import socket
import sys
import time

API = ("127.0.0.1", 9001)


def rapi(n, per, length, secs, hold):
    """n connections to the Runtime API, each a POST announcing `length`
    bytes and sending `per` of them, none finished."""
    socks = []
    head = ("POST /2018-06-01/runtime/invocation/x/response HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % length).encode()
    for _ in range(n):
        s = socket.socket()
        s.settimeout(1)
        try:
            s.connect(API)
            s.sendall(head)
        except OSError:
            s.close()
            continue
        s.setblocking(False)
        socks.append(s)
    sent = [0] * len(socks)
    chunk = b"x" * 65536
    end = time.time() + secs
    while time.time() < end and any(x < per for x in sent):
        moved = False
        for i, s in enumerate(socks):
            if sent[i] >= per:
                continue
            try:
                sent[i] += s.send(chunk[: min(len(chunk), per - sent[i])])
                moved = True
            except BlockingIOError:
                pass
            except OSError:
                sent[i] = per
        if not moved:
            time.sleep(0.02)
    time.sleep(hold)
    for s in socks:
        s.close()
    # The server frees the slots as it sees them close; the runtime's own
    # answer needs one (16 per environment).
    time.sleep(1)
    return {"conns": len(socks), "sent": sum(sent)}


def declared(rid, length):
    """The response to this invoke announcing `length` bytes and waiting
    for "100 Continue" before it sends them: the status line the Runtime
    API answers with."""
    s = socket.create_connection(API, timeout=5)
    s.sendall(("POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\n"
               "Host: 127.0.0.1\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n"
               % (rid, length)).encode())
    try:
        return s.recv(200).decode(errors="replace").split("\r\n")[0]
    except socket.timeout:
        return ""
    finally:
        s.close()


def output(mb, line_kb, stream):
    """mb MB of output in lines of line_kb KB each, to stdout or stderr."""
    out = sys.stdout if stream == "stdout" else sys.stderr
    line = "y" * (line_kb * 1024) + "\n"
    for _ in range(mb * 1024 // line_kb):
        out.write(line)
    out.flush()
    return {"printed_mb": mb}


def handler(event, context):
    mode = event.get("mode")
    if mode == "rapi":
        return rapi(event["n"], event["per"], event["length"], event.get("secs", 8),
                    event.get("hold", 1))
    if mode == "declared":
        print("status:", declared(context.aws_request_id, event["length"]), flush=True)
        return {}
    if mode == "output":
        return output(event["mb"], event.get("line_kb", 1), event.get("stream", "stdout"))
    if mode == "escape":
        print("before\x1b]0;pwned\x07\x1b[31mred\x1b[0m after")
        return {"s": "x\x1b[2Jy"}
    return {"echo": event}
