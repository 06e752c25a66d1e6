#!/bin/bash
# Cold start and warm invoke latency of functions with code, per bundled
# runtime (python3.11, nodejs20.x, and java17 at 1,024 MB when make built
# the Java client) and a custom runtime (the curl bootstrap of AWS's
# tutorial), without VPC and with one (hyperplane ENI).
#   cold: `vpcsim detach` first, so each invoke makes the environment:
#         wall time of the whole `vpcsim invoke` and the Init Duration it
#         reports (network + cgroup + runtime start until its first `next`);
#   warm: wall time of `vpcsim invoke` (a process start, the topology
#         loaded, the event through the supervisor) and the Duration.
# Prints p50 and p99. A benchmark, not a test: it never fails.
#   bench/runtime.sh [COLD_RUNS] [WARM_RUNS]     default 20 and 100
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
VPCSIM=$PWD/build/vpcsim
COLD=${1:-20}
WARM=${2:-100}
bench_topology benchrt
cp -r tests/integration/data/runtime "$tmp/runtime"
# java17: a static POJO handler of t_runtime_java (Map in, Map out), compiled
# against the client's jar; 1,024 MB (0.58 of a CPU), as a Java function is
# usually given.
FNS="python node curl python-vpc"
JAVA_FN=""
if [ -f runtimes/java/lib/vpcsim-lambda-java.jar ] && command -v javac >/dev/null; then
	mkdir -p "$tmp/runtime/java"
	javac --release 17 -cp runtimes/java/lib/vpcsim-lambda-java.jar -d "$tmp/runtime/java" \
		tests/integration/data/runtime_java/src/example/Handlers.java
	JAVA_FN=',
    { "name": "java", "runtime": "java17", "handler": "example.Handlers::shout", "code": "runtime/java",
      "memory_mb": 1024 }'
	FNS="$FNS java"
fi
cat >"$tmp/t.json" <<JSON
{ "name": "$T",
  "vpcs": [ { "name": "app", "cidr": "10.9.0.0/16", "subnets": [ { "name": "priv", "cidr": "10.9.1.0/24" } ],
              "security_groups": [ { "name": "lambda" } ] } ],
  "functions": [
    { "name": "python", "runtime": "python3.11", "handler": "app.ticks_now", "code": "runtime/py" },
    { "name": "node", "runtime": "nodejs20.x", "handler": "app.handler", "code": "runtime/node" },
    { "name": "curl", "runtime": "provided.al2023", "handler": "function.handler", "code": "runtime/curl" },
    { "name": "python-vpc", "runtime": "python3.11", "handler": "app.ticks_now", "code": "runtime/py",
      "vpc_config": { "subnets": ["priv"], "security_groups": ["lambda"] } }$JAVA_FN ] }
JSON
$VPCSIM up "$tmp/t.json" >/dev/null

ms() { date +%s%N; }
field() { # NAME: the value of "NAME: X ms" in a REPORT line
	grep '^REPORT' | tr '\t' '\n' | awk -v k="$1" -F': ' '$1 == k {print $2+0}'
}

printf '%-11s %-32s %-32s %-30s %-30s\n' function "cold wall ms (p50 / p99)" "Init Duration ms (p50 / p99)" \
	"warm wall ms (p50 / p99)" "warm Duration ms (p50 / p99)"
for fn in $FNS; do
	: >"$tmp/cw"; : >"$tmp/ci"; : >"$tmp/ww"; : >"$tmp/wd"
	for _ in $(seq "$COLD"); do
		$VPCSIM detach -t $T "$fn" --all >/dev/null 2>&1 || true
		t0=$(ms)
		$VPCSIM invoke -t $T "$fn" >/dev/null 2>"$tmp/log"
		echo $(( ($(ms) - t0) / 1000000 )) >>"$tmp/cw"
		field "Init Duration" <"$tmp/log" >>"$tmp/ci"
	done
	for _ in $(seq "$WARM"); do
		t0=$(ms)
		$VPCSIM invoke -t $T "$fn" >/dev/null 2>"$tmp/log"
		echo $(( ($(ms) - t0) / 1000000 )) >>"$tmp/ww"
		field "Duration" <"$tmp/log" >>"$tmp/wd"
	done
	printf '%-11s %-32s %-32s %-30s %-30s\n' "$fn" \
		"$(pct 50 <"$tmp/cw") / $(pct 99 <"$tmp/cw")" "$(pct 50 <"$tmp/ci") / $(pct 99 <"$tmp/ci")" \
		"$(pct 50 <"$tmp/ww") / $(pct 99 <"$tmp/ww")" "$(pct 50 <"$tmp/wd") / $(pct 99 <"$tmp/wd")"
done
