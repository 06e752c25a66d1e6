#!/bin/bash
# The one-way rule of src/README.md, checked from the includes alone:
#
#  1. a file in src/LAYER/ includes "OTHER/x.h" only for OTHER at or below
#     LAYER (util < model < kernel < state < lambda < cli);
#  2. no circle between modules (a module is a .c and its .h; a private
#     header NAME_internal.h belongs to module NAME);
#  3. no host path literal ("/run/vpcsim", "/run/netns", "/etc/netns",
#     "/sys/fs/...") outside src/util/paths.h, their one home.
#
# Prints each violation and exits 1 if there is one. Run by `make`.
set -u
cd "$(dirname "$0")/.." || exit 2

layers=(util model kernel state lambda cli)
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

for f in src/*/*.[ch]; do
	layer=${f#src/}
	layer=${layer%%/*}
	me=$(rank "$layer")
	[ "$me" -ge 0 ] || { echo "$f: folder '$layer' is not a layer"; bad=1; continue; }
	mod=$(basename "${f%.*}")
	mod="$layer/${mod%_internal}"
	while IFS=: read -r line inc; do
		to=${inc%%/*}
		r=$(rank "$to")
		if [ "$r" -lt 0 ]; then
			echo "$f:$line: includes \"$inc\": '$to' is not a layer"
			bad=1
		elif [ "$r" -gt "$me" ]; then
			echo "$f:$line: includes \"$inc\": $layer may not include $to (above it)"
			bad=1
		fi
		m=${inc%.h}
		m="$to/$(basename "${m%_internal}")"
		[ "$m" = "$mod" ] || echo "$mod $m" >>"$edges"
	done < <(sed -n 's/^#include "\([a-z_]*\/[a-z_]*\.h\)".*/\1/p;' "$f" | grep -v '^vpcsim/' |
		 while read -r inc; do echo "$(grep -n "^#include \"$inc\"" "$f" | head -1 | cut -d: -f1):$inc"; done)
done

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

exit $bad
