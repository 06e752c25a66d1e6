#!/bin/bash
# Concurrency (issue 7): parallel invokes, attaches, `sg` changes and
# `status` on one topology leave consistent state: every command succeeds,
# every environment status lists has its namespace and the other way round,
# none is left busy, balanced authorize/revoke pairs leave the saved groups
# as they were, and the data plane still answers.
. "$(dirname "$0")/lib.sh"
plan 16
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/lambda.json" "$T"
# Room for the storm's 2 invokes and 2 attaches at once: lambda.json's
# account limit is 3 with 1 reserved by `one`, which leaves 2 to the
# others, as on AWS (t_lambda checks that); they are not the subject here.
sed -i 's/"concurrency_limit": 3/"concurrency_limit": 10/' "$F"
grep -q '"concurrency_limit": 10' "$F" || echo "not ok - lambda.json's concurrency_limit is no longer 3: update this test"
S=/run/vpcsim/$T/topology.json
groups() { python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["vpcs"], sort_keys=True))' "$S"; }

check "up $T" V up "$F"
# The first edit of a group writes its implicit rules out; take the
# baseline after one balanced edit of each group the storm changes.
for g in "app/db --ingress" "app/lambda --egress"; do
	# shellcheck disable=SC2086
	V sg authorize -t "$T" $g '{"proto":"tcp","ports":"5999","cidr":"10.0.0.0/8"}' >/dev/null 2>&1
	# shellcheck disable=SC2086
	V sg revoke -t "$T" $g '{"proto":"tcp","ports":"5999","cidr":"10.0.0.0/8"}' >/dev/null 2>&1
done
BASE=$(groups)

job() { # name command...: runs it, records its exit status
	local name=$1
	shift
	"$@" >"$TMP/job.$name" 2>&1
	echo $? >"$TMP/rc.$name"
}
sg_pairs() { # group direction base-port
	local p rc=0
	for p in 1 2 3 4 5; do
		V sg authorize -t "$T" "$1" "$2" "{\"proto\":\"tcp\",\"ports\":\"$(($3 + p))\",\"cidr\":\"10.0.0.0/8\"}" || rc=1
	done
	for p in 5 4 3 2 1; do
		V sg revoke -t "$T" "$1" "$2" "{\"proto\":\"tcp\",\"ports\":\"$(($3 + p))\",\"cidr\":\"10.0.0.0/8\"}" || rc=1
	done
	return $rc
}
status_loop() {
	local i
	for i in $(seq 10); do
		V status -t "$T" --json | python3 -c 'import json,sys; json.load(sys.stdin)' || return 1
	done
}
export -f V sg_pairs status_loop
export T VPCSIM

job inv1 V invoke -t "$T" f1 -- sleep 1 &
job inv2 V invoke -t "$T" f1 -- sleep 1 &
job att1 V attach -t "$T" f2 &
job att2 V attach -t "$T" f2 &
job sg1 sg_pairs app/db --ingress 6000 &
job sg2 sg_pairs app/lambda --egress 7000 &
job st1 status_loop &
job st2 status_loop &
wait
for j in inv1 inv2 att1 att2 sg1 sg2 st1 st2; do
	check "parallel job $j succeeded" bash -c "[ \"\$(cat '$TMP/rc.$j')\" = 0 ] || { cat '$TMP/job.$j'; false; }"
done

V status -t "$T" --json >"$TMP/status.json"
check "status lists the environments: 2 of f1, 2 of f2, none busy" python3 -c '
import json, sys
envs = json.load(open(sys.argv[1]))["environments"]
n = lambda f: sum(1 for e in envs if e["function"] == f)
sys.exit(not (n("f1") == 2 and n("f2") == 2 and not any(e["busy"] for e in envs)))' "$TMP/status.json"
python3 -c 'import json,sys; print("\n".join(sorted(e["netns"] for e in json.load(open(sys.argv[1]))["environments"])))' \
	"$TMP/status.json" >"$TMP/listed"
ip netns list 2>/dev/null | awk '{print $1}' | grep -F "vpcsim-$T.env." | sort >"$TMP/present"
check "the environments listed are exactly the environment namespaces present" \
	bash -c "[ -s '$TMP/listed' ] && diff '$TMP/listed' '$TMP/present'"
check "balanced authorize/revoke pairs left the saved groups as they were" \
	bash -c '[ "$1" = "$2" ] || { diff <(echo "$1" | python3 -m json.tool) <(echo "$2" | python3 -m json.tool); false; }' _ "$BASE" "$(groups)"
check "the saved topology still loads (status works)" V status "$T"
expect_probe f1 db 5432 open
check "an invoke after the storm works" V invoke -t "$T" f1 -- true
check "down $T" V down "$T"
