# Shared by the integration tests; source it. Every test brings up its own
# topology under a unique name, checks with TAP lines ("ok - ...", "not ok -
# ..."), and on exit takes it down and checks that nothing of it is left and
# that the root namespace's network configuration did not change.
#
# The plan: right after sourcing this file a script declares how many
# ok/not ok lines it prints itself, `plan N` (an expression if the count
# depends on a list: plan $((4 + 2 * ${#PAIRS[@]}))). At exit lib.sh adds
# its own checks and prints the TAP plan line "1..TOTAL"; tests/run.sh fails
# a script whose ok/not ok count differs from its plan, or that printed no
# plan, so a script that stops early (exit 0, a killed subshell, an unset
# variable) cannot lose checks silently. A check that cannot run prints
# "ok - WHAT # SKIP WHY" (run.sh counts it as skipped, not passed) so the
# count stays the same.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VPCSIM=${VPCSIM:-$ROOT/build/vpcsim}
TMP=$(mktemp -d /tmp/vpcsim-test.XXXXXX)
NAMES=()
PLAN=""
FINISH_CHECKS=0

plan() { # N: the number of ok/not ok lines the script prints itself
	case "${1:-}" in
	'' | *[!0-9]*) echo "not ok - plan: '${1:-}' is not a count (write: plan N)" ;;
	*) PLAN=$1 ;;
	esac
}
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
skip() { echo "ok - $1 # SKIP $2"; } # WHAT WHY
check() { # description command...
	local what=$1
	shift
	if "$@" >"$TMP/out" 2>&1; then ok "$what"; else
		not_ok "$what"
		sed 's/^/    /' "$TMP/out"
	fi
}
check_fails() { # description command...
	local what=$1
	shift
	if "$@" >"$TMP/out" 2>&1; then
		not_ok "$what (succeeded)"
		sed 's/^/    /' "$TMP/out"
	else ok "$what"; fi
}

# V ARGS: vpcsim itself.
V() { "$VPCSIM" "$@"; }
# is WHAT EXPECTED ACTUAL; on a mismatch, the last invoke's log if any.
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1 (expected '$2', got '$3')"
		[ -s "$TMP/log" ] && sed 's/^/    /' "$TMP/log"
	fi
	return 0
}
# has WHAT PATTERN [FILE]: FILE (default $TMP/out) has a line matching
# the basic regex PATTERN; on a miss, FILE.
has() {
	local f=${3:-$TMP/out}
	if grep -q -- "$2" "$f"; then ok "$1"; else
		not_ok "$1 (no '$2' in:)"
		sed 's/^/    /' "$f"
	fi
	return 0
}
# inv FN [ARGS]: invoke FN of $T; stdout to $TMP/out.json, stderr to
# $TMP/log, exit code in $RC.
inv() {
	local fn=$1
	shift
	V invoke -t "$T" "$fn" "$@" >"$TMP/out.json" 2>"$TMP/log"
	RC=$?
}
# field PY-EXPR: a Python expression over the last invoke's result (j).
field() { python3 -c "import json,sys; j=json.load(open('$TMP/out.json')); print($1)"; }
# jassert PY: Python statements (asserts) over the last invoke's result (j).
jassert() { python3 -c "import json,sys; j=json.load(open('$TMP/out.json')); $1"; }
# last_request_id: the request id of the last invoke's REPORT line.
last_request_id() { grep -o "^REPORT RequestId: [0-9a-f-]*" "$TMP/log" | awk '{print $3}'; }

# frozen_ticks FN SLOW-PAYLOAD: the checks that FN's code runs while its
# environment is thawed and not while frozen, by the 10 ms timer its
# answers count ("ticks", the last invoke's first): dozens of ticks over
# the SLOW-PAYLOAD invoke (0.5 s), fewer than 30 over the 1.5 s between
# invokes (counted while the next one runs). Empty or non-numeric answers
# fail both checks.
frozen_ticks() {
	local t0 t1 t2 num='[[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]]'
	t0=$(field 'j["ticks"]')
	inv "$1" --payload "$2"
	t1=$(field 'j["ticks"]')
	sleep 1.5
	inv "$1"
	t2=$(field 'j["ticks"]')
	check "$1 runs while thawed: its 10 ms timer went $t0 -> $t1 over a 0.5 s invoke" \
		bash -c "$num"' && [ $(($2 - $1)) -ge 10 ]' _ "$t0" "$t1"
	check "$1 runs no code while frozen: its timer went $t1 -> $t2 over 1.5 s between invokes" \
		bash -c "$num"' && [ $(($2 - $1)) -lt 30 ]' _ "$t1" "$t2"
}

