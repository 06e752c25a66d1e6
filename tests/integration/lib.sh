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

# A unique topology name of at most 12 characters.
unique_name() { printf 't%s%04x' "$(printf '%05d' $(($$ % 100000)))" $((RANDOM % 65536)) | cut -c1-12; }

# Copy FILE to $TMP/NAME.json with its top-level name replaced, and
# remember the name for the checks at exit. Sets F to the copy's path.
topo_copy() { # file name
	F="$TMP/$2.json"
	sed '0,/"name": *"[^"]*"/s//"name": "'"$2"'"/' "$1" >"$F"
	NAMES+=("$2")
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
export -f uid_procs uid_files engine_mounts nothing_of secrets_hidden

# What is left of topology NAME, one thing a line (nothing: it is all gone):
# namespaces, hosts folders, pins, state, environments' cgroups and /tmp
# mounts, processes naming its state folder or its file (responders keep
# the command line of `vpcsim up FILE`) or running in its state folder, and
# any vpcsim link in the root namespace (there must never be one).
leftovers() { # name
	local n=$1
	netns_of "$n"
	ls -d /etc/netns/vpcsim-"$n".* /sys/fs/bpf/vpcsim/"$n" /run/vpcsim/"$n" 2>/dev/null
	ls -d /sys/fs/cgroup/vpcsim/"$n" /sys/fs/cgroup/*/vpcsim/"$n" 2>/dev/null
	awk -v p="/run/vpcsim/$n/" 'index($2, p) == 1 {print "mount " $2}' /proc/mounts
	proc_pids "/run/vpcsim/$n/|$TMP/$n\.json" "/run/vpcsim/$n/" | sed 's/^/process /'
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

# probe FROM TO PORT RESULT [extra args]: checks one probe's result.
expect_probe() {
	local from=$1 to=$2 port=$3 want=$4
	shift 4
	check "probe $from -> $to${port:+:$port} $* is $want" \
		"$VPCSIM" probe -t "$T" "$from" "$to" $port --expect "$want" --timeout-ms "${PROBE_MS:-600}" "$@"
}
