#!/bin/bash
# One invoke path (src/lambda/invoke.h) for `vpcsim invoke` and `serve`:
# an invoke through serve is counted in the function's usage as one through
# the command line is (docs/COST.md: every invoke), and both refuse a client
# context that is not base64 of a JSON object with the same rule.
. "$(dirname "$0")/lib.sh"
plan 12
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/runtime" "$TMP/runtime"
# runtime.json with its one function py (the others need packages built)
python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); t["functions"]=[f for f in t["functions"] if f["name"] == "py"]; json.dump(t, open(sys.argv[2], "w"), indent=1)' \
	"$ROOT/tests/integration/data/runtime.json" "$TMP/runtime.json"
topo_copy "$TMP/runtime.json" "$T"
requests() { # FN: its requests in status --json
	V status "$T" --json | python3 -c 'import json,sys; print({f["name"]: f for f in json.load(sys.stdin)["functions"]}[sys.argv[1]]["requests"])' "$1"
}
# counted FN N: FN's requests become N within 10 s. serve answers when the
# runtime posts its response; the invoke is counted when it ends, at the
# runtime's next `next` (py's 256 MB get 1/7 of a CPU: out of its share, it
# waits for the next 100 ms period), so one read right after the answer
# can come before it.
counted() {
	for _ in $(seq 50); do [ "$(requests "$1")" = "$2" ] && return 0; sleep 0.2; done
	echo "requests: $(requests "$1"), not $2"
	return 1
}
check "up $T" V up "$F"

V invoke -t "$T" py --payload '{"k":1}' >"$TMP/out.json" 2>"$TMP/log"
check "invoke py through the command line runs" test $? -eq 0
check "the command-line invoke is counted once" test "$(requests py)" = 1

check "serve -t $T is serving" serve_start
api() { # FN [curl args]: POST a signed invoke; the status code on stdout, the body in $TMP/resp
	local fn=$1
	shift
	curl -s -o "$TMP/resp" -w '%{http_code}' --max-time 60 \
		--aws-sigv4 aws:amz:us-east-1:lambda --user "$KEY:$SECRET" "$@" \
		-X POST "http://127.0.0.1:$PORT/2015-03-31/functions/$fn/invocations"
}
# answered WHAT HTTP-CODE COMMAND...: the last api call answered that, and COMMAND holds
answered() {
	local what=$1 want=$2
	shift 2
	if [ "$code" = "$want" ]; then check "$what" "$@"; else
		not_ok "$what (HTTP $code, not $want)"
		sed 's/^/    /' "$TMP/resp"
	fi
}
code=$(api py -d '{"via":"serve"}')
answered "serve: the invoke answers 200 with the function's response" 200 \
	grep -q '"via": "serve"' "$TMP/resp"
check "serve: the invoke through serve is counted too (2 requests)" counted py 2

# Base64 of text that does not start with '{' (the old serve decoder passed
# it on); the command line refused it already.
BAD=$(echo -n '["not","an","object"]' | base64 -w0)
code=$(api py -H "X-Amz-Client-Context: $BAD" -d '{}')
answered "serve: a client context that is no JSON object is 400 InvalidRequestContentException" 400 \
	grep -q 'Client context must be a valid Base64-encoded JSON object' "$TMP/resp"
V invoke -t "$T" py --client-context "$BAD" >"$TMP/out" 2>"$TMP/log"
check "invoke: the same client context is a usage error (exit 2) naming the rule" bash -c \
	"[ $? = 2 ] && grep -q -- '--client-context: InvalidRequestContentException: Client context must be a valid Base64-encoded JSON object' '$TMP/log'"
check "refused invokes are not counted (still 2)" test "$(requests py)" = 2
GOOD=$(echo -n '{"custom":{"k":"v"}}' | base64 -w0)
code=$(api py -H "X-Amz-Client-Context: $GOOD" -d '{}')
answered "serve: a good client context reaches the function" 200 python3 -c \
	'import json,sys; sys.exit(json.load(open(sys.argv[1]))["client_context"]["custom"]["k"] != "v")' "$TMP/resp"
check "and is counted (3 requests)" counted py 3
kill "$SERVE"
wait "$SERVE" 2>/dev/null

check "down $T" V down "$T"
