#!/bin/bash
# A function invoking another through the AWS zone's Lambda Invoke API
# (lambda.REGION.amazonaws.com, docs/AWS-SERVICES.md), as t_aws_lambda's
# caller does: boto3 `lambda.invoke` from a Python function without VPC
# (the Lambda service VPC's internet), one client kept alive, to a no-op
# Python callee, both at 1,769 MB. In the caller, after a warm-up:
#   seq    N pairs one after another: a RequestResponse invoke of the warm
#          callee, then a DryRun (204: the zone's HTTPS front, SigV4, the
#          hand-off to the invoker and its answer, no environment): the
#          floor of the zone's own path, in the same run; p50 and p99 of
#          each;
#   conc   C threads (a client each) invoking the callee at once, N/C
#          each, after a warm-up that gives the callee C environments (C
#          invokes at once that each hold theirs 1 s): invokes per second,
#          the p50/p99 of one invoke, and how many environments served.
# With VPCSIM_OLD=PATH (another build of vpcsim), each round runs the
# topology up with it and with $VPCSIM back to back (old first, then new),
# so the two are compared in the same conditions, run by run.
#   bench/zone_invoke.sh [N] [C]     (root; default 200 and 4; RUNS rounds)
# Prints figures only; never fails on a slow machine.
set -u
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${1:-200}
C=${2:-4}
RUNS=${RUNS:-3}
bench_topology bzinv$((RANDOM % 1000))
mkdir -p "$tmp/code"
cat >"$tmp/code/app.py" <<'PY'
import json, os, threading, time
import boto3
from botocore.config import Config

CFG = Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 1},
             max_pool_connections=64)


def callee(event, context):
    if event.get("s"):
        time.sleep(event["s"])
    return {"env": os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")}


def pct(v, p):
    v = sorted(v)
    return round(v[max(0, min(len(v) - 1, (len(v) * p + 99) // 100 - 1))], 2)


def call(lam, kind, payload=b"{}", envs=None):
    t0 = time.perf_counter()
    r = lam.invoke(FunctionName="callee", InvocationType=kind, Payload=payload)
    body = r["Payload"].read()
    assert r["StatusCode"] == (200 if kind == "RequestResponse" else 204), r["StatusCode"]
    if envs is not None:
        env = json.loads(body).get("env")
        if not env:  # the callee's error document
            raise RuntimeError(body[:120].decode())
        envs.add(env)
    return (time.perf_counter() - t0) * 1e3


def burst(n, c, payload=b"{}"):
    """c threads, n invokes in all; (wall s, latencies ms, errors, envs)."""
    lat, errs, envs, starts = [], [], set(), []
    ready = threading.Barrier(c)

    def run(k):
        lam = boto3.client("lambda", config=CFG)
        ready.wait()  # every thread's client made: they start together
        starts.append(time.perf_counter())
        for _ in range(k):
            try:
                lat.append(call(lam, "RequestResponse", payload, envs))
            except Exception as e:
                errs.append("%s: %s" % (type(e).__name__, str(e)[:120]))
    ts = [threading.Thread(target=run, args=(n // c,)) for _ in range(c)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return time.perf_counter() - min(starts), lat, errs, envs


def caller(event, context):
    n, c = event["n"], event["c"]
    lam = boto3.client("lambda", config=CFG)
    for _ in range(10):
        call(lam, "RequestResponse"), call(lam, "DryRun")
    inv, dry = [], []
    for _ in range(n):
        inv.append(call(lam, "RequestResponse"))
        dry.append(call(lam, "DryRun"))
    burst(c, c, b'{"s": 1}')  # warm-up: c environments of the callee, each held 1 s
    wall, lat, errs, envs = burst(n, c)
    return {"inv": [pct(inv, 50), pct(inv, 99)], "dry": [pct(dry, 50), pct(dry, 99)],
            "conc": [round(len(lat) / wall, 1), pct(lat, 50), pct(lat, 99)] if lat else [0, 0, 0],
            "errors": len(errs), "error": errs[0] if errs else "", "envs": len(envs)}
PY
cat >"$tmp/t.json" <<JSON
{ "name": "$T", "aws": { "services": ["lambda"] },
  "functions": [
    { "name": "callee", "runtime": "python3.12", "handler": "app.callee", "code": "code", "memory_mb": 1769,
      "timeout_s": 60 },
    { "name": "caller", "runtime": "python3.12", "handler": "app.caller", "code": "code", "memory_mb": 1769,
      "timeout_s": 600 } ] }
JSON

# one BINARY LABEL: up with BINARY, the caller's figures, down.
one() {
	local bin=$1 label=$2 load
	load=$(cut -d' ' -f1 /proc/loadavg)
	if ! "$bin" up "$tmp/t.json" >"$tmp/up.out" 2>&1; then
		echo "$label: up failed: $(tail -1 "$tmp/up.out")"
		return
	fi
	"$bin" invoke -t "$T" caller --payload "{\"n\":$N,\"c\":$C}" >"$tmp/out.json" 2>"$tmp/log"
	python3 - "$tmp/out.json" "$label" "$load" <<'PY' || echo "$2: no figures: $(tail -3 "$tmp/log" | tr '\n' ' ')"
import json, sys
j = json.load(open(sys.argv[1]))
i, d, c = j["inv"], j["dry"], j["conc"]
print("%-4s load %5s  invoke p50 %7.2f p99 %7.2f ms | DryRun floor p50 %6.2f p99 %7.2f ms | "
      "x floor %5.2f | conc: %6.1f/s p50 %7.2f p99 %7.2f ms, %d environments, %d errors"
      % (sys.argv[2], sys.argv[3], i[0], i[1], d[0], d[1], i[0] / d[0], c[0], c[1], c[2], j["envs"],
         j["errors"]) + ("; first: " + j["error"] if j["error"] else ""))
PY
	"$bin" down "$T" >/dev/null 2>&1
	settle 4
}

echo "machine: $(machine); N=$N pairs, C=$C threads; load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$RUNS"); do
	[ -n "${VPCSIM_OLD:-}" ] && one "$VPCSIM_OLD" old
	one "$VPCSIM" new
done
