#!/bin/bash
# Lambda's scale on one machine (issue 22): N concurrent requests through
# `vpcsim serve`, each held in its handler until all N have an environment,
# so N environments are made; half a Python function without VPC, half one
# in a VPC through its hyperplane ENI. For each N (default 100 500 1000):
#   - time from the first request to the last environment's end of init
#     (the function's own clock: its module's INIT_END), and the rate;
#   - memory per frozen environment once all are idle (frozen), taken
#     apart: the environment's memory cgroup (runtime + /tmp + kernel
#     objects charged to it) for each kind (without VPC, through a
#     hyperplane ENI), the runtimes' PSS (the processes of the cgroups),
#     the supervisors' PSS, the kernel's own growth (Slab + KernelStack +
#     PageTables + Percpu: namespaces, veths, cgroups, sockets), and
#     MemAvailable's drop across the run, each divided by N;
#   - `status` and `reach` wall time at that size, and a warm invoke's
#     (p50 of 20 on one kept-alive connection: an acquire's cost at N);
#   - within the ramp, when the 100th, 250th, 500th and 750th environment
#     ended its init (the same ramp's milestones: one run to 1,000 gives
#     0 -> 100 and 0 -> 500 under the load of 1,000 requests).
#   bench/scale.sh [N...]        (root; a topology of its own, removed after)
# Prints figures only; never fails on a slow machine. serve runs up to the
# account's 1,000 invokes at once (docs/RUNTIME.md).
set -u
cd "$(dirname "$0")/.."
. bench/lib.sh
SIZES=${*:-100 500 1000}
tmp=$(mktemp -d /tmp/vpcsim-scale.XXXXXX)
T=bscale$((RANDOM % 1000))
SERVE=""
cleanup() {
	[ -n "$SERVE" ] && kill "$SERVE" 2>/dev/null
	$VPCSIM down "$T" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/code"
cat >"$tmp/code/app.py" <<'PY'
import os, time
INIT_END = time.time()
def handler(event, context):
    while os.path.exists("/var/task/hold"):
        time.sleep(0.2)
    return {"init_end": INIT_END}
PY
cat >"$tmp/t.json" <<JSON
{ "name": "$T", "lambda": { "eni_mode": "hyperplane", "concurrency_limit": 1000 },
  "vpcs": [ { "name": "app", "cidr": "10.77.0.0/16",
    "subnets": [ { "name": "priv", "cidr": "10.77.1.0/24" } ],
    "security_groups": [ { "name": "lambda" } ] } ],
  "resources": [ { "name": "db", "kind": "rds", "subnet": "priv", "listen": [ { "proto": "tcp", "port": 5432 } ] } ],
  "functions": [
    { "name": "plain", "runtime": "python3.12", "handler": "app.handler", "code": "$tmp/code", "timeout_s": 900 },
    { "name": "invpc", "runtime": "python3.12", "handler": "app.handler", "code": "$tmp/code", "timeout_s": 900,
      "vpc_config": { "subnets": [ "priv" ], "security_groups": [ "lambda" ] } } ] }
JSON
avail_kb() { awk '/^MemAvailable/ {print $2}' /proc/meminfo; }
echo "machine: $(date -u +%FT%RZ); $(nproc) cores; $(free -g | awk '/Mem:/ {print $2}')Gi RAM; load $(cut -d' ' -f1-3 /proc/loadavg); vpcsim $(git rev-parse --short HEAD 2>/dev/null)"
echo "per environment (MiB): cg = its memory cgroup (no VPC / hyperplane ENI); rt = its runtime's PSS; sup = its supervisor's PSS; kern = the kernel's growth (Slab+KernelStack+PageTables+Percpu); avail = MemAvailable's drop"
printf '%-6s %-8s %-7s %-9s %-9s %-9s %-9s %-9s %-9s %-9s %-8s %-8s\n' N "0->N s" "envs/s" "cg plain" "cg vpc" "rt pss" "sup pss" "kern" "avail" "avail/env" "status" "reach"
for N in $SIZES; do
	a0=$(avail_kb)
	k0=$(awk '/^(Slab|KernelStack|PageTables|Percpu):/ {s += $2} END {print s}' /proc/meminfo)
	$VPCSIM up "$tmp/t.json" >/dev/null || { echo "scale: up failed"; exit 0; }
	PORT=$((20000 + RANDOM % 20000))
	VPCSIM_ENV_IDLE_S=3600 $VPCSIM serve -t "$T" --listen 127.0.0.1:$PORT >"$tmp/serve.out" 2>&1 &
	SERVE=$!
	for _ in $(seq 100); do grep -q serving "$tmp/serve.out" && break; sleep 0.1; done
	eval "$($VPCSIM credentials -t "$T")"
	touch "$tmp/code/hold"
	python3 - "$PORT" "$N" "$tmp" "/run/vpcsim/$T/envs" >"$tmp/ramp" <<'PY' &
import json, os, sys, threading, time, http.client
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
port, n, tmp, envs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
cred = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
out, codes = [], []
def one(i):
    fn = "plain" if i % 2 else "invpc"
    url = f"http://127.0.0.1:{port}/2015-03-31/functions/{fn}/invocations"
    r = AWSRequest(method="POST", url=url, data=b"{}")
    SigV4Auth(cred, "lambda", "us-east-1").add_auth(r)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=1800)
    c.request("POST", url.split(str(port), 1)[1], body=b"{}", headers=dict(r.headers))
    resp = c.getresponse(); body = resp.read()
    codes.append(resp.status)
    if resp.status != 200 and len(codes) < 3: print(resp.status, body[:200], file=sys.stderr)
    if resp.status == 200:
        out.append(json.loads(body)["init_end"])
