#!/bin/bash
# No invoke through `vpcsim serve` waits for ever on a supervisor or a
# runtime that stops talking (issue 22, "Bad input"; docs/RUNTIME.md, "The
# watchdog"). Each is stopped with SIGSTOP at a known point:
#   - a warm environment's supervisor during an invoke: the watchdog gives
#     up after the init's limit + the function's timeout + its margin, the
#     caller gets 500 ServiceException, the supervisor is killed by its pid
#     and its runtime with the environment;
#   - the runtime during an invoke: the supervisor's own timer answers
#     (Sandbox.Timedout) and the environment goes;
#   - a cold start's supervisor before it reports (stopped by a fanotify
#     permission event as it opens its log stream, tests/integration/data/
#     fan_stop.py): serve's start bound answers 500, the supervisor is
#     killed by its pid.
# `vpcsim invoke` meets the same watchdog (c's idle supervisor stopped).
# After each the next invoke is a cold start that works, and after `down`
# no supervisor of the topology is left (one stopped while idle included).
# Bounds are generous (curl waits 150 s): "answered at all", never a timing.
. "$(dirname "$0")/lib.sh"
plan 29
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/serve_conc" "$TMP/serve_conc"
topo_copy "$ROOT/tests/integration/data/serve_watchdog.json" "$T"
# serve_req, serve_cold, busy_of, wait_busy, sup_of: lib.sh
kids_of() { pgrep -P "$1" | tr '\n' ' '; }
none_alive() { local p; for p in "$@"; do alive "$p" && return 1; done; return 0; }
service_error() { # OUT: 500, x-amzn-ErrorType ServiceException, the message names the cause RE
	[ "$(cat "$1.code")" = 500 ] && grep -qi '^x-amzn-ErrorType: ServiceException' "$1.h" && grep -Eq "$2" "$1"
}
# say OUT...: each answer's status and the start of its body, for the log
say() { local o; for o in "$@"; do echo "# $(basename "$o"): $(cat "$o.code") $(head -c 240 "$o" | tr '\n' ' ')"; done; }
sups() { proc_pids "^vpcsim supervisor $T " | tr '\n' ' '; }
STOPPED=()

check "up $T" V up "$F"
check "serve -t $T is serving" serve_start
serve_req w '{"s":0}' "$TMP/w0"
is "a first invoke of w: 200" 200 "$(cat "$TMP/w0.code")"

# ---- a warm environment's supervisor stopped during an invoke ----------------
SUP=$(sup_of w)
RT=$(kids_of "$SUP")
echo "# environments: $(ls /run/vpcsim/"$T"/envs/); w's supervisor $SUP, its runtime $RT"
serve_req w '{"s":15}' "$TMP/w1" &
CURL=$!
check "an invoke of w (15 s) is under way" wait_busy w 1
kill -STOP "$SUP"
STOPPED+=("$SUP")
wait "$CURL"
say "$TMP/w1"
check "supervisor stopped mid-invoke: the caller is answered (within 150 s), 500 ServiceException naming the watchdog" \
	service_error "$TMP/w1" 'stopped talking'
check "... the stopped supervisor was killed by its pid" none_alive "$SUP"
check "... and its runtime with the environment" none_alive $RT
serve_req w '{"s":0}' "$TMP/w2"
is "... the next invoke of w: 200" 200 "$(cat "$TMP/w2.code")"
check "... a cold start (Init Duration): the environment was never handed out again" serve_cold "$TMP/w2"
check "... in a new supervisor" bash -c "[ -n '$(sup_of w)' ] && [ '$(sup_of w)' != '$SUP' ]"

