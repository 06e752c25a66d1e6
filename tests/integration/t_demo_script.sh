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
P=d$(printf '%05d' $(($$ % 100000)))
for s in lv nacl peer lim rds tune vpce; do NAMES+=("$P-$s"); done
OUT=$TMP/demo.out

t0=$(date +%s)
TMPDIR=$TMP VPCSIM="$VPCSIM" VPCSIM_DEMO_NAME=$P "$ROOT/scripts/demo.sh" --no-serverless </dev/null >"$OUT" 2>&1
rc=$?
t1=$(date +%s)
sed 's/^/# /' "$OUT"
echo "# the demo took $((t1 - t0)) s"
check "the demo exits 0 (every probe gave its lesson's result)" test "$rc" -eq 0
check "plain text off a terminal: no escape sequence" bash -c "! grep -q $'\e' '$OUT'"

has() { # description extended-regex
	check "$1" grep -Eq -- "$2" "$OUT"
}
order() { # description regex1 regex2: a line matching 1, later one matching 2
	# (the regexes through the environment: awk -v would process their
	# backslashes, and gawk, which mariadb-server brings, turns \( into ()
	check "$1" env A="$2" B="$3" awk 'f && $0 ~ ENVIRON["B"] {ok = 1} $0 ~ ENVIRON["A"] {f = 1} END {exit !ok}' "$OUT"
}
n=$(grep -c '^== Lesson [0-9]*: ' "$OUT")
check "twelve lessons ($n)" test "$n" -eq 12
# 1: the default function
has "1: default function -> internet open" '^tcp default-fn -> api \(203\.0\.113\.10:443\): open'
has "1: default function -> database timeout" '^tcp default-fn -> db \([0-9.]+:5432\): timeout'
has "1: reach says LAMBDA_NO_VPC_CONFIG" 'code: +LAMBDA_NO_VPC_CONFIG'
# 2: VPC function, NAT gateway
has "2: VPC function -> database open" '^tcp isolated-fn -> db \([0-9.]+:5432\): open'
has "2: VPC function without NAT route -> internet timeout" '^tcp isolated-fn -> api \(203\.0\.113\.10:443\): timeout'
has "2: reach says NO_ROUTE_TO_DESTINATION" 'code: +NO_ROUTE_TO_DESTINATION'
has "2: VPC function with NAT route -> internet open" '^tcp private-fn -> api \(203\.0\.113\.10:443\): open'
has "2: reach walks through the NAT gateway" 'NAT gateway nat-a +source NAT'
# 3: public subnet
has "3: function in a public subnet -> internet timeout" '^tcp public-fn -> api \(203\.0\.113\.10:443\): timeout'
has "3: reach says IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS" 'code: +IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS'
# 4: security group, live
order "4: missing rule times out, then open after sg authorize" \
	'^tcp private-fn -> db \([0-9.]+:6432\): timeout' '^tcp private-fn -> db \([0-9.]+:6432\): open'
has "4: the timeout names the group (SG_INGRESS)" 'SG_INGRESS'
has "4: reach says ENI_SG_RULES_MISMATCH" 'code: +ENI_SG_RULES_MISMATCH'
has "4: a REJECT flow record for port 6432" '^2 [0-9]{12} eni-[0-9a-f]{17} [0-9.]+ [0-9.]+ [0-9]+ 6432 6 .* REJECT OK$'
has "4: sg authorize applied" '^authorized ingress tcp 6432'
# 5: cold and warm
order "5: a cold start (Init Duration), then a warm one (none)" \
	'^REPORT RequestId: .*Memory Size: 256 MB.*Init Duration' '^REPORT RequestId: .*Memory Size: 256 MB	Max Memory Used: [0-9]+ MB$'
