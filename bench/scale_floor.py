#!/usr/bin/env python3
"""The floor of bench/scale.sh, measured in the same run: what N idle
environments cost at least on this machine, without vpcsim.

One unit per environment: a network namespace, a veth pair with one end
in it and the other in a router namespace of the bench's own (both ends
placed by the same request, so nothing ever sits in the root namespace),
and the interpreter vpcsim's Python runtime runs (/usr/bin/python3) started
in it with `ip netns exec` (its own mount namespace, as the runtime's),
which says it is up and then stops itself (SIGSTOP): parked, as a frozen
idle environment. Units are made PAR at a time, the bound vpcsim puts on
the cold starts of one process (2 per core, VPCSIM_COLD_STARTS).

Namespaces are named vpcsim-bfloor.s<PID>... so that `vpcsim clean` finds
(and empties) any an interrupted run left; the parked interpreters' pids go
to PIDS as they start, one a line, for the bench's cleanup.

    scale_floor.py up N PREFIX PIDS RESERVE_MB
        prints "SECONDS MADE" (0 -> MADE units, the last one's start), then
        the seconds to the 100th, 250th, 500th and 750th; stops early with
        a message on stderr when MemAvailable falls under RESERVE_MB
    scale_floor.py down PREFIX PIDS
        kills the interpreters (by pid) and deletes the namespaces
"""
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

PARK = ("import os, signal\n"
        "signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
        "os.write(1, b'r')\n"
        "os.kill(os.getpid(), signal.SIGSTOP)\n"
        "signal.pause()\n")


def avail_mb():
    for line in open("/proc/meminfo"):
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) // 1024
    return 0


def ip(*args):
    r = subprocess.run(["ip", *args], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"ip {' '.join(args)}: {r.stderr.strip()}")


def par():
    v = os.environ.get("VPCSIM_COLD_STARTS", "")
    return int(v) if v.isdigit() and int(v) > 0 else 2 * (os.cpu_count() or 1)


def up(n, prefix, pids_path, reserve_mb):
    router = prefix + "r"
    ip("netns", "add", router)
    lock = threading.Lock()
    done, stop = [], []
    pids = open(pids_path, "a")
    t0 = time.monotonic()

    def unit(i):
        if stop:
            return
        if avail_mb() < reserve_mb:
            with lock:
                if not stop:
                    stop.append(f"scale floor: stopped at {len(done)} units of {n}: "
                                f"MemAvailable {avail_mb()} MiB is under the reserve of "
                                f"{reserve_mb} MiB (SCALE_RESERVE_MB)")
            return
        ns = f"{prefix}n{i}"
        ip("netns", "add", ns)
        ip("-n", router, "link", "add", f"f{i}", "type", "veth", "peer", "name", "eth0",
           "netns", ns)
        ip("-n", router, "link", "set", f"f{i}", "up")
        p = subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3", "-c", PARK],
                             stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             start_new_session=True)
        with lock:
            pids.write(f"{p.pid}\n")
            pids.flush()
        ok = p.stdout.read(1) == b"r"
        p.stdout.close()
        with lock:
            if ok:
                done.append(time.monotonic() - t0)
            elif not stop:
                stop.append(f"scale floor: the interpreter in {ns} did not start")

    with ThreadPoolExecutor(max_workers=par()) as pool:
        for f in [pool.submit(unit, i) for i in range(n)]:
            try:
                f.result()
            except RuntimeError as e:
                if not stop:
                    stop.append(f"scale floor: {e}")
                    print(stop[0], file=sys.stderr)
    if stop:
        print(stop[0], file=sys.stderr)
    done.sort()
    print(f"{done[-1] if done else 0:.1f} {len(done)}")
    print(" ".join(f"{m}:{done[m - 1]:.1f}" for m in (100, 250, 500, 750) if m < len(done)))


def down(prefix, pids_path):
    try:
        pids = [int(x) for x in open(pids_path).read().split()]
    except OSError:
        pids = []
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    dels = [f"netns del {line.split()[0]}\n" for line in names.splitlines()
            if line.split() and line.split()[0].startswith(prefix)]
    if dels:
        subprocess.run(["ip", "-force", "-batch", "-"], input="".join(dels), text=True,
                       capture_output=True)


if __name__ == "__main__":
    if sys.argv[1] == "up":
        up(int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        down(sys.argv[2], sys.argv[3])
