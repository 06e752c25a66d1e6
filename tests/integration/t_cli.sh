#!/bin/bash
# The command line's contract: exit codes, error format, privileges, and
# that a refused file creates nothing.
. "$(dirname "$0")/lib.sh"
plan 17
T=$(unique_name)
topo_copy "$ROOT/examples/demo.json" "$T"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
printf '{ "name": "%s", "vpcs": [ { "name": "v", "cidr": "10.0.0.0/16", "subnets": [ { "name": "s", "cidr": "10.1.0.0/24" } ] } ] }\n' "$T" >"$TMP/bad.json"
chmod 644 "$TMP/bad.json" "$F"
chmod 755 "$TMP"

check "validate needs no root" nobody "$VPCSIM" validate "$F"
nobody "$VPCSIM" validate "$TMP/bad.json" >"$TMP/v.out" 2>&1
check "validate of a bad file exits 2" test $? -eq 2
check "errors read FILE: JSON.PATH: Code: message" \
	grep -Eq "^$TMP/bad.json: [a-z_]+(\[[0-9]+\])?(\.[a-z_]+(\[[0-9]+\])?)*: [A-Za-z.]+: " "$TMP/v.out"
nobody "$VPCSIM" up "$F" >"$TMP/u.out" 2>&1
check "up without privilege exits 3" test $? -eq 3
check "and says what to run" grep -q "sudo vpcsim up" "$TMP/u.out"
"$VPCSIM" up "$TMP/bad.json" >/dev/null 2>&1
check "up of a bad file exits 2" test $? -eq 2
check "and creates nothing" bash -c "! ip netns list | grep -qF 'vpcsim-$T.'"
"$VPCSIM" frobnicate >/dev/null 2>&1
check "an unknown verb exits 2" test $? -eq 2
"$VPCSIM" probe -t "$T" a b 1 >"$TMP/p.out" 2>&1
check "probe of a topology that is not up exits 2" test $? -eq 2
check "and names it" grep -qF "'$T'" "$TMP/p.out"
check "errors start with 'vpcsim: '" grep -q "^vpcsim: " "$TMP/p.out"
"$VPCSIM" up --dry-run "$F" >"$TMP/plan" 2>&1
check "up --dry-run prints the plan without root effects" \
	bash -c "grep -q 'create router namespace vpcsim-$T.vpc.app' '$TMP/plan' && ! ip netns list | grep -qF 'vpcsim-$T.'"

# clean finds objects by their marks even when the state is gone.
check "up $T" "$VPCSIM" up "$F"
rm -rf "/run/vpcsim/$T"
check "status no longer knows it" bash -c "! '$VPCSIM' status '$T' >/dev/null 2>&1"
check "down without state removes it by marks" "$VPCSIM" down "$T"
check "nothing is left after down by marks" \
	bash -c "! ip netns list | grep -qF 'vpcsim-$T.' && ! ls -d /etc/netns/vpcsim-$T.* 2>/dev/null"
# The event service lives in the root namespace and only its state named
# it: it stops by itself within a second of its state folder going.
events_gone() { for _ in $(seq 50); do [ -z "$(proc_pids "$TMP/$T\.json")" ] && return 0; sleep 0.1; done; return 1; }
check "the event service stops by itself once its state is gone (within 5 s)" events_gone
