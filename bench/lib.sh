# Shared by the bench scripts; source it. Benchmarks never fail on a slow
# machine: they print figures. Every figure is a median with its minimum and
# maximum over RUNS runs; comparisons are ratios taken run by run (A and B
# measured back to back), so a drift of the machine's speed cancels out.
VPCSIM=${VPCSIM:-build/vpcsim}
RUNS=${RUNS:-5}

# stats < numbers: "median min max" of the numbers on stdin.
stats() {
	sort -g | awk '{a[NR] = $1} END {
		if (NR == 0) { print "nan nan nan"; exit }
		m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		print m, a[1], a[NR] }'
}

# fmt "median min max" [DECIMALS]: "median (min–max)".
fmt() {
	awk -v d="${2:-1}" '{ printf "%.*f (%.*f-%.*f)", d, $1, d, $2, d, $3 }' <<<"$1"
}

# pct P < numbers: the P-th percentile (nearest rank).
pct() {
	sort -g | awk -v p="$1" '{a[NR] = $1} END {
		i = int((NR * p + 99) / 100); if (i < 1) i = 1; print a[i] }'
}

now_ms() { date +%s%N | awk '{ printf "%.3f", $1 / 1e6 }'; }

# ratio A B: A / B to three decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }'; }

# bench_topology NAME: T=NAME and a scratch folder $tmp, both gone at exit
# (the topology taken down first, whatever it holds by then).
bench_topology() {
	T=$1
	tmp=$(mktemp -d)
	trap '$VPCSIM down "$T" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
}

# One line that says where the figures come from.
machine() {
	printf '%s; %s cores (%s); %s RAM; kernel %s; vpcsim %s\n' \
		"$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" \
		"$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" \
		"$(free -h | awk '/^Mem:/ {print $2}')" "$(uname -r)" \
		"$(git describe --always --dirty 2>/dev/null || echo unknown)"
}

# Let the kernel finish freeing namespaces of a `down` (asynchronous, and
# it holds the locks the next `up` needs) before timing anything else.
settle() { # how many namespaces were just removed
	sleep $(($1 / 200 + 1))
}
