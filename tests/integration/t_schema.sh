#!/bin/bash
# docs/topology.schema.json: a valid draft 2020-12 schema, written by
# scripts/topology-schema.py; every example and valid test topology (and a
# file using every v2 key) validates; schema-level errors are rejected.
. "$(dirname "$0")/lib.sh"
# Files that must validate, and (below) files the schema must reject: an
# unknown key, a wrong type, a name pattern, an enum, a range, a key
# required by another. Every case of tests/data/invalid/cases.tsv coded
# UnknownKey, InvalidType or MissingParameter is one (but the three that
# are no JSON); so are the named ones.
VALID=("$ROOT"/examples/*.json "$ROOT"/tests/data/valid/*.json "$ROOT"/tests/integration/data/*.json
	"$ROOT"/tests/data/invalid/warn-*.json "$ROOT"/tests/data/schema/v2.json)
REJECTED=()
for f in $(awk -F'\t' '$3 ~ /^(UnknownKey|InvalidType|MissingParameter)$/ {print $1}' "$ROOT/tests/data/invalid/cases.tsv") \
	vpc-name-upper.json topo-name-slash.json topo-name-long.json account-id.json \
	listen-bad-proto.json nacl-bad-action.json resource-bad-kind.json route-bad-target.json \
	fn-memory.json fn-timeout.json fn-env-bad-key.json expect-bad-result.json sg-rule-cidr-garbage.json \
	expect-icmp-port.json rds-proxy-public.json resource-too-many-sgs.json; do
	case $f in json-syntax.json | json-trailing.json | json-empty.json) ;; *) REJECTED+=("$f") ;; esac
done
plan $((5 + ${#VALID[@]} + ${#REJECTED[@]}))
SCHEMA=$ROOT/docs/topology.schema.json
PY=/usr/bin/python3

validate() { # file... : exit 0 when every file validates
	"$PY" - "$SCHEMA" "$@" <<'PY'
import json, sys, jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
bad = 0
for f in sys.argv[2:]:
    for e in v.iter_errors(json.load(open(f))):
        print("%s: %s: %s" % (f, "/".join(map(str, e.absolute_path)), e.message))
        bad = 1
sys.exit(bad)
PY
}

check "python3-jsonschema is installed" "$PY" -c "import jsonschema"
check "the schema is a valid draft 2020-12 schema" "$PY" -c \
	"import json, sys, jsonschema; jsonschema.Draft202012Validator.check_schema(json.load(open(sys.argv[1])))" "$SCHEMA"
check "the schema is what scripts/topology-schema.py writes" \
	bash -c "'$ROOT/scripts/topology-schema.py' | cmp - '$SCHEMA'"
check "a description of AWS services names every service its enum allows (lambda too)" "$PY" -c '
import json, sys
def walk(n):
    if isinstance(n, dict):
        e, d = n.get("enum") or [], n.get("description", "")
        if "sts" in e and d and any(x not in d for x in e):
            sys.exit("%s: %s" % (d, [x for x in e if x not in d]))
        for v in n.values(): walk(v)
    elif isinstance(n, list):
        for v in n: walk(v)
walk(json.load(open(sys.argv[1])))' "$SCHEMA"
for f in "${VALID[@]}"; do
	check "${f#"$ROOT"/} validates" validate "$f"
done

for f in "${REJECTED[@]}"; do
	check_fails "the schema rejects tests/data/invalid/$f" validate "$ROOT/tests/data/invalid/$f"
done
check_fails "the schema rejects bad v2 keys (runtime, image_config, proxy percent)" \
	validate "$ROOT/tests/data/schema/v2-invalid.json"
