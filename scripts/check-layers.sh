#!/bin/bash
# The one-way rule of src/README.md, checked from the includes alone:
#
#  1. a file in src/LAYER/ includes "OTHER/x.h" only for OTHER at or below
#     LAYER (util < model < kernel < state < lambda < aws < cli < cni);
#  2. no circle between modules (a module is a .c and its .h; a private
#     header NAME_internal*.h and the files NAME_PART.c/.h of a module
#     spread over several files, where NAME.h exists, belong to NAME);
#  3. no host path literal ("/run/vpcsim", "/run/netns", "/etc/netns",
#     "/sys/fs/...") outside src/util/paths.h, their one home;
#  4. every src/LAYER/X.c named (`X.c`) in its folder guide
#     src/LAYER/README.md, so the guide shows every room;
#  5. no build output tracked by git (a tracked file .gitignore ignores),
#     when the tree is a git checkout;
#  6. no function over 80 lines (scripts/long-functions.sh).
#
# Prints each violation and exits 1 if there is one. Run by `make`.
set -u
cd "$(dirname "$0")/.." || exit 2

bad=0
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT

# Rules 1 and 2 in one awk pass over FILE LINE INCLUDE of every quoted
# include that names a folder (a shell loop forking per include took
# seconds): the layer rule's violations on stdout, the module edges
# "FROM TO" into $edges for tsort. A module is NAME for NAME.c, NAME.h, a
# private header NAME_internal*.h, and NAME_PART.c/.h where NAME.h exists
# in the same layer (one module spread over several files, as
# model/topology_*.c).
if ! ls src/*/*.h | awk -v edges="$edges" '
function module(layer, base,   b, p) {
	b = base
	sub(/_internal.*/, "", b)
	p = b
	sub(/_.*/, "", p)
	if (p != b && (("src/" layer "/" p ".h") in header))
		b = p
	return layer "/" b
}
function base(path) {
	sub(/.*\//, "", path)
	sub(/\.[ch]$/, "", path)
	return path
}
BEGIN {
	n = split("util model kernel state lambda aws cli cni rdsproxy", L, " ")
	for (i = 1; i <= n; i++)
		rank[L[i]] = i - 1
}
FILENAME == "-" { header[$0] = 1; next }
match($0, /^#include "[a-z_]+\/[a-z_]+\.h"/) {
	inc = substr($0, 11, RLENGTH - 11)
	f = FILENAME
	layer = f
	sub(/^src\//, "", layer)
	sub(/\/.*/, "", layer)
	to = inc
	sub(/\/.*/, "", to)
	if (to == "vpcsim") # include/vpcsim: shared with bpf/, below all
		next
	me = (layer in rank) ? rank[layer] : -1
	r = (to in rank) ? rank[to] : -1
	if (layer == "rdsproxy" && to != "rdsproxy") {
		# a program of its own (src/rdsproxy/README.md): its own header only
		print f ":" FNR ": includes \"" inc "\": vpcsim-rds-proxy includes only rdsproxy/"
		bad = 1
	} else if (me < 0) {
		print f ": folder \047" layer "\047 is not a layer"
		bad = 1
	} else if (r < 0) {
		print f ":" FNR ": includes \"" inc "\": \047" to "\047 is not a layer"
		bad = 1
	} else if (r > me) {
		print f ":" FNR ": includes \"" inc "\": " layer " may not include " to " (above it)"
		bad = 1
	}
	mod = module(layer, base(f))
	m = module(to, base(inc))
	if (m != mod)
		print mod, m > edges
}
END { exit bad }' - src/*/*.[ch]; then
	bad=1
fi

if ! tsort "$edges" >/dev/null 2>"$edges.err"; then
	echo "include circle between modules:"
	grep -v 'input contains a loop' "$edges.err" | sed 's/^tsort: /  /'
	bad=1
fi
rm -f "$edges.err"

if grep -rnE '"/(run/vpcsim|run/netns|etc/netns|sys/fs/(bpf|cgroup))' src --include='*.[ch]' |
   grep -v '^src/util/paths\.h:'; then
	echo "host path literal outside src/util/paths.h (above): use its macros and functions"
	bad=1
fi

for f in src/*/*.c; do
	guide=$(dirname "$f")/README.md
	if ! grep -qF "\`$(basename "$f")\`" "$guide" 2>/dev/null; then
		echo "$f: not named in its folder guide $guide (add \`$(basename "$f")\` and what it makes)"
		bad=1
	fi
done

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	tracked=$(git ls-files -ci --exclude-standard)
	if [ -n "$tracked" ]; then
		echo "build outputs tracked by git although .gitignore lists them (git rm -r --cached):"
		sed 's/^/  /' <<<"$tracked"
		bad=1
	fi
fi

if ! long=$(scripts/long-functions.sh 80); then
	echo "functions over 80 lines (STYLE.md; split them):"
	echo "$long"
	bad=1
fi

exit $bad
