#!/bin/bash
# The layer check that `make` runs (scripts/check-layers.sh): it passes on
# the tree, and it fails, naming the file, on each kind of violation put
# into a copy of the tree: an include upwards, a circle between modules, a
# host path outside src/util/paths.h. Touches no kernel object.
. "$(dirname "$0")/lib.sh"
plan 5

check "the tree keeps the one-way rule" "$ROOT/scripts/check-layers.sh"

# A copy of scripts/ and src/ with one line added to FILE.
tree_with() { # name file line
	local d="$TMP/$1"
	mkdir -p "$d"
	cp -r "$ROOT/scripts" "$ROOT/src" "$d/"
	echo "$3" >>"$d/$2"
	echo "$d"
}
violation() { # name file line pattern: the check fails and says PATTERN
	local d out
	d=$(tree_with "$1" "$2" "$3")
	out=$("$d/scripts/check-layers.sh" 2>&1) && { echo "passed: $out"; return 1; }
	grep -q -- "$4" <<<"$out" || { echo "no '$4' in: $out"; return 1; }
}

check "model including state is refused, naming the file" \
	violation up src/model/plan.c '#include "state/journal.h"' 'src/model/plan.c:.*model may not include state'
check "a circle between modules is refused" \
	violation circle src/state/journal.c '#include "state/sweep.h"' 'include circle'
check "a host path outside util/paths.h is refused" \
	violation path src/kernel/tc.c 'static const char *p = "/run/netns/x";' 'host path literal'
check "a folder that is not a layer is refused" \
	violation folder src/cli/main.c '#include "extra/x.h"' "'extra' is not a layer"