t0 = time.time()
th = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in th: t.start()
def made():
    return len([d for d in os.listdir(envs) if not d.startswith(".")]) if os.path.isdir(envs) else 0
while made() < n and any(t.is_alive() for t in th):
    time.sleep(0.5)
os.unlink(os.path.join(tmp, "code", "hold"))
for t in th: t.join()
print(f"{max(out) - t0:.1f} {len(out)} {sum(1 for c in codes if c != 200)}")
# Within this ramp: when the 100th, 500th, ... environment ended its init.
done = sorted(t - t0 for t in out)
print(" ".join(f"{m}:{done[m - 1]:.1f}" for m in (100, 250, 500, 750) if m < len(done)))
PY
	wait $!
	{ read -r secs ok bad && read -r marks; } <"$tmp/ramp" || { echo "scale: the ramp to $N failed: $(tail -3 "$tmp/ramp")"; continue; }
	[ "${ok:-0}" -gt 0 ] || { echo "scale: no request answered at $N"; continue; }
	sleep 5 # every environment idle and frozen
	mem=$(python3 - "$T" "$ok" "$k0" <<'PY'
import glob, os, subprocess, sys
t, n, k0 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def pss(pid):
    try:
        for l in open(f"/proc/{pid}/smaps_rollup"):
            if l.startswith("Pss:"): return int(l.split()[1]) * 1024
    except OSError: pass
    return 0
cg = {"plain": [0, 0], "invpc": [0, 0]}; rt = 0
for d in glob.glob(f"/sys/fs/cgroup/memory/vpcsim/{t}/*/"):
    kind = os.path.basename(d.rstrip("/")).split("-")[0]
    if kind in cg and os.path.exists(d + "memory.usage_in_bytes"):
        cg[kind][0] += int(open(d + "memory.usage_in_bytes").read()); cg[kind][1] += 1
        rt += sum(pss(p) for p in open(d + "cgroup.procs").read().split())
sup = sum(pss(p) for p in subprocess.run(["pgrep", "-f", f"^vpcsim supervisor {t} "], capture_output=True, text=True).stdout.split())
def kern():
    m = {l.split(":")[0]: int(l.split()[1]) for l in open("/proc/meminfo")}
    return sum(m.get(k, 0) for k in ("Slab", "KernelStack", "PageTables", "Percpu")) * 1024
M = 1048576
avg = lambda k: cg[k][0] / cg[k][1] / M if cg[k][1] else 0
print(f"{avg('plain'):.1f} {avg('invpc'):.1f} {rt / n / M:.1f} {sup / n / M:.1f} {(kern() - k0 * 1024) / n / M:.2f}")
PY
)
	# A warm invoke at that size: what an acquire costs with N environments.
	warm=$(python3 - "$PORT" <<'PY'
import os, sys, time, http.client, statistics
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
port = int(sys.argv[1])
cred = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
url = f"http://127.0.0.1:{port}/2015-03-31/functions/plain/invocations"
c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
ms = []
for _ in range(21):
    r = AWSRequest(method="POST", url=url, data=b"{}")
    SigV4Auth(cred, "lambda", "us-east-1").add_auth(r)
    t = time.perf_counter()
    c.request("POST", url.split(str(port), 1)[1], body=b"{}", headers=dict(r.headers))
    resp = c.getresponse(); resp.read()
    if resp.status == 200: ms.append((time.perf_counter() - t) * 1000)
print(f"{statistics.median(ms[1:]):.1f} ms ({min(ms[1:]):.1f}-{max(ms[1:]):.1f}), {len(ms)} of 21 answered" if len(ms) > 1 else "none answered")
PY
)
	a1=$(avail_kb)
	s0=$(now_ms); $VPCSIM status "$T" >/dev/null; s1=$(now_ms)
	$VPCSIM reach -t "$T" plain db 5432 >/dev/null 2>&1; s2=$(now_ms)
	read -r cgp cgv rt sup kern <<<"$mem"
	printf '%-6s %-8s %-7s %-9s %-9s %-9s %-9s %-9s %-9s %-9s %-8s %-8s\n' "$N" "$secs" \
		"$(awk -v n="$ok" -v s="$secs" 'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }')" \
		"$cgp" "$cgv" "$rt" "$sup" "$kern" "$(((a0 - a1) / 1024))" \
		"$(awk -v a="$a0" -v b="$a1" -v n="$ok" 'BEGIN { printf "%.1f", (a - b) / n / 1024 }')" \
		"$(awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.2f", (b - a) / 1000 }')" \
		"$(awk -v a="$s1" -v b="$s2" 'BEGIN { printf "%.2f", (b - a) / 1000 }')"
	echo "  warm invoke of plain with $ok environments up: p50 $warm (20 one after another, keep-alive)"
	[ -n "$marks" ] && echo "  within the ramp to $N, seconds to the Nth environment's end of init: $marks"
	[ "$bad" != 0 ] && echo "  ($bad of $N requests not answered 200)"
	kill "$SERVE" 2>/dev/null
	wait "$SERVE" 2>/dev/null
	SERVE=""
	$VPCSIM down "$T" >/dev/null 2>&1
done
