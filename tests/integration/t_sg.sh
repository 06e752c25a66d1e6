#!/bin/bash
# vpcsim sg authorize|revoke: security groups changed live, as AWS does:
# new connections follow the new rules at once, tracked connections survive
# a revoke, untracked ones (0.0.0.0/0 both ways) are cut by it; rejected
# edits leave the state file as it was.
. "$(dirname "$0")/lib.sh"
plan 50
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/sg.json" "$T"
DB_IP=10.7.1.10
STATE=/run/vpcsim/$T/topology.json
PROBE_MS=500

sg() { "$VPCSIM" sg "$1" -t "$T" "${@:2}"; }
sum() { sha256sum "$STATE" | cut -d' ' -f1; }
# unchanged DESCRIPTION WANT-EXIT COMMAND...: fails with WANT-EXIT and
# leaves the state file byte for byte as it was. Output in $TMP/last.
unchanged() {
	local what=$1 want=$2 before rc
	shift 2
	before=$(sum)
	"$@" >"$TMP/last" 2>&1
	rc=$?
	if [ $rc -eq "$want" ] && [ "$(sum)" = "$before" ]; then ok "$what"; else
		not_ok "$what (exit $rc, want $want; file $([ "$(sum)" = "$before" ] && echo unchanged || echo CHANGED))"
		sed 's/^/    /' "$TMP/last"
	fi
}
# held NAME PORT: from app, a TCP connection to db:PORT that stays open.
# It sends "one" and waits for the echo, then waits for $TMP/go-NAME, sends
# "two" and reports "second two" (echoed) or "second timeout".
held() {
	local name=$1 port=$2
	"$VPCSIM" exec -t "$T" app -- bash -c '
		exec 3<>/dev/tcp/'"$DB_IP/$port"' || exit 1
		echo one >&3
		read -t 2 -r l <&3 && echo "first $l"
		while [ ! -e '"$TMP/go-$name"' ]; do sleep 0.05; done
		echo two >&3
		if read -t 2 -r l <&3; then echo "second $l"; else echo "second timeout"; fi
	' >"$TMP/held-$name" 2>&1 &
	HELD_PID=$!
	for _ in $(seq 50); do
		grep -q '^first one$' "$TMP/held-$name" && break
		sleep 0.1
	done
	check "held connection $name to db:$port is open and echoes" grep -q '^first one$' "$TMP/held-$name"
}
# release NAME WANT: let the held connection send again; WANT is "two"
# (still carried) or "timeout" (cut).
release() {
	touch "$TMP/go-$1"
	wait "$HELD_PID"
	check "held connection $1 then gets: $2" grep -q "^second $2\$" "$TMP/held-$1"
}

check "up $T" "$VPCSIM" up "$F"
members() { bpftool map dump pinned "/sys/fs/bpf/vpcsim/$T/$1/members" 2>/dev/null | sort; }
MEMBERS_V=$(members v)
MEMBERS_W=$(members w)
POLICY_W=$(bpftool map dump pinned "/sys/fs/bpf/vpcsim/$T/w/sg_peer" 2>/dev/null | sort)

# A group without ingress admits nothing; authorize opens exactly the rule.
expect_probe app db 5432 timeout
sg authorize v/db --ingress '{"proto":"tcp","ports":"5432","sg":"app"}' >"$TMP/said" 2>&1
check "authorize ingress tcp 5432 from sg app says what changed" \
	grep -qx 'authorized ingress tcp 5432 from sg app on v/db (rule 1 of 1)' "$TMP/said"
expect_probe app db 5432 open
expect_probe other db 5432 timeout
expect_probe app db 5433 timeout
check "the implicit egress rule of db was written out with the edit" \
	bash -c "grep -A3 '\"egress\"' '$STATE' | grep -q '0.0.0.0/0'"
check "authorize ingress tcp 5433 from the subnet CIDR" \
	sg authorize v/db --ingress '{"proto":"tcp","ports":"5433","cidr":"10.7.1.0/24"}'
expect_probe app db 5433 open
expect_probe other db 5433 open

# Revoking the implicit allow-all egress of a group that omitted egress.
check "revoke the implicit egress rule of other" \
	sg revoke v/other --egress '{"proto":"all","cidr":"0.0.0.0/0"}'
