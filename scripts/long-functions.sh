#!/bin/bash
# Functions longer than N lines (default 80) in src/ and bpf/, longest
# first: "LINES FILE:LINE SIGNATURE". Counts from the line of the opening
# brace to the closing one, for functions written in the kernel style
# (the braces of a function at the start of a line). Exit 1 if there is
# one. Not run by `make`: a list to work from (STYLE: functions < 80 lines).
set -u
cd "$(dirname "$0")/.." || exit 2
max=${1:-80}
awk -v MAX="$max" '
/^[A-Za-z_].*\(/ && !/;[ \t]*$/ { cand = $0; cl = FNR }
/^\{/ { if (cand != "") { start = cl; name = cand } }
/^\}/ { if (start) { n = FNR - start + 1
		 if (n > MAX) printf "%4d %s:%d %s\n", n, FILENAME, start, name
		 start = 0; cand = "" } }
' src/*/*.c bpf/*.c bpf/*.h | sort -rn | grep . && exit 1
exit 0