# 6: NACL
has "6: NACL without ephemeral ports -> timeout" '^tcp broken-fn -> db \([0-9.]+:5432\): timeout'
has "6: reach blocks it on the reply" 'blocked at: +network ACL app/no-ephemeral \(subnet broken\) \(on the reply\)'
has "6: the reply's REJECT flow record" '^2 [0-9]{12} eni-[0-9a-f]{17} [0-9.]+ [0-9.]+ 5432 [0-9]+ 6 .* REJECT OK$'
has "6: NACL with ephemeral ports -> open" '^tcp fixed-fn -> db \([0-9.]+:5432\): open'
# 10: a SAM template as written
has "10: the template's function -> its database open" '^tcp orders-function -> orders-db \([0-9.]+:5432\): open'
has "10: the template's groups drop port 22" '^tcp orders-function -> orders-db \([0-9.]+:22\): timeout'
# 7: peering
has "7: a -> b open" '^tcp host-a -> host-b \([0-9.]+:22\): open'
has "7: b -> c open" '^tcp host-b -> host-c \([0-9.]+:22\): open'
has "7: a -> c timeout" '^tcp host-a -> host-c \([0-9.]+:22\): timeout'
has "7: reach says PEERING_NOT_TRANSITIVE" 'code: +PEERING_NOT_TRANSITIVE'
# 8: limits
has "8: timeout" 'Task timed out after 2\.00 seconds'
has "8: memory" 'Memory limit exceeded'
has "8: /tmp" 'No space left on device'
has "8: concurrency" 'TooManyRequestsException'
# 9: the storm
has "9: straight at the database some are refused" '^  refused by the database \(53300\) +[1-9][0-9]*$'
has "9: through the proxy all succeed" '^  succeeded +40$'
order "9: the proxy's run refuses none" '^proxy: 40 invokes' '^  refused by the database \(53300\) +0$'
# 10: VPC endpoints
order "10: boto3 times out without an endpoint, then reaches S3 through one" \
	'ConnectTimeoutError: Connect timeout on endpoint URL' '"s3": "hello from reader"'
has "10: reach names the gateway endpoint to add" 'fix: +add a gateway endpoint'
has "10: reach walks through the prefix-list route" 'route pl-63a5400a \(com\.amazonaws\.us-east-1\.s3\) -> vpce-'
has "10: the interface endpoint admits fn" '"username": "app"'
has "the demo says it tore everything down (only when every down succeeded)" '^Everything the demo brought up is down again'
for s in lv nacl peer lim rds tune vpce; do
	check "$P-$s is not up" bash -c "! '$VPCSIM' status '$P-$s' >/dev/null 2>&1"
done

# (its own folder only: the other demo test may run at the same time)
check "no process of the demo's topologies runs (engines, responders, invokes)" \
	bash -c "! ps -eo args= | grep -v grep | grep -Eq '/($P-[a-z]+)[/.]|$TMP/vpcsim-demo\.'"
check "the demo removed its folder" bash -c "! ls -d '$TMP'/vpcsim-demo.* 2>/dev/null"

# Stopped half-way (SIGTERM), with --step and no terminal (setsid): it
# does not wait for Enter, and its trap takes down what it brought up.
Q=e$(printf '%05d' $(($$ % 100000)))
for s in lv nacl peer lim rds tune vpce; do NAMES+=("$Q-$s"); done
TMPDIR=$TMP VPCSIM="$VPCSIM" VPCSIM_DEMO_NAME=$Q setsid "$ROOT/scripts/demo.sh" --step --no-serverless </dev/null >"$TMP/term.out" 2>&1 &
pid=$!
for _ in $(seq 300); do grep -q '^== Lesson 3' "$TMP/term.out" && break; sleep 0.1; done
check "--step without a terminal goes on to lesson 3 by itself" grep -q '^== Lesson 3' "$TMP/term.out"
kill -TERM "$pid"
wait "$pid"
check "stopped, it says so" grep -q 'demo: interrupted' "$TMP/term.out"
check "stopped, it took $Q-lv down" bash -c "! '$VPCSIM' status '$Q-lv' >/dev/null 2>&1"
