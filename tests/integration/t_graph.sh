#!/bin/bash
# vpcsim graph: DOT that Graphviz parses for every example and test
# topology, with as many clusters and nodes as the topology has; SVG that is
# valid XML; PNG; no root needed; a topology that is up drawn by its name.
. "$(dirname "$0")/lib.sh"
# Every example and valid test topology but the test topologies naming
# code, images or layers that their tests build or copy beside them in a
# temporary folder (a fresh clone has none of them): 3 checks each.
# Examples are always drawn: their code is in the tree.
built_by_its_test() { # FILE: names a code path that is not beside it
	python3 - "$1" <<'PY'
import json, os, sys
f = sys.argv[1]
t = json.load(open(f))
here = os.path.dirname(f)
paths = [fn.get(k) for fn in t.get("functions", []) for k in ("code", "image")]
paths += [l for fn in t.get("functions", []) for l in fn.get("layers", [])]
sys.exit(0 if any(isinstance(p, str) and not os.path.exists(os.path.join(here, p)) for p in paths) else 1)
PY
}
GRAPHED=()
for f in "$ROOT"/examples/*.json "$ROOT"/tests/data/valid/*.json "$ROOT"/tests/integration/data/*.json; do
	case "$f" in
	"$ROOT"/tests/integration/data/*) built_by_its_test "$f" && continue ;;
	esac
	GRAPHED+=("$f")
done
plan $((13 + 3 * ${#GRAPHED[@]}))
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
chmod 755 "$TMP"
mkdir -m 777 "$TMP/w"

# What the DOT text must hold for FILE: one line per expected count.
expected_counts() { # file
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
vpcs = t.get("vpcs", [])
node = lambda kind: '^ *"%s:[^"]*" \\[' % kind
rows = [
    ("subgraph cluster_vpc_", len(vpcs)),
    ("subgraph cluster_subnet_", sum(len(v.get("subnets", [])) for v in vpcs)),
    (node("fn"), len(t.get("functions", []))),
    (node("res"), len(t.get("resources", []))),
    (node("host"), len(t.get("internet", {}).get("hosts", []))),
    (node("pcx"), len(t.get("peerings", []))),
    (node("nat"), sum(len(v.get("nat_gateways", [])) for v in vpcs)),
    (node("igw"), sum(1 for v in vpcs if v.get("internet_gateway"))),
    ("constraint=false", len(t.get("expect", []))),
]
for pat, n in rows:
    print("%s\t%d" % (pat, n))
PY
}

counts_match() { # dotfile jsonfile
	local pat n got bad=0
	while IFS=$'\t' read -r pat n; do
		got=$(grep -c -- "$pat" "$1")
		if [ "$got" != "$n" ]; then
			echo "$pat: $got in the DOT text, $n in the topology"
			bad=1
		fi
	done < <(expected_counts "$2")
	return $bad
}

for f in "${GRAPHED[@]}"; do
	b=${f#"$ROOT"/}
	out="$TMP/$(echo "$b" | tr / _).dot"
	check "graph $b --format dot" "$VPCSIM" graph "$f" --format dot -o "$out"
	check "dot -Tsvg parses the DOT of $b" dot -Tsvg "$out" -o /dev/null
	check "clusters and nodes of $b match the topology" counts_match "$out" "$f"
done

cp "$ROOT/examples/demo.json" "$TMP/demo.json"
chmod 644 "$TMP/demo.json"
check "graph FILE needs no root (svg)" nobody "$VPCSIM" graph "$TMP/demo.json" --format svg -o "$TMP/w/demo.svg"
check "the svg is valid XML with an <svg> root" /usr/bin/python3 -c \
	"import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); sys.exit(r.tag != '{http://www.w3.org/2000/svg}svg')" \
	"$TMP/w/demo.svg"
check "the svg shows the subnet and the database ENI" \
	bash -c "grep -q 'private subnet private&#45;a' '$TMP/w/demo.svg' && grep -q 'db (rds)' '$TMP/w/demo.svg'"
check "graph --format png writes a PNG" bash -c \
	"'$VPCSIM' graph '$TMP/demo.json' --format png > '$TMP/demo.png' && head -c 8 '$TMP/demo.png' | od -An -c | grep -q 'P   N   G'"
"$VPCSIM" graph "$TMP/demo.json" --format gif >/dev/null 2>"$TMP/e"
check "an unknown format exits 2 naming it" bash -c "[ $? -eq 2 ] && grep -q 'format gif' '$TMP/e'"
PATH=/nonexistent "$VPCSIM" graph "$TMP/demo.json" --format svg >/dev/null 2>"$TMP/e"
check "without Graphviz, svg fails naming the package" bash -c "[ $? -eq 1 ] && grep -q 'install the graphviz package' '$TMP/e'"
check "without Graphviz, dot still works" env PATH=/nonexistent "$VPCSIM" graph "$TMP/demo.json" --format dot -o /dev/null
"$VPCSIM" graph no-such-topo >/dev/null 2>"$TMP/e"
check "an unknown name exits 2 and says what it is not" bash -c "[ $? -eq 2 ] && grep -q 'neither a topology that is up' '$TMP/e'"

# A topology that is up: drawn from its saved copy, by name, without root.
T=$(unique_name)
topo_copy "$ROOT/examples/demo.json" "$T"
check "up $T" "$VPCSIM" up "$F"
check "graph NAME of a topology that is up" "$VPCSIM" graph "$T" -o "$TMP/up.dot"
check "its picture is the one of the file it was brought up from" \
	bash -c "'$VPCSIM' graph '$F' | diff - '$TMP/up.dot'"
if nobody test -r "/run/vpcsim/$T/topology.json"; then
	check "graph NAME needs no root when the state is readable" \
		nobody "$VPCSIM" graph "$T" --format svg -o /dev/null
else
	nobody "$VPCSIM" graph "$T" >/dev/null 2>"$TMP/e"
	check "graph NAME without root, state root's alone: exit 3 saying to use sudo or a FILE" \
		bash -c "[ $? -eq 3 ] && grep -q 'readable by root only; run: sudo vpcsim graph $T, or give the topology FILE' '$TMP/e'"
fi
check "down $T" "$VPCSIM" down "$T"
