#!/bin/bash
# Lambda execution environments on demand: invoke (cold, warm, concurrent,
# limits, timeout, killed), attach/detach, per-sandbox ENIs running out of
# addresses, hyperplane ENIs shared, source-NATed and closed to the inside.
. "$(dirname "$0")/lib.sh"
plan 44
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/lambda.json" "$T"
# svc holds an environment below for as long as the test needs (lib.sh's
# HOLD): a timeout of its own, not Lambda's default 3 s
sed -i 's/{ "name": "svc", /{ "name": "svc", "timeout_s": 60, /' "$F"
grep -q '"name": "svc", "timeout_s": 60' "$F" || echo "t_lambda: svc's timeout not set in $F" >&2
envs_of() { # FN: how many environments status lists for FN
	V status "$T" --json | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin)["environments"] if e["function"] == sys.argv[1]))' "$1"
}
busy_of() {
	V status "$T" --json | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin)["environments"] if e["function"] == sys.argv[1] and e["busy"]))' "$1"
}

# wait_busy FN N: until N environments of FN are busy (at most 30 s: the
# invokes of a per-sandbox function wait for the global lock while other
# tests bring topologies up).
wait_busy() {
	for _ in $(seq 300); do
		[ "$(busy_of "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
export -f envs_of busy_of V
export T VPCSIM

check "up $T" V up "$F"
check "no environment at up" bash -c "[ \"\$(ip netns list | grep -cF 'vpcsim-$T.env.')\" = 0 ]"

# Cold, then warm: Init Duration only on the first REPORT.
V invoke -t "$T" svc -- true >"$TMP/cold" 2>&1
V invoke -t "$T" svc -- true >"$TMP/warm" 2>&1
check "cold start: REPORT with Init Duration" grep -Eq $'^REPORT RequestId: [0-9a-f-]{36}\tDuration: [0-9.]+ ms\tBilled Duration: [0-9]+ ms\tMemory Size: 128 MB\tMax Memory Used: [0-9]+ MB\tInit Duration: [0-9.]+ ms$' "$TMP/cold"
check "warm start: REPORT without Init Duration" bash -c "grep -q '^REPORT ' '$TMP/warm' && ! grep -q 'Init Duration' '$TMP/warm'"
check "warm start reused the environment" bash -c "[ \"\$(envs_of svc)\" = 1 ]"

# Payload on stdin, the function's variables in the environment, handler.
check "payload on stdin and environment variables reach the command" \
	bash -c "V invoke -t '$T' svc --payload '{\"k\":1}' -- sh -c 'cat; echo \" \$GREETING \$AWS_LAMBDA_FUNCTION_NAME\"' | grep -qx '{\"k\":1} hello-env svc'"
check "no command: the handler runs" bash -c "V invoke -t '$T' f1 | grep -qx handler-ran"

# Concurrent invokes of one function get an environment each.
V invoke -t "$T" svc -- sleep 3 >"$TMP/c1" 2>&1 &
V invoke -t "$T" svc -- sleep 3 >"$TMP/c2" 2>&1 &
check "two concurrent invokes: two busy environments" wait_busy svc 2
wait
check "both concurrent invokes reported" bash -c "grep -q '^REPORT' '$TMP/c1' && grep -q '^REPORT' '$TMP/c2'"
check "after them: idle, kept" bash -c "[ \"\$(envs_of svc)\" = 2 ] && [ \"\$(busy_of svc)\" = 0 ]"

# reserved_concurrency 1: a second concurrent invoke is throttled.
V invoke -t "$T" one -- sleep 3 >/dev/null 2>&1 &
wait_busy one 1
V invoke -t "$T" one -- true >"$TMP/throttled" 2>&1
rc=$?
check "reserved_concurrency 1: TooManyRequestsException, exit 1" \
	bash -c "[ $rc = 1 ] && grep -q '^vpcsim: invoke one: TooManyRequestsException: Rate Exceeded' '$TMP/throttled'"
wait

# concurrency_limit 3 (the account's, across functions), less the 1 that
# `one` reserves: the functions without a reservation share 2, as on Lambda.
for _ in 1 2; do V invoke -t "$T" svc -- sleep 3 >/dev/null 2>&1 & done
wait_busy svc 2
V invoke -t "$T" f1 -- true >"$TMP/throttled" 2>&1
rc=$?
check "concurrency_limit 3 less one's reserved 1: a third concurrent unreserved invoke gets TooManyRequestsException" \
	bash -c "[ $rc = 1 ] && grep -q '^vpcsim: invoke f1: TooManyRequestsException: Rate Exceeded. (2 concurrent executions of unreserved functions' '$TMP/throttled'"
wait

# Timeout.
V invoke -t "$T" slow -- sleep 5 >"$TMP/timeout" 2>&1
rc=$?
check "timeout: Task timed out after 1.00 seconds, exit 1" \
	bash -c "[ $rc = 1 ] && grep -q 'Task timed out after 1.00 seconds' '$TMP/timeout'"

# Memory: a 128 MB function allocating 300 MB is killed with Lambda's
# message; Max Memory Used is measured. /tmp is ephemeral_storage_mb.
V invoke -t "$T" small -- python3 -c 'b = bytearray(300 << 20); print(len(b))' >"$TMP/oom" 2>&1
rc=$?
check "memory: 300 MB in a 128 MB function ends with Runtime exited with error: signal: killed" \
	bash -c "[ $rc = 1 ] && grep -Eq '^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$' '$TMP/oom' && grep -q 'Memory Size: 128 MB' '$TMP/oom'"
V invoke -t "$T" small -- python3 -c 'b = bytearray(40 << 20); b[::4096] = b"x" * len(b[::4096])' >"$TMP/mem" 2>&1
check "memory: Max Memory Used counts what the command touched (40 MB)" \
	bash -c "grep -Eo 'Max Memory Used: [0-9]+ MB' '$TMP/mem' | awk '{exit !(\$4 >= 40 && \$4 <= 128)}'"
V invoke -t "$T" small -- sh -c 'df -m /tmp | tail -n1' >"$TMP/tmp" 2>&1
check "/tmp is a private 600 MB file system" bash -c "awk 'NR==1 {exit !(index(\$1, \"vpcsim-tmp:\") == 1 && \$2 == 600 && \$6 == \"/tmp\")}' '$TMP/tmp'"

# A killed invoke leaves its environment idle and reusable.
"$VPCSIM" invoke -t "$T" f2 -- sleep 30 >/dev/null 2>&1 &
pid=$!
disown $pid # no "Killed" notice from bash
check "f2: one busy environment" wait_busy f2 1
kill -9 $pid
while kill -0 $pid 2>/dev/null; do sleep 0.05; done
check "killed invoke: its environment is idle" bash -c "[ \"\$(envs_of f2)\" = 1 ] && [ \"\$(busy_of f2)\" = 0 ]"
V invoke -t "$T" f2 -- true >"$TMP/after-kill" 2>&1
check "and reused, warm" bash -c "grep -q '^REPORT' '$TMP/after-kill' && ! grep -q 'Init Duration' '$TMP/after-kill' && [ \"\$(envs_of f2)\" = 1 ]"

# attach / detach.
check "attach creates an idle environment" bash -c "V attach -t '$T' svc | grep -q '^attached svc-3 '"
check "detach removes one idle environment" bash -c "V detach -t '$T' svc | grep -qx 'detached svc-3'"
V invoke -t "$T" svc -- sh -c "$HOLD" >/dev/null 2>&1 &
wait_busy svc 1
V detach -t "$T" svc --all >"$TMP/detach" 2>&1
check "detach --all leaves the busy one and says so" \
	bash -c "grep -qx 'detached svc-2' '$TMP/detach' && grep -q '^1 busy environment of svc left running' '$TMP/detach' && [ \"\$(envs_of svc)\" = 1 ]"
release svc
wait

# Hyperplane: f1 and f2 share one ENI; the database sees its address.
HPL_IP=$(V status "$T" --json | python3 -c 'import json,sys; e=[e for e in json.load(sys.stdin)["enis"] if e["attached_kind"]=="hyperplane"]; print(len(e), e[0]["private_ip"])')
check "f1 and f2 share one hyperplane ENI" bash -c "[ '${HPL_IP%% *}' = 1 ]"
HPL_IP=${HPL_IP#* }
check "status names both functions on it" bash -c "V status '$T' | grep -Eq 'hyperplane f1,f2\$'"
expect_probe f1 db 5432 open
V exec -t "$T" db -- python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7000)); s.listen(1); s.settimeout(10)
c, peer = s.accept(); print(peer[0], flush=True)' >"$TMP/peer" 2>&1 &
V invoke -t "$T" f1 -- bash -c 'for _ in $(seq 50); do (exec 3<>/dev/tcp/db/7000) 2>/dev/null && exit 0; sleep 0.1; done; exit 1' >/dev/null 2>&1
wait
check "the database sees the hyperplane ENI address ($HPL_IP) as source" grep -qx "$HPL_IP" "$TMP/peer"
ENV_IP=$(V status "$T" --json | python3 -c 'import json,sys; print([e for e in json.load(sys.stdin)["environments"] if e["function"]=="f1"][0]["private_ip"])')
expect_probe db "$HPL_IP" 22 timeout
expect_probe db "$ENV_IP" 22 timeout

check "down $T" V down "$T"
check "no environment namespace left" bash -c "! ip netns list | grep -qF 'vpcsim-$T.'"
check "down again succeeds" V down "$T"

# Per-sandbox: every environment its own ENI in the /28; 8 of its 11
# usable addresses are taken by resources, so the fourth one finds none.
T2=$(unique_name)
topo_copy "$ROOT/tests/integration/data/persandbox.json" "$T2"
sed -i 's/{ "name": "ps", /{ "name": "ps", "timeout_s": 60, /' "$F" # (HOLD)
grep -q '"name": "ps", "timeout_s": 60' "$F" || echo "t_lambda: ps's timeout not set in $F" >&2
check "up $T2 (per-sandbox)" V up "$F"
T=$T2
export T
expect_probe ps db 5432 open
expect_probe ps db 5433 timeout
check "sg authorize with a per-sandbox environment up" \
	V sg authorize -t "$T" app/db --ingress '{"proto":"tcp","ports":"5433","sg":"lambda"}'
expect_probe ps db 5433 refused
check "its ENI is listed with an id" bash -c "V status '$T' --json | python3 -c 'import json,sys; e=json.load(sys.stdin)[\"environments\"]; assert e[0][\"eni\"].startswith(\"eni-\") and e[0][\"private_ip\"]==\"10.8.1.12\", e'"
for i in 1 2 3; do V invoke -t "$T" ps -- sh -c "$HOLD" >/dev/null 2>&1 & done
wait_busy ps 3
V invoke -t "$T" ps -- true >"$TMP/full" 2>&1
rc=$?
check "subnet full: SubnetIPAddressLimitReachedException, exit 1" \
	bash -c "[ $rc = 1 ] && grep -q 'SubnetIPAddressLimitReachedException' '$TMP/full'"
check "status: state reason SubnetOutOfIPAddresses" bash -c "V status '$T' | grep -Eq '^ps .*SubnetOutOfIPAddresses'"
check "status: the subnet has 0 free addresses" bash -c "V status '$T' | grep -Eq 'tiny .* 0/11\$'"
release ps
wait
check "attach fails too while the subnet is full" bash -c "! V attach -t '$T' ps"
check "detach frees an address" bash -c "V detach -t '$T' ps | grep -q '^detached ps-3'"
check "then attach succeeds" bash -c "V attach -t '$T' ps | grep -q 'per-sandbox, 10.8.1.14, eni-'"
check "down $T2" V down "$T2"