expect_probe other db 5433 timeout
expect_probe app db 5433 open
check "authorize it back" sg authorize v/other --egress '{"proto":"all","cidr":"0.0.0.0/0"}'
expect_probe other db 5433 open
check "the implicit default group can be edited" \
	sg authorize v/default --ingress '{"proto":"tcp","ports":"22","cidr":"10.0.0.0/8"}'
check "default keeps its from-default rule" \
	bash -c "grep -A4 '\"default\"' '$STATE' | grep -q '\"sg\":[[:space:]]*\"default\"'"

# A peered VPC's rule naming v/app: its maps do not change (rules live
# with the group that owns them) and the memberships stay as they were.
expect_probe app cache 6379 open
expect_probe other cache 6379 timeout
check "authorize egress on v/app, a group w's rule names" \
	sg authorize v/app --egress '{"proto":"tcp","ports":"6379","cidr":"10.8.0.0/16"}'
expect_probe app cache 6379 open
check "members maps of v and w are unchanged" \
	bash -c '[ -n "$1" ] && [ -n "$3" ] && [ "$1" = "$2" ] && [ "$3" = "$4" ]' _ "$MEMBERS_V" "$(members v)" "$MEMBERS_W" "$(members w)"
check "w's group rules are unchanged" \
	bash -c '[ -n "$1" ] && [ "$1" = "$2" ]' _ "$POLICY_W" "$(bpftool map dump pinned "/sys/fs/bpf/vpcsim/$T/w/sg_peer" 2>/dev/null | sort)"

# Rejected edits: AWS errors exit 1, bad input exits 2; the file stays.
unchanged "duplicate authorize: exit 1" 1 \
	sg authorize v/db --ingress '{"proto":"tcp","ports":"5432","sg":"app"}'
check "duplicate says InvalidPermission.Duplicate" grep -q 'InvalidPermission.Duplicate' "$TMP/last"
unchanged "revoke of an absent rule: exit 1" 1 \
	sg revoke v/db --ingress '{"proto":"tcp","ports":"5434","sg":"app"}'
check "absent says InvalidPermission.NotFound" grep -q 'InvalidPermission.NotFound' "$TMP/last"
unchanged "bad rule: exit 2" 2 sg authorize v/db --ingress '{"proto":"tcp","ports":"54x","sg":"app"}'
check "bad rule is reported like validate" grep -q '^RULE: \$.ports: InvalidParameterValue: ' "$TMP/last"
unchanged "rule naming an unknown group: exit 2" 2 \
	sg authorize v/db --ingress '{"proto":"tcp","ports":"1","sg":"nope"}'
unchanged "unknown group: exit 2" 2 sg authorize v/nope --ingress '{"proto":"tcp","ports":"1","sg":"app"}'
check "unknown group names the choices" grep -q 'InvalidGroup.NotFound.*groups: db, app, other, default' "$TMP/last"
unchanged "unknown VPC: exit 2" 2 sg revoke w/db --egress '{"proto":"all","cidr":"0.0.0.0/0"}'
check "no temporary file is left" bash -c "! ls /run/vpcsim/$T | grep -q tmp"

# A tracked connection survives the revoke of the rule that admitted it.
held tracked 5432
check "revoke ingress tcp 5432 from sg app" \
	sg revoke v/db --ingress '{"proto":"tcp","ports":"5432","sg":"app"}'
expect_probe app db 5432 timeout
release tracked two

# An untracked flow (0.0.0.0/0 in, all to 0.0.0.0/0 out) is cut at once.
check "revoke the CIDR rule for 5433" sg revoke v/db --ingress '{"proto":"tcp","ports":"5433","cidr":"10.7.1.0/24"}'
expect_probe app db 5433 timeout
check "authorize ingress tcp 5433 from 0.0.0.0/0" \
	sg authorize v/db --ingress '{"proto":"tcp","ports":"5433","cidr":"0.0.0.0/0"}'
expect_probe app db 5433 open
held untracked 5433
check "revoke ingress tcp 5433 from 0.0.0.0/0" \
	sg revoke v/db --ingress '{"proto":"tcp","ports":"5433","cidr":"0.0.0.0/0"}'
expect_probe app db 5433 timeout
release untracked timeout

check "the state file still validates" "$VPCSIM" validate "$STATE"
check "status works after the edits" "$VPCSIM" status "$T"
check "status --json works after the edits" bash -c "'$VPCSIM' status '$T' --json >/dev/null"
check "down $T" "$VPCSIM" down "$T"
