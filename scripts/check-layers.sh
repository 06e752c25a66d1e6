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

layers=(util model kernel state lambda aws cli cni rdsproxy)
rank() {
	local i
	for i in "${!layers[@]}"; do
		[ "${layers[$i]}" = "$1" ] && { echo "$i"; return; }
	done
	echo -1
}

bad=0
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT

# FILE LINE INCLUDE for every quoted include that names a folder.
includes=$(awk 'match($0, /^#include "[a-z_]+\/[a-z_]+\.h"/) {
	inc = substr($0, 11, RLENGTH - 11); print FILENAME, FNR, inc }' src/*/*.[ch])

# The module a file belongs to: NAME for NAME.c, NAME.h, a private header
# NAME_internal*.h, and NAME_PART.c/.h where NAME.h exists in the same
# layer (one module spread over several files, as model/topology_*.c).
module() { # layer basename
	local b=${2%%_internal*} p
	p=${b%%_*}
	if [ "$p" != "$b" ] && [ -e "src/$1/$p.h" ]; then b=$p; fi
	echo "$1/$b"
}

while read -r f line inc; do
	[ -n "$f" ] || continue
	layer=${f#src/}
	layer=${layer%%/*}
	to=${inc%%/*}
	[ "$to" = vpcsim ] && continue # include/vpcsim: shared with bpf/, below all
	me=$(rank "$layer")
	r=$(rank "$to")
	if [ "$layer" = rdsproxy ] && [ "$to" != rdsproxy ]; then
		# a program of its own (src/rdsproxy/README.md): its own header only
		echo "$f:$line: includes \"$inc\": vpcsim-rds-proxy includes only rdsproxy/"
		bad=1
	elif [ "$me" -lt 0 ]; then
		echo "$f: folder '$layer' is not a layer"
		bad=1
	elif [ "$r" -lt 0 ]; then
		echo "$f:$line: includes \"$inc\": '$to' is not a layer"
		bad=1
	elif [ "$r" -gt "$me" ]; then
		echo "$f:$line: includes \"$inc\": $layer may not include $to (above it)"
		bad=1
	fi
	mod=$(module "$layer" "$(basename "${f%.*}")")
	m=$(module "$to" "$(basename "${inc%.h}")")
	[ "$m" = "$mod" ] || echo "$mod $m" >>"$edges"
done <<<"$includes"

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
