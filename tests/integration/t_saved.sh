#!/bin/bash
# `up` saves the very bytes it parsed (issue 7, defect 5): the file is read
# once, so a file that changes between the check and the copy cannot change
# the saved topology; the copy is root's only (0600 in a 0700 folder).
. "$(dirname "$0")/lib.sh"
plan 10
T=$(unique_name)
topo_copy "$ROOT/examples/peering.json" "$T"
cp "$F" "$TMP/a.json"
# Another valid topology of the same name, with one resource fewer.
python3 - "$TMP/a.json" "$TMP/b.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
t["resources"] = t["resources"][:1]
json.dump(t, open(sys.argv[2], "w"))
PY
# A FIFO hands out a.json to the first reader and b.json to the second:
# reading the path twice (parse, then copy) would save b.json.
mkfifo "$TMP/topo.fifo"
# The pause lets the reader see the end of the first content (a FIFO ends
# only when no writer has it open) before the second is offered to a
# second open: a vpcsim that read the path twice would save b.
( cat "$TMP/a.json" >"$TMP/topo.fifo"; sleep 1; cat "$TMP/b.json" >"$TMP/topo.fifo" ) &
writer=$!
check "up from a file whose content changes after the first read" "$VPCSIM" up "$TMP/topo.fifo"
# Take the second content ourselves so the writer ends (with a reader that
# took it already, there is none left and the timeout ends the wait).
timeout 5 cat "$TMP/topo.fifo" >/dev/null 2>&1
wait "$writer" 2>/dev/null
S=/run/vpcsim/$T
check "the saved topology is the bytes that were parsed" cmp "$TMP/a.json" "$S/topology.json"
check "the saved topology is a regular file, mode 0600" \
	bash -c "[ -f '$S/topology.json' ] && [ ! -L '$S/topology.json' ] && [ \$(stat -c %a '$S/topology.json') = 600 ]"
check "the state folder is mode 0700" test "$(stat -c %a "$S")" = 700
check "its logs folder is mode 0700" test "$(stat -c %a "$S/logs")" = 700
check "status reads the saved copy" "$VPCSIM" status "$T"
check "down $T" "$VPCSIM" down "$T"

# Through a symbolic link: the link's target is read, the copy is a file.
ln -s "$TMP/a.json" "$TMP/link.json"
check "up through a symbolic link" "$VPCSIM" up "$TMP/link.json"
check "the copy is no link and holds the parsed bytes" \
	bash -c "[ ! -L '$S/topology.json' ] && cmp '$TMP/a.json' '$S/topology.json'"
check "down $T again" "$VPCSIM" down "$T"
