#!/bin/bash
# Functions longer than N lines (default 80) in src/, bpf/ and include/,
# longest first: "LINES FILE:LINE SIGNATURE". Counts what a reader counts:
# from the first line of the definition (the return type, when it stands
# on a line of its own, as `static __always_inline int` above a BPF
# helper) to the closing brace, blank lines and comments included, for
# functions written in the kernel style (the braces of a function at the
# start of a line); headers too (static inline helpers). Exit 1 if there
# is one. Run by `make` through scripts/check-layers.sh.
set -u
cd "$(dirname "$0")/.." || exit 2
max=${1:-80}
awk -v MAX="$max" '
FNR == 1 { cand = ""; start = 0; prev = "" }
/^[A-Za-z_].*\(/ && !/;[ \t]*$/ && !/^(SEC|__section)\(/ {
	cand = $0; cl = FNR
	# "static int" alone on the line above: the definition starts there
	if (prev ~ /^[A-Za-z_][A-Za-z_0-9 \t*]*$/)
		cl = FNR - 1
}
/^\{/ { if (cand != "") { start = cl; name = cand } }
/^\}/ { if (start) { n = FNR - start + 1
		 if (n > MAX) printf "%4d %s:%d %s\n", n, FILENAME, start, name
		 start = 0; cand = "" } }
{ prev = $0 }
' $(ls src/*/*.[ch] bpf/*.[ch] include/vpcsim/*.h 2>/dev/null) | sort -rn | grep . && exit 1
exit 0
