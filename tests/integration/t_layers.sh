#!/bin/bash
# The layer check that `make` runs (scripts/check-layers.sh): it passes on
# the tree, and it fails, naming the file, on each kind of violation put
# into a copy of the tree: an include upwards, a circle between modules, a
# host path outside src/util/paths.h, a .c file its folder guide does not
# name, a function over 80 lines, a tracked build output. Touches no
# kernel object.
. "$(dirname "$0")/lib.sh"
plan 8

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

# A new file in a copy of the tree: refused until the guide names it.
guide_case() {
	local d out
	d=$(tree_with guide src/util/clock.c '')
	printf '/* x */\nint util_extra(void);\nint util_extra(void)\n{\n\treturn 0;\n}\n' >"$d/src/util/extra.c"
	out=$("$d/scripts/check-layers.sh" 2>&1) && { echo "passed: $out"; return 1; }
	grep -q 'src/util/extra.c: not named in its folder guide src/util/README.md' <<<"$out" ||
		{ echo "no guide message in: $out"; return 1; }
	echo '| `extra.c` | an example |' >>"$d/src/util/README.md"
	"$d/scripts/check-layers.sh" || { echo "still refused once named"; return 1; }
}
check "a .c file its folder guide does not name is refused, and passes once named" guide_case

# A function of 81 lines (a reader's count: type line to closing brace).
long_fn() { # lines: a kernel-style definition of that many lines
	printf 'static int\nlong_one(void)\n{\n'
	for _ in $(seq $(($1 - 5))); do printf '\t(void)0;\n'; done
	printf '\treturn 0;\n}\n'
}
long_case() {
	local d out
	d=$(tree_with long src/util/clock.c "$(long_fn 81)")
	out=$("$d/scripts/check-layers.sh" 2>&1) && { echo "passed: $out"; return 1; }
	grep -q '  81 src/util/clock.c:[0-9]* long_one' <<<"$out" || { echo "no 81-line report in: $out"; return 1; }
	d=$(tree_with long80 src/util/clock.c "$(long_fn 80)")
	"$d/scripts/check-layers.sh" || { echo "80 lines refused"; return 1; }
}
check "a function over 80 lines is refused, counted from its type line; 80 pass" long_case

# A git checkout whose .gitignore lists build/ and that tracks a file there.
tracked_case() {
	local d out
	d=$(tree_with tracked src/util/clock.c '')
	printf '/build/\n' >"$d/.gitignore"
	mkdir -p "$d/build" && echo binary >"$d/build/vpcsim"
	git -C "$d" init -q && git -C "$d" add -A && git -C "$d" add -f build/vpcsim
	out=$("$d/scripts/check-layers.sh" 2>&1) && { echo "passed: $out"; return 1; }
	grep -q '^  build/vpcsim$' <<<"$out" || { echo "no tracked output named in: $out"; return 1; }
	git -C "$d" rm -q --cached build/vpcsim
	"$d/scripts/check-layers.sh" || { echo "still refused once untracked"; return 1; }
}
check "a build output tracked by git is refused, and passes once untracked" tracked_case
