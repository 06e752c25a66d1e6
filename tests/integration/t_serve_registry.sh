#!/bin/bash
# serve's registry of environments (issue 22, lambda/env_registry.c): serve
# finds and takes environments through an index in memory, and the state
# folder stays the truth. A serve killed (SIGKILL) and started again finds
# its warm environments (it says how many, and reuses them: no Init
# Duration); an environment a `vpcsim invoke` process holds meanwhile is
# never given to a request of serve's (no two invokes in one environment),
# and once that invoke ends serve reuses it too; nothing left after down.
# Which environment ran a request is the handler's own word (its log
# stream, per environment), never a timing.
. "$(dirname "$0")/lib.sh"
plan 13
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/serve_conc" "$TMP/serve_conc"
topo_copy "$ROOT/tests/integration/data/serve_registry.json" "$T"
busy_of() { # its environments an invoke holds now
	V status "$T" --json | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin)["environments"] if e["busy"]))'
}
envs_of() { ls -d /run/vpcsim/"$T"/envs/par-* 2>/dev/null | wc -l; }
url() { echo "http://127.0.0.1:$PORT/2015-03-31/functions/par/invocations"; }
req() { # PAYLOAD OUT: the HTTP status in OUT.code, headers in OUT.h
	curl -s -o "$2" -D "$2.h" -w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:lambda \
		--user "$KEY:$SECRET" -H 'X-Amz-Log-Type: Tail' -d "$1" "$(url)" >"$2.code"
}
# burst PREFIX S: 3 concurrent requests that each sleep S s in the handler
burst() {
	local pids=()
	for i in 1 2 3; do req "{\"s\":$2}" "$TMP/$1$i" & pids+=($!); done
	wait "${pids[@]}"
	for i in 1 2 3; do cat "$TMP/$1$i.code"; echo; done | tr '\n' ' ' | sed 's/ $//'
}
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
cold() { sed -n 's/^[Xx]-[Aa]mz-[Ll]og-[Rr]esult: *//p' "$1.h" | tr -d '\r' | base64 -d | grep -c 'Init Duration'; }

check "up $T" V up "$F"
check "serve -t $T is serving" serve_start
is "3 concurrent requests: 3 answers" "200 200 200" "$(burst a 3)"
for i in 1 2 3; do field "$TMP/a$i" env; done | sort -u >"$TMP/first"
is "... in 3 environments" 3 "$(wc -l <"$TMP/first")"

# ---- serve killed; a `vpcsim invoke` takes one of the 3 meanwhile ----------
kill -KILL "$SERVE"
wait "$SERVE" 2>/dev/null
V invoke -t "$T" par --payload '{"s":20}' >"$TMP/cli" 2>"$TMP/cli.err" &
CLI=$!
for _ in $(seq 300); do [ "$(busy_of)" = 1 ] && break; sleep 0.1; done
is "a vpcsim invoke holds one of the environments" 1 "$(busy_of)"
check "serve started again" serve_start
check "... it found the 3 environments on disk, one busy in another process" \
	grep -q "serve: 3 environments of $T found (1 busy in another process)" "$TMP/serve.out"
is "3 concurrent requests after the restart: 3 answers" "200 200 200" "$(burst b 3)"
wait "$CLI"
field "$TMP/cli" env >"$TMP/cli.env"
python3 - "$TMP" >"$TMP/second" <<'PY'
import json, sys
t = sys.argv[1]
first = set(open(f"{t}/first").read().split())
cli = open(f"{t}/cli.env").read().strip()
b = [json.load(open(f"{t}/b{i}")) for i in (1, 2, 3)]
envs = {x["env"] for x in b}
warm = [x for x in b if x["env"] in first and x["count"] > 1]
print(len(envs), "distinct;", "cli-env-not-used" if cli not in envs and cli in first else "cli-env-shared",
      len(warm), "warm")
PY
is "... in 3 distinct environments, none the one the vpcsim invoke held, 2 of them the warm ones from before the kill" \
	"3 distinct; cli-env-not-used 2 warm" "$(cat "$TMP/second")"
is "... no Init Duration for the 2 warm ones (one cold start: the 4th environment)" 1 \
	"$(for i in 1 2 3; do cold "$TMP/b$i"; done | awk '{ s += $1 } END { print s + 0 }')"
is "4 environments in all" 4 "$(envs_of)"
# The vpcsim invoke has let its environment go: 4 concurrent requests reuse all 4.
pids=()
for i in 1 2 3 4; do req '{"s":3}' "$TMP/c$i" & pids+=($!); done
wait "${pids[@]}"
is "4 concurrent requests once it ended: the 4 environments, all warm, none new" "4 0 4" \
	"$(for i in 1 2 3 4; do field "$TMP/c$i" env; done | sort -u | wc -l) $(for i in 1 2 3 4; do cold "$TMP/c$i"; done | awk '{ s += $1 } END { print s + 0 }') $(envs_of)"

V down "$T" >/dev/null 2>&1
for _ in $(seq 100); do kill -0 "$SERVE" 2>/dev/null || break; sleep 0.2; done
check_fails "serve ended with the topology" kill -0 "$SERVE"
kill "$SERVE" 2>/dev/null
wait "$SERVE" 2>/dev/null
