#!/bin/bash
# CPU in proportion to memory, as Lambda: each environment's cgroup gets
# CFS bandwidth of memory_mb/1769 of a CPU (up to 6). Checks the quota the
# kernel holds and that it bites on a CPU-bound handler; the 128 MB bound is
# the kernel's hard cap, not a timing guess. The ratio itself is measured by
# bench/cpu.sh (docs/RUNTIME.md quotes it). The init runs unthrottled.
. "$(dirname "$0")/lib.sh"
plan 9
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/runtime_cpu" "$TMP/runtime_cpu"
topo_copy "$ROOT/tests/integration/data/runtime_cpu.json" "$T"
# quota FN: "QUOTA PERIOD" of the function's environment, v1 or v2
quota() {
	local d
	for d in /sys/fs/cgroup/cpu/vpcsim/"$T"/"$1"-* /sys/fs/cgroup/vpcsim/"$T"/"$1"-* \
		/sys/fs/cgroup/unified/vpcsim/"$T"/"$1"-*; do
		[ -f "$d/cpu.cfs_quota_us" ] && { echo "$(cat "$d/cpu.cfs_quota_us") $(cat "$d/cpu.cfs_period_us")"; return; }
		[ -f "$d/cpu.max" ] && { cat "$d/cpu.max"; return; }
	done
}
# throttled FN: how many periods the kernel throttled the environment
throttled() {
	local d
	for d in /sys/fs/cgroup/cpu/vpcsim/"$T"/"$1"-* /sys/fs/cgroup/vpcsim/"$T"/"$1"-* \
		/sys/fs/cgroup/unified/vpcsim/"$T"/"$1"-*; do
		[ -f "$d/cpu.stat" ] && { awk '$1 == "nr_throttled" {print $2}' "$d/cpu.stat"; return; }
	done
}

check "up $T" V up "$F"
V invoke -t "$T" cpu128 --payload '{"cpu_s": 0.3}' >"$TMP/128.json" 2>"$TMP/log"
is "128 MB: the environment's CPU quota is 72/1000 of a CPU (7.2 ms per 100 ms)" "7200 100000" "$(quota cpu128)"
check "128 MB: the kernel throttled the CPU-bound handler" test "$(throttled cpu128)" -gt 0
check "128 MB: the handler got at most 0.15 of a CPU (its quota 0.072, with margin)" \
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j); sys.exit(not (j["cpu_s"] >= 0.3 and j["util"] <= 0.15))' "$TMP/128.json"
V invoke -t "$T" cpu1769 --payload '{"cpu_s": 0.05}' >"$TMP/1769.json" 2>"$TMP/log"
is "1,769 MB: one whole CPU" "100000 100000" "$(quota cpu1769)"
V invoke -t "$T" cpu10240 --payload '{"cpu_s": 0.01}' >/dev/null 2>"$TMP/log"
is "10,240 MB: 5.788 CPUs (10240/1769)" "578800 100000" "$(quota cpu10240)"
V invoke -t "$T" initspin >"$TMP/init.json" 2>"$TMP/log"
is "128 MB: the init (0.3 s of CPU at import) ran without a throttled period" 0 "$(throttled initspin)"
is "128 MB: the quota is back for the invokes after it" "7200 100000" "$(quota initspin)"
check "down $T" V down "$T"
