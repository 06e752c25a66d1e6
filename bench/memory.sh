#!/bin/bash
# Memory at N ENIs (default 1000): the kernel's memory per ENI (the growth
# of the kernel's own counters in /proc/meminfo across `up`, divided by N)
# and the memory of the topology's pinned BPF maps (bytes_memlock, as
# bpftool reports it).
#   bench/memory.sh [N]
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${1:-1000}
bench_topology benchmem

kernel_kb() { # the kernel's own memory: slab, stacks, page tables, per-cpu
	awk '/^(Slab|KernelStack|PageTables|Percpu):/ { s += $2 } END { print s }' /proc/meminfo
}

bench/gen.sh "$N" benchmem >"$tmp/t.json"
sync
before=$(kernel_kb)
$VPCSIM up "$tmp/t.json" >/dev/null
sleep 1
after=$(kernel_kb)
maps=0
for pin in $(find /sys/fs/bpf/vpcsim/benchmem -type f 2>/dev/null); do
	b=$(bpftool -j map show pinned "$pin" 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin).get("bytes_memlock", 0))' || echo 0)
	maps=$((maps + b))
done
echo "MEMORY at $N ENIs"
printf "%-34s %12s\n" WHAT KiB
printf "%-34s %12d\n" "kernel memory, whole topology" $((after - before))
printf "%-34s %12.1f\n" "kernel memory per ENI" "$(awk -v d=$((after - before)) -v n="$N" 'BEGIN { print d / n }')"
printf "%-34s %12d\n" "pinned BPF maps (bytes_memlock)" $((maps / 1024))
