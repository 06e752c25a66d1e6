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
#   - `status` and `reach` wall time at that size (medians of 5), and a warm invoke's
#     (p50 of 20 on one kept-alive connection: an acquire's cost at N);
#   - within the ramp, when the 100th, 250th, 500th and 750th environment
#     ended its init (the same ramp's milestones: one run to 1,000 gives
#     0 -> 100 and 0 -> 500 under the load of 1,000 requests).
# Each against its floor, measured in the same run just before vpcsim's
# ramp (bench/scale_floor.py): N units of a network namespace, a veth pair
# (both ends in the bench's own namespaces) and /usr/bin/python3 started in
# it and parked (stopped), made as many at a time as vpcsim's cold starts
# (2 per core); the same measures (0 -> N, MemAvailable's drop, the
# kernel's growth, the interpreters' PSS), and for `status` the listing of
# the floor's N namespaces (`ip netns list`), for `reach` a vpcsim that
# does nothing (`vpcsim --version`: its start and libraries).
# Never exhausts the machine: the floor and the ramp stop early, with a
# message, when MemAvailable falls under SCALE_RESERVE_MB (default 4096),
# and serve gets the same reserve (VPCSIM_MEM_RESERVE_MB: past it, cold
# starts are throttled). Interrupted (INT, TERM, HUP), it removes all it made.
#   bench/scale.sh [N...]        (root; a topology of its own, removed after)
# Prints figures only; never fails on a slow machine. serve runs up to the
# account's 1,000 invokes at once (docs/RUNTIME.md).
set -u
cd "$(dirname "$0")/.."
. bench/lib.sh
SIZES=${*:-100 500 1000}
tmp=$(mktemp -d /tmp/vpcsim-scale.XXXXXX)
T=bscale$((RANDOM % 1000))
RESERVE=${SCALE_RESERVE_MB:-4096}
FLOOR=vpcsim-bfloor.s$$
SERVE="" RAMP=""
cleanup() {
	rm -f "$tmp/code/hold"
	[ -n "$RAMP" ] && kill "$RAMP" 2>/dev/null
	[ -n "$SERVE" ] && kill "$SERVE" 2>/dev/null
	python3 bench/scale_floor.py down "$FLOOR" "$tmp/floor.pids"
	$VPCSIM down "$T" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "scale: interrupted; removing what it made" >&2; exit 130' INT TERM HUP
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
kern_kb() { awk '/^(Slab|KernelStack|PageTables|Percpu):/ {s += $2} END {print s}' /proc/meminfo; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# Until MemAvailable holds still (a namespace's memory is freed after its
# deletion returns), at most a minute.
settle_mem() {
	local a b
	for _ in $(seq 30); do
		a=$(avail_kb) && sleep 2 && b=$(avail_kb)
		[ $((a > b ? a - b : b - a)) -lt 20480 ] && return
	done
}
# pss_sum PID...: their PSS summed, in kB.
pss_sum() {
	for p in "$@"; do awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null; done |
		awk '{s += $1} END {print s + 0}'
}
div() { awk -v a="$1" -v b="$2" -v d="${3:-1}" 'BEGIN { printf "%.*f", d, (b > 0 ? a / b : 0) }'; }
msecs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1000 }'; }
# med5 CMD...: the median wall time of 5 runs, in seconds.
med5() {
	local t0 t1
	for _ in 1 2 3 4 5; do
		t0=$(now_ms); "$@" >/dev/null 2>&1; t1=$(now_ms); msecs "$t0" "$t1"; echo
	done | stats | cut -d' ' -f1
}

# The floor at N: prints "secs made avail_kb kern_kb pss_kb status_s reach_s"
# and the milestones; everything it made is gone when it returns.
floor_run() {
	local a0 k0 a1 k1 pss secs made marks
	settle_mem
	a0=$(avail_kb) k0=$(kern_kb)
	: >"$tmp/floor.pids"
	python3 bench/scale_floor.py up "$1" "$FLOOR" "$tmp/floor.pids" "$RESERVE" >"$tmp/floor.out" || true
	{ read -r secs made && read -r marks; } <"$tmp/floor.out"
	sleep 5
	a1=$(avail_kb) k1=$(kern_kb)
	pss=$(pss_sum $(cat "$tmp/floor.pids"))
	local st rc
	st=$(med5 ip netns list) rc=$(med5 "$VPCSIM" --version)
	python3 bench/scale_floor.py down "$FLOOR" "$tmp/floor.pids"
	echo "${secs:-0} ${made:-0} $((a0 - a1)) $((k1 - k0)) $pss $st $rc"
	echo "${marks:-}"
}

echo "machine: $(date -u +%FT%RZ); $(nproc) cores; $(free -g | awk '/Mem:/ {print $2}')Gi RAM; load $(load); vpcsim $(git rev-parse --short HEAD 2>/dev/null); reserve ${RESERVE} MiB"
echo "per environment (MiB): cg = its memory cgroup (no VPC / hyperplane ENI); rt = its runtime's PSS; sup = its supervisor's PSS; kern = the kernel's growth (Slab+KernelStack+PageTables+Percpu); avail = MemAvailable's drop"
echo "floor (same run, just before): N units of netns + veth + /usr/bin/python3 parked, $(python3 -c 'import os; v = os.environ.get("VPCSIM_COLD_STARTS", ""); print(int(v) if v.isdigit() and int(v) > 0 else 2 * os.cpu_count())') at a time; x = vpcsim / floor, run by run"
for N in $SIZES; do
	echo "== N=$N, floor from $(date -u +%T) (load $(load))"
	{ read -r fsecs fmade favail fkern fpss fstat freach && read -r fmarks; } < <(floor_run "$N")
	[ "$fmade" -lt "$N" ] && echo "  the floor stopped at $fmade units (see above)"
	echo "  floor: 0->$fmade ${fsecs} s ($(div "$fmade" "$fsecs") units/s); per unit (MiB): python pss $(div "$fpss" "$((fmade * 1024))"), kern $(div "$fkern" "$((fmade * 1024))" 2), avail $(div "$favail" "$((fmade * 1024))"); ip netns list ${fstat} s, vpcsim --version ${freach} s (medians of 5)"
	[ -n "$fmarks" ] && echo "  floor milestones (s): $fmarks"
	settle_mem
	echo "== N=$N, vpcsim from $(date -u +%T) (load $(load))"
	a0=$(avail_kb)
	k0=$(kern_kb)
	$VPCSIM up "$tmp/t.json" >/dev/null || { echo "scale: up failed"; exit 0; }
	PORT=$((20000 + RANDOM % 20000))
	VPCSIM_ENV_IDLE_S=3600 VPCSIM_MEM_RESERVE_MB=$RESERVE $VPCSIM serve -t "$T" --listen 127.0.0.1:$PORT >"$tmp/serve.out" 2>&1 &
	SERVE=$!
	for _ in $(seq 100); do grep -q serving "$tmp/serve.out" && break; sleep 0.1; done
	eval "$($VPCSIM credentials -t "$T")"
	touch "$tmp/code/hold"
	python3 - "$PORT" "$N" "$tmp" "/run/vpcsim/$T/envs" "$RESERVE" >"$tmp/ramp" <<'PY' &
import json, os, sys, threading, time, http.client
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
port, n, tmp, envs, reserve = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
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
def avail_mb():
    return next(int(l.split()[1]) // 1024 for l in open("/proc/meminfo") if l.startswith("MemAvailable:"))
hold, warned = os.path.join(tmp, "code", "hold"), False
while any(t.is_alive() for t in th):
    if os.path.exists(hold) and made() >= n:
        os.unlink(hold)
    if not warned and avail_mb() < reserve:
        print(f"scale: stopped early at {made()} environments of {n}: MemAvailable {avail_mb()} MiB "
              f"is under the reserve of {reserve} MiB (SCALE_RESERVE_MB); the held requests are "
              "released, serve throttles cold starts and reclaims idle environments", file=sys.stderr)
        warned = True
        if os.path.exists(hold):
            os.unlink(hold)
    time.sleep(0.5)
for t in th: t.join()
print(f"{max(out) - t0:.1f} {len(out)} {sum(1 for c in codes if c != 200)}")
# Within this ramp: when the 100th, 500th, ... environment ended its init.
done = sorted(t - t0 for t in out)
print(" ".join(f"{m}:{done[m - 1]:.1f}" for m in (100, 250, 500, 750) if m < len(done)))
PY
	RAMP=$!
	wait $RAMP
	RAMP=""
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
# Per environment alive now (serve may have reclaimed some under the reserve).
n = cg["plain"][1] + cg["invpc"][1] or n
print(f"{avg('plain'):.1f} {avg('invpc'):.1f} {rt / n / M:.1f} {sup / n / M:.1f} {(kern() - k0 * 1024) / n / M:.2f} {n}")
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
	stat=$(med5 "$VPCSIM" status "$T") reach=$(med5 "$VPCSIM" reach -t "$T" plain db 5432)
	read -r cgp cgv rt sup kern alive <<<"$mem"
	avail=$(div "$((a0 - a1))" "$((alive * 1024))")
	fmt='%-6s %-8s %-7s %-9s %-9s %-9s %-9s %-9s %-9s %-9s %-8s %-8s\n'
	printf "$fmt" N "0->N s" "envs/s" "cg plain" "cg vpc" "rt pss" "sup pss" "kern" "avail" "avail/env" "status" "reach"
	printf "$fmt" "$N" "$secs" "$(div "$ok" "$secs")" "$cgp" "$cgv" "$rt" "$sup" "$kern" \
		"$(((a0 - a1) / 1024))" "$avail" "$stat" "$reach"
	# vpcsim / floor: the time to the same count (the floor's made units
	# scaled when one side stopped short), memory per environment by part.
	printf "$fmt" "x floor" "$(div "$(div "$secs" "$ok" 4)" "$(div "$fsecs" "$fmade" 4)" 2)" "" "" "" \
		"$(div "$rt" "$(div "$fpss" "$((fmade * 1024))" 3)" 2)" "" \
		"$(div "$kern" "$(div "$fkern" "$((fmade * 1024))" 3)" 2)" "" \
		"$(div "$avail" "$(div "$favail" "$((fmade * 1024))" 3)" 2)" \
		"$(div "$stat" "$fstat" 1)" "$(div "$reach" "$freach" 1)"
	echo "  ($ok requests answered, $alive environments alive when measured (memory is per those); load $(load) at the end)"
	echo "  warm invoke of plain with $ok environments up: p50 $warm (20 one after another, keep-alive)"
	[ -n "$marks" ] && echo "  within the ramp to $N, seconds to the Nth environment's end of init: $marks"
	[ "$bad" != 0 ] && echo "  ($bad of $N requests not answered 200)"
	kill "$SERVE" 2>/dev/null
	wait "$SERVE" 2>/dev/null
	SERVE=""
	$VPCSIM down "$T" >/dev/null 2>&1
done
