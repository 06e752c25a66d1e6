"""bench/serve_floor.sh's second floor for a custom runtime: its own
bootstrap, unchanged, run against a minimal Runtime API outside vpcsim.
It enters NETNS, a network namespace of the bench's own (by setns, not
`ip netns exec`, which mounts a sysfs of the namespace's over the cgroups):
  bootstrap_floor.py NETNS N CODE_DIR [CPU_GROUP QUOTA_US]
For each of N samples the bootstrap (bash CODE_DIR/bootstrap, with Lambda's
variables) is started, its first GET .../invocation/next answered with an
event at once, its POST .../response answered 202, and the bootstrap's
process group killed. Prints one line per sample, "wall init" in ms: wall
from the start to the response's arrival, init to the first `next`.
With CPU_GROUP (a cpu cgroup folder of the bench's own: v1 with
cpu.cfs_quota_us, or v2 with cpu.max) the bootstrap is moved into it and
runs uncapped until its first `next`, then at QUOTA_US per 100 ms period,
as vpcsim runs a function (the init uncapped, the invoke at the memory's
CPU share, as Lambda). The server answers from outside that group."""
import ctypes, os, re, signal, socket, subprocess, sys, time

EVENT = b'{"floor":1}'
LD = "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"


def cap(group, quota):
    """quota None lifts the cap."""
    if not group:
        return
    if os.path.exists(os.path.join(group, "cpu.cfs_quota_us")):
        with open(os.path.join(group, "cpu.cfs_quota_us"), "w") as f:
            f.write("-1" if quota is None else str(quota))
    else:
        with open(os.path.join(group, "cpu.max"), "w") as f:
            f.write("max 100000" if quota is None else f"{quota} 100000")


def request(c):
    """One request's head (and body, read and dropped) from connection c."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(65536)
        if not d:
            return None
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    m = re.search(rb"(?i)content-length:\s*(\d+)", head)
    need = int(m.group(1)) if m else 0
    while len(body) < need:
        d = c.recv(65536)
        if not d:
            break
        body += d
    return head.split(b"\r\n", 1)[0]


def sample(ls, port, code, group, quota, n):
    env = {"PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin", "LD_LIBRARY_PATH": LD,
           "LANG": "en_US.UTF-8", "TZ": ":UTC", "_HANDLER": "function.handler",
           "LAMBDA_TASK_ROOT": code, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}"}
    cap(group, None)
    t0 = time.perf_counter()
    p = subprocess.Popen(["/bin/bash", os.path.join(code, "bootstrap")], env=env, cwd=code,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    if group:
        with open(os.path.join(group, "cgroup.procs"), "w") as f:
            f.write(str(p.pid))
    init = wall = None
    rid = f"floor-{n}"
    while wall is None:
        c, _ = ls.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        line = request(c)
        if line and line.startswith(b"GET ") and init is None:
            init = (time.perf_counter() - t0) * 1000
            cap(group, quota)
            c.sendall(b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: " + rid.encode() +
                      b"\r\nLambda-Runtime-Deadline-Ms: " +
                      str(int(time.time() * 1000) + 3000).encode() +
                      b"\r\nContent-Type: application/json\r\nContent-Length: " +
                      str(len(EVENT)).encode() + b"\r\n\r\n" + EVENT)
        elif line and line.startswith(b"POST ") and rid.encode() in line:
            wall = (time.perf_counter() - t0) * 1000
            c.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}")
        c.close()
    c, _ = ls.accept()
    request(c)
    end = (time.perf_counter() - t0) * 1000
    c.close()
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    cap(group, None)
    return wall, init, end


def main():
    ns, n, code = sys.argv[1], int(sys.argv[2]), os.path.abspath(sys.argv[3])
    group = sys.argv[4] if len(sys.argv) > 5 else ""
    quota = int(sys.argv[5]) if group else None
    fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    if ctypes.CDLL(None, use_errno=True).setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
        sys.exit(f"bootstrap_floor: setns {ns}: {os.strerror(ctypes.get_errno())}")
    os.close(fd)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    for i in range(n):
        wall, init, end = sample(ls, ls.getsockname()[1], code, group, quota, i)
        print(f"{wall:.1f} {init:.1f} {end:.1f}", flush=True)


if __name__ == "__main__":
    main()
