#!/bin/bash
# The Python runtime client holds in each environment only what it needs
# (issue 22: 1,000 frozen environments, memory per environment minimized):
# its loop is runtimes/python/vpcsim_ric.py, loaded from the __pycache__
# `make` writes with /usr/bin/python3 (compiling a script at each start
# left about 0.9 MB of the compiler's in the interpreter's heap), and it
# does not import decimal or datetime (0.3 MB) nor http.client and email:
# a Decimal result is marshalled through the function's own import. Nor,
# before the function's code, json, logging, socket or traceback (28 ms of
# each cold start): logging is configured when the function first imports
# it, before its next line runs. A cold start's Init Duration is part of
# its request's wall time (it counted the runtime's start twice: 8-17 ms
# more than the whole request). A function's json.py, logging.py,
# traceback.py... are never imported in place of the standard library's
# that the client's start imported (as AWS's does), by the function or by
# the client's own later imports.
. "$(dirname "$0")/lib.sh"
plan 21
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/runtime_lean" "$TMP/runtime_lean"
cp -r "$ROOT/tests/integration/data/runtime_lean_shadow" "$TMP/runtime_lean_shadow"
topo_copy "$ROOT/tests/integration/data/runtime_lean.json" "$T"

check "up $T" V up "$F"
V invoke -t "$T" lean >"$TMP/lean" 2>"$TMP/lean.err"
is "the client's loop is the module vpcsim_ric" "vpcsim_ric" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client"])' "$TMP/lean")"
is "... loaded from its compiled file in /var/runtime/__pycache__ (valid for its source)" True \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cached"])' "$TMP/lean")"
is "... without decimal, datetime, http.client or email in the interpreter" "[]" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["loaded"])' "$TMP/lean")"
is "... nor, when the function's module is imported (token.json and logging.conf beside it), json, logging, socket, traceback, re or the idna codec" "[]" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["at_import"])' "$TMP/lean")"
V invoke -t "$T" dec >"$TMP/dec" 2>"$TMP/dec.err"
is "a Decimal the function made is marshalled with its digits" '{"price": 1.10}' "$(cat "$TMP/dec")"
inv blocked
is "a function that blocked traceback's import and failed: its own error, not the runtime's exit" \
	"1 ValueError failed with traceback blocked" "$RC $(field 'j["errorType"] + " " + j["errorMessage"]')"

# logging imported by the function's module and used there, at its import
inv early
early() { python3 -c 'import json,sys; print(eval(sys.argv[2], {"j": json.load(open(sys.argv[1]))}))' "$TMP/out.json" "$1"; }
is "logging first imported by the function: the root logger has Lambda's handler, and only it" \
	"(['LambdaHandler'], True)" "$(early 'j["handlers"], j["gmtime"]')"
check "... which printed the module's record made at its import as Lambda's do (no request id yet)" \
	grep -Eq $'^\\[WARNING\\]\t[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z\t\tlogged at import$' "$TMP/log"
REQ=$(grep -o '^START RequestId: [0-9a-f-]*' "$TMP/log" | cut -d' ' -f3)
check "... and the invoke's with its request id" grep -q $'\t'"$REQ"$'\tlogged in the invoke$' "$TMP/log"
is "... and the client's import hook is gone from sys.meta_path" False "$(early '"_LoggingSetup" in j["finders"]')"
inv looked
is "logging looked up (importlib.util.find_spec) before its import: the import still gets Lambda's handler" \
	"0 True ['LambdaHandler']" "$RC $(field 'j["have"], j["handlers"]' | tr -d ',()')"
check "... which printed the module's record as Lambda's do" \
	grep -Eq $'^\\[WARNING\\]\t[0-9T:.-]+Z\t\tlogged after find_spec$' "$TMP/log"

# a function's files named as the standard modules the client's start imported
inv shadow
is "json.py, logging.py... in the function's folder: its import gets the standard library's" \
	"0 /usr/lib/python3 /usr/lib/python3 [1.5]" \
	"$RC $(field '" ".join([j["json"][:16], j["logging"][:16], j["dumps"]])')"
check "... and the logging the client configured (the module's record in Lambda's format)" \
	grep -Eq $'^\\[WARNING\\]\t[0-9T:.-]+Z\t\tshadowed names at import$' "$TMP/log"
inv shadow --payload '{"fail": 1}'
is "... its error is the function's (the client's traceback is the standard library's)" \
	"1 ValueError the function's own error" "$RC $(field 'j["errorType"] + " " + j["errorMessage"]')"
check "... and no ImportError of the function's files anywhere in its log" \
	bash -c "! grep -q 'was imported in place' '$TMP/log' '$TMP/out.json'"
is "... the client's list of those modules holds all this python3's start would import" "[]" \
	"$(cd "$ROOT/runtimes/python" && AWS_LAMBDA_RUNTIME_API=127.0.0.1:9 /usr/bin/python3 -B -c '
import sys, vpcsim_ric
before = set(sys.modules)
import importlib, json, logging, socket, traceback
added = {m.split(".")[0] for m in set(sys.modules) - before} - set(sys.builtin_module_names)
print(sorted(added - vpcsim_ric._STDLIB_FIRST))')"

# cold starts through serve: REPORT's Init Duration within the request's time
check "serve -t $T is serving" serve_start
: >"$TMP/inits"
gone() { # every environment of lean removed: the last answered one may still end its invoke
	for _ in $(seq 100); do
		case $(V detach -t "$T" lean --all 2>&1) in *busy*) ;; *) return 0 ;; esac
		sleep 0.1
	done
}
for i in 1 2 3; do
	gone
	t=$(curl -s -o "$TMP/c$i" -D "$TMP/c$i.h" -w '%{time_total}' --max-time 60 --aws-sigv4 aws:amz:us-east-1:lambda \
		--user "$KEY:$SECRET" -H 'X-Amz-Log-Type: Tail' -d '{}' "$(serve_url lean)")
	init=$(sed -n 's/^[Xx]-[Aa]mz-[Ll]og-[Rr]esult: *//p' "$TMP/c$i.h" | tr -d '\r' | base64 -d |
		grep -o 'Init Duration: [0-9.]*' | cut -d' ' -f3)
	echo "${init:-none} $t" >>"$TMP/inits"
done
kill "$SERVE"; wait "$SERVE" 2>/dev/null
is "three cold starts' Init Duration, each within its request's wall time (init ms, wall s)" "" \
	"$(awk '$1 == "none" || $1 >= $2 * 1000' "$TMP/inits")"
check "down $T" V down "$T"
