# Slow and hostile clients of `vpcsim serve` for t_bounds.sh (loopback only).
#   bounds_client.py PORT half N HOLD          N half-sent request headers, held HOLD s
#   bounds_client.py PORT bodies N PER HOLD KEY REGION
#       N signed-looking POSTs (a known key, a current date, any signature)
#       announcing 6,000,000 bytes and sending PER of them, held HOLD s
#   bounds_client.py PORT headers N SIZE HOLD
#       N requests whose headers are SIZE bytes (past serve's 16 KB), held
# Prints how many connections were opened, then holds them.
import socket
import sys
import time

port, mode, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
socks = []
path = "/2015-03-31/functions/flood/invocations"
for _ in range(n):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        s.close()
        continue
    if mode == "half":
        s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " % path).encode())
    elif mode == "headers":
        try:
            s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: %s\r\n\r\n"
                       % (path, "h" * int(sys.argv[4]))).encode())
        except OSError:
            pass  # refused part way: it counts, it was sent at serve
    else:
        key, region = sys.argv[6], sys.argv[7]
        now = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Date: %s\r\n"
                   "Authorization: AWS4-HMAC-SHA256 Credential=%s/%s/%s/lambda/aws4_request, "
                   "SignedHeaders=host;x-amz-date, Signature=%s\r\n"
                   "Content-Length: 6000000\r\n\r\n"
                   % (path, now, key, now[:8], region, "0" * 64)).encode())
    socks.append(s)
if mode == "bodies":
    per, chunk = int(sys.argv[4]), b"b" * 65536
    sent = [0] * len(socks)
    for s in socks:
        s.setblocking(False)
    end = time.time() + 20
    while time.time() < end and any(x < per for x in sent):
        for i, s in enumerate(socks):
            if sent[i] < per:
                try:
                    sent[i] += s.send(chunk[: per - sent[i]])
                except BlockingIOError:
                    pass
                except OSError:
                    sent[i] = per
        time.sleep(0.01)
print(len(socks), flush=True)
time.sleep(float(sys.argv[5] if mode in ("bodies", "headers") else sys.argv[4]))