# ---- the runtime stopped during an invoke -------------------------------------
SUP=$(sup_of w)
RT=$(kids_of "$SUP")
echo "# environments: $(ls /run/vpcsim/"$T"/envs/); w's supervisor $SUP, its runtime $RT"
serve_req w '{"s":15}' "$TMP/w3" &
CURL=$!
check "an invoke of w (15 s) is under way" wait_busy w 1
for p in $RT; do kill -STOP "$p"; done
wait "$CURL"
say "$TMP/w2" "$TMP/w3"
is "runtime stopped mid-invoke: the supervisor's timer answers 200" 200 "$(cat "$TMP/w3.code")"
check "... X-Amz-Function-Error Unhandled, Sandbox.Timedout after the function's 20 s" bash -c \
	"grep -qi '^X-Amz-Function-Error: Unhandled' '$TMP/w3.h' && grep -q 'Sandbox.Timedout' '$TMP/w3' && grep -q '20.00 seconds' '$TMP/w3'"
check "... the runtime and its supervisor are gone" none_alive $RT "$SUP"
serve_req w '{"s":0}' "$TMP/w4"
is "... the next invoke of w: 200" 200 "$(cat "$TMP/w4.code")"
check "... a cold start" serve_cold "$TMP/w4"

# ---- a cold start's supervisor stopped before it reports -----------------------
mkdir -p "/run/vpcsim/$T/logs/lambda/c" # its log folder, watched before c's first cold start
timeout 300 /usr/bin/python3 "$ROOT/tests/integration/data/fan_stop.py" "/run/vpcsim/$T/logs/lambda/c" \
	"vpcsim supervisor $T c-" >"$TMP/fan" 2>&1 &
FAN=$!
for _ in $(seq 100); do grep -q ready "$TMP/fan" && break; sleep 0.1; done
check "fanotify watches c's log folder" grep -q ready "$TMP/fan"
serve_req c '{"s":0}' "$TMP/c1"
wait "$FAN"
CSUP=$(sed -n 2p "$TMP/fan")
say "$TMP/w4" "$TMP/c1"
STOPPED+=("$CSUP")
check "the cold start's supervisor was stopped as it opened its log stream" [ -n "$CSUP" ]
check "... the caller is answered (within 150 s), 500 ServiceException: no word from the supervisor" \
	service_error "$TMP/c1" 'no word from it'
check "... the stopped supervisor was killed by its pid" none_alive "$CSUP"
check "... no environment of c is left" bash -c "! ls -d /run/vpcsim/$T/envs/c-* 2>/dev/null"
serve_req c '{"s":0}' "$TMP/c2"
is "... the next invoke of c: 200" 200 "$(cat "$TMP/c2.code")"
check "... a cold start" serve_cold "$TMP/c2"

# ---- `vpcsim invoke` meets the same watchdog ------------------------------------
SUP=$(sup_of c)
kill -STOP "$SUP"
STOPPED+=("$SUP")
timeout 150 "$VPCSIM" invoke -t "$T" c --payload '{"s":0}' >"$TMP/cli" 2>&1
RC=$?
check "vpcsim invoke, c's idle supervisor stopped: it ends (not killed by a 150 s timeout), failing with the watchdog's message" \
	bash -c "[ $RC != 124 ] && [ $RC != 0 ] && grep -q 'stopped talking' '$TMP/cli'"
check "... the stopped supervisor was killed by its pid" none_alive "$SUP"

# ---- down: no supervisor left, even one stopped while idle -------------------------
IDLE=$(sup_of w)
check "w's supervisor is stopped while idle" kill -STOP "$IDLE"
STOPPED+=("$IDLE")
check "down $T" V down "$T"
LEFT=$(sups)
is "after down no supervisor of $T is left" "" "$LEFT"
for p in $LEFT "${STOPPED[@]}"; do [ -n "$p" ] && alive "$p" && kill -KILL "$p"; done # (the old code's)
for _ in $(seq 100); do kill -0 "$SERVE" 2>/dev/null || break; sleep 0.2; done
check_fails "serve ended with the topology" kill -0 "$SERVE"
kill "$SERVE" 2>/dev/null
wait "$SERVE" 2>/dev/null