# report_after FN ID LINE: true when FN's log in $T has LINE (a regex)
# last before invoke ID's REPORT (waited for up to 10 s): the work a
# runtime does after its response ends before its invoke does.
report_after() {
	for _ in $(seq 100); do
		V logs -t "$T" "$1" 2>/dev/null | grep -q "REPORT RequestId: $2" && break
		sleep 0.1
	done
	V logs -t "$T" "$1" | grep -E "$3|REPORT RequestId: $2" | tail -2 | head -1 | grep -q -- "$3"
}

# wait_for FILE PATTERN: true once FILE has a line matching PATTERN (a
# basic regex), waited for up to 60 s: a background invoke's answer.
wait_for() {
	for _ in $(seq 600); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# wait_listen NODE tcp|udp PORT: true once a socket of NODE in $T listens
# on PORT (ss in the node), waited for up to 60 s: a server the test
# started in the background with `vpcsim exec ... &`, whose start (exec
# into the node, Python's own) is not done after any fixed sleep on a
# loaded machine.
wait_listen() {
	local o=-Hltn
	[ "$2" = udp ] && o=-Hlun
	for _ in $(seq 300); do
		[ -n "$("$VPCSIM" exec -t "$T" "$1" -- ss $o "sport = :$3" </dev/null 2>/dev/null)" ] && return 0
		sleep 0.2
	done
	return 1
}
# throttled_as OUT REASON: OUT (the body; OUT.h the headers) is Lambda's
# throttle: x-amzn-ErrorType TooManyRequestsException and AWS's body with
# Reason REASON.
throttled_as() {
	grep -qi '^x-amzn-ErrorType: TooManyRequestsException' "$1.h" && python3 -c '
import json, sys
sys.exit(0 if json.load(open(sys.argv[1])) == {"Reason": sys.argv[2], "Type": "User", "message": "Rate Exceeded."} else 1)' "$1" "$2"
}
# conc_marks PREFIX N: of the answers $TMP/PREFIX1..N of serve_conc's
# handler, "K envs; overlap" (each started before any ended) or "K envs;
# no overlap".
conc_marks() {
	python3 - "$TMP/$1" "$2" 2>&1 <<'PY'
import json, sys
r = [json.load(open(f"{sys.argv[1]}{i}")) for i in range(1, int(sys.argv[2]) + 1)]
print(len({x["env"] for x in r}), "envs;", "overlap" if max(x["start"] for x in r) < min(x["end"] for x in r) else "no overlap")
PY
}

# account_limit_checks: with 4 requests of par under way ($TMP/a1..4,
# their pids in PIDS) and the account's concurrency_limit 5, one request
# of `one` fills the limit and the next of par is throttled; then the 4
# answered 200, in 4 distinct environments, overlapping. The script's own
# `req` sends (serve's or the zone's) and its `codes` reads the statuses.
account_limit_checks() {
	req one '{"s":15}' "$TMP/o1" &
	PIDS+=($!)
	wait_busy one 1
	req par '{"s":0}' "$TMP/thr"
	is "concurrency_limit 5 reached: the next request is 429" 429 "$(cat "$TMP/thr.code")"
	check "... TooManyRequestsException, Reason ConcurrentInvocationLimitExceeded, AWS's body" \
		throttled_as "$TMP/thr" ConcurrentInvocationLimitExceeded
	wait "${PIDS[@]}"
	is "all 4 answered 200" "200 200 200 200" "$(codes a)"
	conc_marks a 4 >"$TMP/marks"
	is "the 4 ran in 4 distinct environments" 4 "$(cut -d' ' -f1 "$TMP/marks")"
	is "the 4 overlapped: each started before any ended (handler marks)" overlap "$(cut -d' ' -f3- "$TMP/marks")"
}

# reserved_limit_checks OUT: with `one` at reserved_concurrency 1, a
# second concurrent request is throttled with its Reason (its answer in
# OUT); the first one's in $TMP/o2. The script's `req` sends.
reserved_limit_checks() {
	req one '{"s":8}' "$TMP/o2" &
	PIDS=($!)
	wait_busy one 1
	req one '{"s":0}' "$1"
	is "reserved_concurrency 1: a second concurrent request is 429" 429 "$(cat "$1.code")"
	check "... Reason ReservedFunctionConcurrentInvocationLimitExceeded, AWS's body" \
		throttled_as "$1" ReservedFunctionConcurrentInvocationLimitExceeded
	wait "${PIDS[@]}"
}

# A unique topology name of at most 12 characters.
unique_name() { printf 't%s%04x' "$(printf '%05d' $(($$ % 100000)))" $((RANDOM % 65536)) | cut -c1-12; }

# unique_topo: T set to a unique name, remembered for the checks at exit,
# for a topology that a command names (import, check --name), not a copy.
unique_topo() {
	T=$(unique_name)
	NAMES+=("$T")
}

# Copy FILE to $TMP/NAME.json with its top-level name replaced, and
# remember the name for the checks at exit. Sets F to the copy's path.
topo_copy() { # file name
	F="$TMP/$2.json"
	sed '0,/"name": *"[^"]*"/s//"name": "'"$2"'"/' "$1" >"$F"
	NAMES+=("$2")
}

# topo_data JSON [DIR...]: T set to a unique name and
# tests/integration/data/JSON.json copied as T (topo_copy), beside copies
# of data/DIR... in $TMP (a topology's code paths are relative to its
# file).
topo_data() {
	local d
	T=$(unique_name)
	for d in "${@:2}"; do cp -r "$ROOT/tests/integration/data/$d" "$TMP/$d"; done
	topo_copy "$ROOT/tests/integration/data/$1.json" "$T"
}

# Live (not zombie) responders, AWS zone fronts and event services of this test's topologies: those whose
# command line (inherited from `vpcsim up FILE`) names a file in $TMP, so
# that topologies other tests bring up at the same time do not count.
# serve_start: `vpcsim serve -t $T` on a free loopback port, as the Invoke
# API tests use it. Sets PORT, SERVE (its pid), KEY and SECRET (the
# topology's keys); $TMP/serve.out is its output, $TMP/cred the credentials'
# export lines. Fails when serve has not said "serving" within 10 s.
serve_start() {
	PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$VPCSIM" serve -t "$T" --listen "127.0.0.1:$PORT" >"$TMP/serve.out" 2>&1 &
	SERVE=$!
	"$VPCSIM" credentials -t "$T" >"$TMP/cred" 2>&1
	KEY=$(sed -n 's/^export AWS_ACCESS_KEY_ID=//p' "$TMP/cred")
	SECRET=$(sed -n 's/^export AWS_SECRET_ACCESS_KEY=//p' "$TMP/cred")
	for _ in $(seq 100); do
		grep -q serving "$TMP/serve.out" && return 0
		sleep 0.1
	done
	return 1
}

# After serve_start, its Invoke API: serve_url FN; serve_req FN PAYLOAD OUT
# [curl args], a signed request asking for the log's tail, its status in
# OUT.code (000: no answer within 150 s), its headers in OUT.h; serve_cold
# OUT: that answer came from a cold start (Init Duration in the tail).
serve_url() { echo "http://127.0.0.1:$PORT/2015-03-31/functions/$1/invocations"; }
serve_req() {
	local fn=$1 payload=$2 out=$3
	shift 3
	curl -s -o "$out" -D "$out.h" -w '%{http_code}' --max-time 150 --aws-sigv4 aws:amz:us-east-1:lambda \
		--user "$KEY:$SECRET" -H 'X-Amz-Log-Type: Tail' -d "$payload" "$@" "$(serve_url "$fn")" >"$out.code"
}
serve_cold() { sed -n 's/^[Xx]-[Aa]mz-[Ll]og-[Rr]esult: *//p' "$1.h" | tr -d '\r' | base64 -d | grep -q 'Init Duration'; }
# busy_of FN: the environments of FN in topology $T an invoke holds now;
# wait_busy FN N: until N are (generous: the machine is loaded).
busy_of() {
	"$VPCSIM" status "$T" --json | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin)["environments"] if e["function"] == sys.argv[1] and e["busy"]))' "$1"
}
wait_busy() { for _ in $(seq 300); do [ "$(busy_of "$1")" -ge "$2" ] && return 0; sleep 0.1; done; return 1; }
# HOLD: a command for `invoke FN -- sh -c "$HOLD"` that keeps its
# environment busy until the test lets it go (release FN: the file go in
# the /tmp of FN's environments in $T, made from the host), 60 s at most
# (FN's timeout must be longer). A fixed sleep can end before what it must
# overlap when that waits for the global state lock (detach, attach, the
# build of a per-sandbox environment), which another script's up holds for
# seconds.
HOLD='for _ in $(seq 600); do [ -e /tmp/go ] && exit 0; sleep 0.1; done; exit 1'
release() { local d; for d in /run/vpcsim/"$T"/envs/"$1"-*/tmp; do touch "$d/go"; done; }
# sup_of FN: the pid of the supervisor of FN's first environment in $T (its pid file).
sup_of() { local d p; for d in /run/vpcsim/"$T"/envs/"$1"-*; do read -r p _ <"$d/supervisor.pid" && echo "$p"; done 2>/dev/null | head -1; }

