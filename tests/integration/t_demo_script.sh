#!/bin/bash
# scripts/demo.sh (`make demo`) runs non-interactively to the end: every
# lesson shows its key result, the output is plain text off a terminal,
# and nothing of it is left (its length is bench/'s business, not a test's:
# the time is printed); a run stopped
# with SIGTERM (with --step and no terminal: no pause) tears down too.
# Lessons 1-12 (--no-serverless); t_demo_serverless runs 13-16: each
# part stays within the runner's 600 s on a loaded machine.
. "$(dirname "$0")/lib.sh"
plan 53
# (a storm of 20, not the demo's 200: the lessons stay within the
# runner's 600 s on a loaded machine, where the storm's warm-up makes a
# few environments a minute (40 took 458 s at load 30-40); t_storm shows
# the same with 20, bench/storm_scale.sh runs hundreds)
export DEMO_STORM_N=20
demo_run d --no-serverless lv nacl peer lim rds tune vpce
n=$(grep -c '^== Lesson [0-9]*: ' "$OUT")
check "twelve lessons ($n)" test "$n" -eq 12
# 1: the default function
demo_has "1: default function -> internet open" '^tcp default-fn -> api \(203\.0\.113\.10:443\): open'
demo_has "1: default function -> database timeout" '^tcp default-fn -> db \([0-9.]+:5432\): timeout'
demo_has "1: reach says LAMBDA_NO_VPC_CONFIG" 'code: +LAMBDA_NO_VPC_CONFIG'
# 2: VPC function, NAT gateway
demo_has "2: VPC function -> database open" '^tcp isolated-fn -> db \([0-9.]+:5432\): open'
demo_has "2: VPC function without NAT route -> internet timeout" '^tcp isolated-fn -> api \(203\.0\.113\.10:443\): timeout'
demo_has "2: reach says NO_ROUTE_TO_DESTINATION" 'code: +NO_ROUTE_TO_DESTINATION'
demo_has "2: VPC function with NAT route -> internet open" '^tcp private-fn -> api \(203\.0\.113\.10:443\): open'
demo_has "2: reach walks through the NAT gateway" 'NAT gateway nat-a +source NAT'
# 3: public subnet
demo_has "3: function in a public subnet -> internet timeout" '^tcp public-fn -> api \(203\.0\.113\.10:443\): timeout'
demo_has "3: reach says IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS" 'code: +IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS'
# 4: security group, live
demo_order "4: missing rule times out, then open after sg authorize" \
	'^tcp private-fn -> db \([0-9.]+:6432\): timeout' '^tcp private-fn -> db \([0-9.]+:6432\): open'
demo_has "4: the timeout names the group (SG_INGRESS)" 'SG_INGRESS'
demo_has "4: reach says ENI_SG_RULES_MISMATCH" 'code: +ENI_SG_RULES_MISMATCH'
demo_has "4: a REJECT flow record for port 6432" '^2 [0-9]{12} eni-[0-9a-f]{17} [0-9.]+ [0-9.]+ [0-9]+ 6432 6 .* REJECT OK$'
demo_has "4: sg authorize applied" '^authorized ingress tcp 6432'
# 5: cold and warm
demo_order "5: a cold start (Init Duration), then a warm one (none)" \
	'^REPORT RequestId: .*Memory Size: 256 MB.*Init Duration' '^REPORT RequestId: .*Memory Size: 256 MB	Max Memory Used: [0-9]+ MB$'
# 6: NACL
demo_has "6: NACL without ephemeral ports -> timeout" '^tcp broken-fn -> db \([0-9.]+:5432\): timeout'
demo_has "6: reach blocks it on the reply" 'blocked at: +network ACL app/no-ephemeral \(subnet broken\) \(on the reply\)'
demo_has "6: the reply's REJECT flow record" '^2 [0-9]{12} eni-[0-9a-f]{17} [0-9.]+ [0-9.]+ 5432 [0-9]+ 6 .* REJECT OK$'
demo_has "6: NACL with ephemeral ports -> open" '^tcp fixed-fn -> db \([0-9.]+:5432\): open'
# 10: a SAM template as written
demo_has "10: the template's function -> its database open" '^tcp orders-function -> orders-db \([0-9.]+:5432\): open'
demo_has "10: the template's groups drop port 22" '^tcp orders-function -> orders-db \([0-9.]+:22\): timeout'
# 7: peering
demo_has "7: a -> b open" '^tcp host-a -> host-b \([0-9.]+:22\): open'
demo_has "7: b -> c open" '^tcp host-b -> host-c \([0-9.]+:22\): open'
demo_has "7: a -> c timeout" '^tcp host-a -> host-c \([0-9.]+:22\): timeout'
demo_has "7: reach says PEERING_NOT_TRANSITIVE" 'code: +PEERING_NOT_TRANSITIVE'
# 8: limits
demo_has "8: timeout" 'Task timed out after 2\.00 seconds'
demo_has "8: memory" 'Memory limit exceeded'
demo_has "8: /tmp" 'No space left on device'
demo_has "8: concurrency" 'TooManyRequestsException'
# 9: the storm
demo_has "9: straight at the database some are refused" '^  refused by the database \(53300\) +[1-9][0-9]*$'
demo_has "9: through the proxy all succeed" "^  succeeded +$DEMO_STORM_N\$"
demo_order "9: the proxy's run refuses none" "^proxy: $DEMO_STORM_N invokes" '^  refused by the database \(53300\) +0$'
# 10: VPC endpoints
demo_order "10: boto3 times out without an endpoint, then reaches S3 through one" \
	'ConnectTimeoutError: Connect timeout on endpoint URL' '"s3": "hello from reader"'
demo_has "10: reach names the gateway endpoint to add" 'fix: +add a gateway endpoint'
demo_has "10: reach walks through the prefix-list route" 'route pl-63a5400a \(com\.amazonaws\.us-east-1\.s3\) -> vpce-'
demo_has "10: the interface endpoint admits fn" '"username": "app"'
demo_has "the demo says it tore everything down (only when every down succeeded)" '^Everything the demo brought up is down again'
demo_gone

# Stopped half-way (SIGTERM), with --step and no terminal (setsid): it
# does not wait for Enter, and its trap takes down what it brought up.
Q=e$(printf '%05d' $(($$ % 100000)))
for s in lv nacl peer lim rds tune vpce; do NAMES+=("$Q-$s"); done
TMPDIR=$TMP VPCSIM="$VPCSIM" VPCSIM_DEMO_NAME=$Q setsid "$ROOT/scripts/demo.sh" --step --no-serverless </dev/null >"$TMP/term.out" 2>&1 &
pid=$!
# (lessons 1 and 2 first: an up, under the global lock other scripts' ups
# hold too, and nine probes and reaches with their cold starts; waited for
# up to 3 minutes, not 30 s)
for _ in $(seq 1800); do grep -q '^== Lesson 3' "$TMP/term.out" && break; sleep 0.1; done
check "--step without a terminal goes on to lesson 3 by itself" grep -q '^== Lesson 3' "$TMP/term.out"
kill -TERM "$pid"
wait "$pid"
check "stopped, it says so" grep -q 'demo: interrupted' "$TMP/term.out"
check "stopped, it took $Q-lv down" bash -c "! '$VPCSIM' status '$Q-lv' >/dev/null 2>&1"
