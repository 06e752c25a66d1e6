#!/bin/bash
# `make bench`: every benchmark, one table after another, with a line that
# describes the machine; the whole output also goes to
# bench/results/<date>-<host>.txt. Benchmarks never fail on a slow machine;
# they exit non-zero only when a benchmark could not run.
#   bench/run.sh              everything (about 15 minutes)
#   QUICK=1 bench/run.sh      fewer runs and sizes (about 3 minutes)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
mkdir -p bench/results
out=bench/results/$(date -u +%Y%m%d-%H%M)-$(hostname -s).txt
if [ -n "${QUICK:-}" ]; then
	sizes="10 100"; runs=2; attach_runs=20; sg_runs=20; mem=100; envs="100"
else
	sizes="10 100 500 1000"; runs=5; attach_runs=100; sg_runs=50; mem=1000; envs="100 500 1000"
fi
{
	echo "machine: $(machine)"
	echo
	# attach and sg first: up.sh deletes thousands of namespace files,
	# and for a minute or more after that, where /run is ext4, every new
	# file costs more (docs/BENCHMARKS.md); attach makes several.
	bench/attach.sh "$attach_runs" 100
	echo
	bench/sg.sh "$sg_runs" 100
	echo
	RUNS=$runs bench/up.sh $sizes
	echo
	bench/dns.sh
	echo
	RUNS=$runs bench/aws.sh
	echo
	bench/http_api.sh
	echo
	RUNS=$runs bench/zone_invoke.sh
	echo
	bench/s3_event.sh
	echo
	bench/vpce.sh
	echo
	RUNS=$runs bench/dataplane.sh
	echo
	bench/memory.sh "$mem"
	echo
	bench/cpu.sh "$runs"
	echo
	bench/extensions.sh "$runs"
	echo
	bench/scale.sh $envs
	echo
	bench/stream.sh "$runs"
} 2>&1 | tee "$out"
echo
echo "saved in $out"