vpcsim_procs() {
	ps -eo stat=,comm=,args= | awk -v tmp="$TMP/" '$1 !~ /^Z/ && ($2 == "vpcsim-respond" || $2 == "vpcsim-aws" || $2 ~ /^vpcsim-ev/) && index($0, tmp)' | wc -l
}

# What the host's own network looks like; must be the same after the test.
root_snapshot() {
	{
		ip -o addr show
		ip route show table all
		ip rule show
		ip -o link show | sed 's/^[0-9]*: //' | awk '{print $1}'
		nft list ruleset 2>/dev/null
		sysctl -a 2>/dev/null | grep -E '^net\.ipv4\.(ip_forward|conf\.(all|default)\.)' | sort
	} | grep -v 'vpcsim-test' | sort
}

# The namespaces of topology NAME: vpcsim-NAME.KIND... (docs/NAMING.md);
# the owner is the text before the first '.', so NAME's never match a-b's.
netns_of() { # name
	ip netns list 2>/dev/null | awk '{print $1}' | grep -F "vpcsim-$1." | awk -v p="vpcsim-$1." 'index($0, p) == 1' || true
}

# PID is a live process: it exists and is not a zombie (an engine is PID 1
# of its PID namespace: killed by `down`, it waits for the host's init to
# reap it, and `kill -0` still finds it).
alive() { # PID
	local st
	read -r st 2>/dev/null <"/proc/$1/stat" || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# Pids of live (not zombie) processes whose command line, arguments joined
# by spaces, matches the extended regex RE; with a second argument also
# those whose working directory starts with DIR. The one /proc scan.
proc_pids() { # RE [DIR]
	local d p c st args cwd=""
	# the working directories under DIR, in one find (no fork a process)
	[ -z "${2:-}" ] || cwd=$(find /proc/[0-9]*/cwd -maxdepth 0 -lname "$2*" 2>/dev/null | tr '\n' ' ')
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		[ "$p" != $$ ] && [ "$p" != "$BASHPID" ] || continue
		read -r st 2>/dev/null <"$d/stat" || continue
		st=${st##*) }
		[ "${st%% *}" != Z ] || continue
		mapfile -d '' args 2>/dev/null <"$d/cmdline" || continue
		c="${args[*]}"
		if [[ $c =~ $1 ]] || [[ " $cwd" == *" $d/cwd "* ]]; then
			echo "$p"
		fi
	done
	true
}

# Database engines (docs/RDS.md): the engine uids' processes, files and
# mounts a topology may leave (an engine's uid owns its folder: stat -c %u).
uid_procs() { pgrep -u "$1" | wc -l; }
uid_files() { find /run /tmp /var/tmp /dev/shm -xdev -uid "$1" 2>/dev/null | grep -v "^$TMP" | head -5; }
engine_mounts() { grep -h " /run/vpcsim/$1/engine-" /proc/[0-9]*/mountinfo 2>/dev/null | head -3; }
nothing_of() { # TOPO UID... : no process or file of the uids, no mount
	local t=$1 u left=""
	shift
	for _ in $(seq 50); do
		left=""
		for u in "$@"; do [ "$(uid_procs "$u")" = 0 ] || left+="processes of uid $u; "; done
		[ -z "$left" ] && break
		sleep 0.1
	done
	for u in "$@"; do left+=$(uid_files "$u"); done
	left+=$(engine_mounts "$t")
	[ -z "$left" ] || { echo "left: $left"; return 1; }
}
# engines_gone TOPO UID...: nothing_of, and no state folder of TOPO.
engines_gone() {
	nothing_of "$@" && [ ! -e "/run/vpcsim/$1" ]
}
# None of the SECRETs in status and status --json of TOPO, its logs and
# journal, or the FILEs given.
secrets_hidden() { # TOPO SECRET... -- FILE...
	local t=$1 pats=() st="$TMP/secrets-hidden"
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do pats+=(-e "$1"); shift; done
	shift
	{ "$VPCSIM" status "$t"; "$VPCSIM" status "$t" --json; } >"$st" 2>&1
	! grep -rqF "${pats[@]}" "$st" "/run/vpcsim/$t/logs" "/run/vpcsim/$t/journal" "$@"
}
export -f uid_procs uid_files engine_mounts nothing_of engines_gone secrets_hidden

# What is left of topology NAME, one thing a line (nothing: it is all gone):
# namespaces, hosts folders, pins, state, environments' cgroups and /tmp
# mounts, processes naming its state folder or its file (responders keep
# the command line of `vpcsim up FILE`) or running in its state folder,
# its environments' supervisors (`vpcsim supervisor NAME ENV`), and
# any vpcsim link in the root namespace (there must never be one).
leftovers() { # name
	local n=$1
	netns_of "$n"
	ls -d /etc/netns/vpcsim-"$n".* /sys/fs/bpf/vpcsim/"$n" /run/vpcsim/"$n" 2>/dev/null
	ls -d /sys/fs/cgroup/vpcsim/"$n" /sys/fs/cgroup/*/vpcsim/"$n" 2>/dev/null
	awk -v p="/run/vpcsim/$n/" 'index($2, p) == 1 {print "mount " $2}' /proc/mounts
	proc_pids "/run/vpcsim/$n/|$TMP/$n\.json|^vpcsim supervisor $n " "/run/vpcsim/$n/" | sed 's/^/process /'
	ip -o link show 2>/dev/null | grep -i vpcsim | sed 's/^/root namespace link: /'
	true
}

# The check that nothing of topology NAME is left (leftovers is empty).
assert_gone() { # name
	local left
	left=$(leftovers "$1")
	if [ -z "$left" ]; then ok "nothing of $1 is left"; else
		not_ok "nothing of $1 is left"
		echo "$left" | sed 's/^/    left: /'
	fi
}

ROOT_BEFORE=$(root_snapshot)
PROCS_BEFORE=$(vpcsim_procs)
finish() {
	local n
	for n in "${NAMES[@]}"; do
		"$VPCSIM" down "$n" >/dev/null 2>&1
		assert_gone "$n"
		FINISH_CHECKS=$((FINISH_CHECKS + 1))
	done
	local procs
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		procs=$(vpcsim_procs)
		[ "$procs" -le "$PROCS_BEFORE" ] && break
		sleep 0.2
	done
	if [ "$procs" -le "$PROCS_BEFORE" ]; then ok "no process of the test is left"; else
		not_ok "no process of the test is left ($procs responders, $PROCS_BEFORE before)"
		ps -eo pid,stat,comm,args | grep vpcsim | sed 's/^/    /'
	fi
	if [ "$(root_snapshot)" = "$ROOT_BEFORE" ]; then
		ok "root namespace addresses, routes, rules, links and ruleset unchanged"
	else
		not_ok "root namespace addresses, routes, rules, links and ruleset unchanged"
		diff <(echo "$ROOT_BEFORE") <(root_snapshot) | sed 's/^/    /'
	fi
	FINISH_CHECKS=$((FINISH_CHECKS + 2))
	if [ -n "$PLAN" ]; then echo "1..$((PLAN + FINISH_CHECKS))"; else
		echo "# no plan: declare 'plan N' (the script's own ok/not ok lines) after sourcing lib.sh"
	fi
	rm -rf "$TMP"
}
trap finish EXIT

# scripts/demo.sh (`make demo`) as t_demo_script and t_demo_serverless
# check it. demo_run LETTER MODE SUFFIX...: the demo run to its end, off a
# terminal, with MODE (--serverless, --no-serverless) and its topologies
# named $P-SUFFIX (P: LETTER and the test's pid; remembered for the
# checks at exit); its output in $OUT, shown as comments, with the time it
# took. Checks that it exits 0 and prints plain text.
demo_run() {
	local t0 rc s
	P=$1$(printf '%05d' $(($$ % 100000)))
	DEMO_TOPOS=()
	for s in "${@:3}"; do DEMO_TOPOS+=("$P-$s"); done
	NAMES+=("${DEMO_TOPOS[@]}")
	OUT=$TMP/demo.out
	t0=$(date +%s)
	TMPDIR=$TMP VPCSIM="$VPCSIM" VPCSIM_DEMO_NAME=$P "$ROOT/scripts/demo.sh" "$2" </dev/null >"$OUT" 2>&1
	rc=$?
	sed 's/^/# /' "$OUT"
	echo "# the demo took $(($(date +%s) - t0)) s"
	check "the demo exits 0 (every lesson gave its result)" test "$rc" -eq 0
	check "plain text off a terminal: no escape sequence" bash -c "! grep -q $'\e' '$OUT'"
}
# demo_has WHAT ERE: a line of the demo's output matches the extended regex.
demo_has() {
	check "$1" grep -Eq -- "$2" "$OUT"
}
# demo_order WHAT ERE1 ERE2: a line of the demo's output matches ERE1 and a
# later one ERE2 (the regexes through the environment: awk -v would process
# their backslashes, and gawk, which mariadb-server brings, turns \( into ().
demo_order() {
	check "$1" env A="$2" B="$3" awk 'f && $0 ~ ENVIRON["B"] {ok = 1} $0 ~ ENVIRON["A"] {f = 1} END {exit !ok}' "$OUT"
}
# demo_gone: the checks that none of demo_run's topologies is up, that no
# process of them runs, and that the demo removed its folder (its own
# only: the other demo test may run at the same time).
demo_gone() {
	local n
	for n in "${DEMO_TOPOS[@]}"; do
		check "$n is not up" bash -c "! '$VPCSIM' status '$n' >/dev/null 2>&1"
	done
	check "no process of the demo's topologies runs (engines, servers, invokes)" \
		bash -c "! ps -eo args= | grep -v grep | grep -Eq '/($P-[a-z]+)([/.]|\$)|$TMP/vpcsim-demo\.'"
	check "the demo removed its folder" bash -c "! ls -d '$TMP'/vpcsim-demo.* 2>/dev/null"
}

# validate_refuses FILE <MESSAGES: the checks that `vpcsim validate FILE`
# refuses it (exit 2) and says each of the MESSAGES, one basic regex a
# line; its output in $TMP/bad.out.
validate_refuses() {
	local want rc msgs
	mapfile -t msgs
	"$VPCSIM" validate "$1" >"$TMP/bad.out" 2>&1
	rc=$?
	check "a bad file is refused with exit 2" test "$rc" = 2
	for want in "${msgs[@]}"; do check "validate: $want" grep -q -- "$want" "$TMP/bad.out"; done
}

# probe FROM TO PORT RESULT [extra args]: checks one probe's result.
expect_probe() {
	local from=$1 to=$2 port=$3 want=$4
	shift 4
	check "probe $from -> $to${port:+:$port} $* is $want" \
		"$VPCSIM" probe -t "$T" "$from" "$to" $port --expect "$want" --timeout-ms "${PROBE_MS:-600}" "$@"
}
