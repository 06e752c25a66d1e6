#!/bin/bash
# Ownership by exact name (issue 7, defects 2 and 3): topologies U, U-b and
# U-b-c up at once; `up` of one is not refused because of another, `down`
# of one leaves the others working, `-t NAME` is honoured by every verb and
# an unknown NAME is refused with exit 2 naming what is up.
. "$(dirname "$0")/lib.sh"
plan 57
U=$(unique_name | cut -c1-8)
A=$U B=$U-b C=$U-b-c
for n in "$A" "$B" "$C"; do
	topo_copy "$ROOT/examples/peering.json" "$n"
	cp "$F" "$TMP/file-$n.json"
done
count() { netns_of "$1" | wc -l; }
# The longer names first: with ownership by prefix, `up U` was refused
# because of U-b's namespaces.
check "up $C" "$VPCSIM" up "$TMP/file-$C.json"
check "up $B while $C is up" "$VPCSIM" up "$TMP/file-$B.json"
check "up $A while $B and $C are up" "$VPCSIM" up "$TMP/file-$A.json"
nb=$(count "$B") nc=$(count "$C")
check "each topology has its own namespaces ($(count "$A"), $nb, $nc)" \
	test "$(count "$A")" -gt 0 -a "$nb" -gt 0 -a "$nc" -gt 0

# Unknown names: a prefix and an extension of names that are up.
for bad in "${U}x" "${U}-" "${U}-b-c-d"; do
	for verb in "status -t $bad" "status $bad" "exec -t $bad host-a -- true" \
		"probe -t $bad host-a host-b 22" "invoke -t $bad fn -- true" "attach -t $bad fn" \
		"detach -t $bad fn" "sg authorize -t $bad a/ssh --ingress {\"proto\":\"tcp\",\"ports\":\"1\",\"cidr\":\"10.0.0.0/8\"}" \
		"flows -t $bad" "flows $bad"; do
		# shellcheck disable=SC2086
		"$VPCSIM" $verb >"$TMP/u.out" 2>&1
		rc=$?
		check "$verb: exit 2 ($rc), names '$bad' and lists $B" \
			bash -c "[ $rc -eq 2 ] && grep -qF \"'$bad'\" '$TMP/u.out' && grep -qF '$B' '$TMP/u.out'"
	done
done
"$VPCSIM" status >"$TMP/s.out" 2>&1
check "status without -t while several are up exits 2 and lists them" \
	bash -c "[ $? -eq 2 ] && grep -qF '$A' '$TMP/s.out' && grep -qF '$C' '$TMP/s.out'"
"$VPCSIM" down >"$TMP/d.out" 2>&1
check "down without a name while several are up exits 2" test $? -eq 2
"$VPCSIM" down -t "BAD/x" >/dev/null 2>&1
check "down -t of an invalid name exits 2" test $? -eq 2
"$VPCSIM" down -t "${U}x" >"$TMP/d.out" 2>&1
check "down -t of a name that is not up removes nothing and says what is up" \
	bash -c "grep -q 'not up' '$TMP/d.out' && grep -qF '$B' '$TMP/d.out' && [ $(count "$B") -eq $nb ] && [ $(count "$C") -eq $nc ]"

# -t picks the topology for every verb that reads one.
check "status -t $B --json names $B" bash -c "'$VPCSIM' status -t '$B' --json | grep -qF '\"$B\"'"
check "exec -t $C runs in $C's host" "$VPCSIM" exec -t "$C" host-a -- true
check "flows -t $B" "$VPCSIM" flows -t "$B"

# down of the shortest name leaves the others whole.
check "down -t $A" "$VPCSIM" down -t "$A"
assert_gone "$A"
check "$B keeps its $nb namespaces" test "$(count "$B")" -eq "$nb"
check "$C keeps its $nc namespaces" test "$(count "$C")" -eq "$nc"
for n in "$B" "$C"; do
	check "probe in $n is still open" "$VPCSIM" probe -t "$n" host-a host-b 22 --timeout-ms 1000
	check "status $n still works" "$VPCSIM" status "$n"
done
check "up $A again while the others are up" "$VPCSIM" up "$TMP/file-$A.json"
check "probe in $A is open" "$VPCSIM" probe -t "$A" host-a host-b 22 --timeout-ms 1000
check "down $B (positional)" "$VPCSIM" down "$B"
assert_gone "$B"
for n in "$A" "$C"; do
	check "probe in $n is still open after down $B" "$VPCSIM" probe -t "$n" host-a host-b 22 --timeout-ms 1000
done
check "down $C" "$VPCSIM" down "$C"
check "down $A" "$VPCSIM" down "$A"
