#!/bin/bash
# Every topology in examples/ passes its own expect list (`vpcsim check`:
# by analysis and by real packets), each under a unique name; a file not up
# is brought up and down by check itself. hyperplane-vs-per-sandbox.json
# passes in both ENI modes, and the commands examples/README.md documents
# for limits.json and the per-sandbox mode give the results it states.
. "$(dirname "$0")/lib.sh"
plan $(($(ls "$ROOT"/examples/*.json | wc -l) + 25))
# handler.json's and endpoints.json's code, relative to the file as the copies are
cp -r "$ROOT/examples/handler" "$TMP/handler"
cp -r "$ROOT/examples/thumbnail" "$ROOT/examples/cron" "$TMP/" # thumbnail.json's, cron.json's
cp -r "$ROOT/examples/power-tuning" "$TMP/power-tuning"
cp -r "$ROOT/examples/endpoints" "$ROOT/examples/api" "$TMP/" # endpoints.json's, api.json's
cp -r "$ROOT/examples/edge" "$TMP/edge" # edge.json's
cp -r "$ROOT/examples/rds-proxy" "$TMP/rds-proxy" # rds-proxy.json's orders
cp -r "$ROOT/examples/rds-iam" "$TMP/rds-iam" # rds-iam.json's report and rotate

for f in "$ROOT"/examples/*.json; do
	n=$(unique_name)
	topo_copy "$f" "$n"
	check "check examples/${f##*/} (as $n)" "$VPCSIM" check "$F" --timeout-ms 1000
done

# The same file in per-sandbox mode.
n=$(unique_name)
topo_copy "$ROOT/examples/hyperplane-vs-per-sandbox.json" "$n"
sed -i 's/"eni_mode": "hyperplane"/"eni_mode": "per-sandbox"/' "$F"
check "check hyperplane-vs-per-sandbox.json in per-sandbox mode (as $n)" "$VPCSIM" check "$F" --timeout-ms 1000

# Per-sandbox: the /28 has 11 addresses, admin holds one: 11 concurrent
# invokes, 10 get an ENI, one fails with SubnetIPAddressLimitReachedException.
# Each holds its environment until one has failed and 10 are busy (lib.sh's
# HOLD; 60 s at most): every per-sandbox build takes the global state lock,
# which another script's up can take between two of them for seconds, and a
# sleep 2 could end first: the last invoke then took that idle environment.
sed -i 's/{ "name": "orders", /{ "name": "orders", "timeout_s": 60, /' "$F"
check "up $n" "$VPCSIM" up "$F"
for i in $(seq 11); do
	"$VPCSIM" invoke -t "$n" orders -- sh -c "$HOLD" >"$TMP/ps.$i" 2>&1 &
done
for _ in $(seq 300); do
	grep -q SubnetIPAddressLimitReachedException "$TMP"/ps.* && [ "$(T=$n busy_of orders)" -ge 10 ] && break
	sleep 0.2
done
T=$n release orders
wait
check "per-sandbox: 10 of 11 concurrent invokes run" \
	test "$(grep -l '^REPORT RequestId' "$TMP"/ps.* | wc -l)" -eq 10
check "per-sandbox: one fails with SubnetIPAddressLimitReachedException" \
	test "$(grep -l 'SubnetIPAddressLimitReachedException' "$TMP"/ps.* | wc -l)" -eq 1
check "down $n" "$VPCSIM" down "$n"

# Hyperplane: the same 11 all run; three functions, two ENIs.
n=$(unique_name)
topo_copy "$ROOT/examples/hyperplane-vs-per-sandbox.json" "$n"
check "up $n" "$VPCSIM" up "$F"
check "hyperplane: orders and payments share one ENI, reports has its own" \
	bash -c "'$VPCSIM' status '$n' | grep -q 'hyperplane orders,payments\$' && '$VPCSIM' status '$n' | grep -q 'hyperplane reports\$'"
for i in $(seq 11); do
	"$VPCSIM" invoke -t "$n" orders -- sleep 2 >"$TMP/hp.$i" 2>&1 &
done
wait
check "hyperplane: 11 of 11 concurrent invokes run" \
	test "$(grep -l '^REPORT RequestId' "$TMP"/hp.* | wc -l)" -eq 11
check "down $n" "$VPCSIM" down "$n"

# limits.json: the invokes examples/README.md shows.
n=$(unique_name)
topo_copy "$ROOT/examples/limits.json" "$n"
check "up $n" "$VPCSIM" up "$F"
inv() { "$VPCSIM" invoke -t "$n" "$@" >"$TMP/inv" 2>&1; echo "rc=$?" >>"$TMP/inv"; }
inv quick
check "limits: quick times out after 2 s" \
	bash -c "grep -q 'Task timed out after 2.00 seconds' '$TMP/inv' && grep -q '^rc=1' '$TMP/inv' && ! grep -q 'never printed' '$TMP/inv'"
inv small
check "limits: small (128 MB) is killed for memory" \
	bash -c "grep -q 'Memory limit exceeded' '$TMP/inv' && grep -q '^rc=1' '$TMP/inv'"
inv big
check "limits: big (1024 MB) holds 300 MB" \
	bash -c "grep -q '^314572800' '$TMP/inv' && grep -q '^rc=0' '$TMP/inv'"
inv scratch
check "limits: scratch has a 512 MB /tmp and cannot write 600 MB" \
	bash -c "grep -Eq '/tmp\$' '$TMP/inv' && grep -q 'No space left on device' '$TMP/inv' && grep -q '^rc=1' '$TMP/inv'"
for i in 1 2 3; do
	"$VPCSIM" invoke -t "$n" capped -- sleep 2 >"$TMP/cap.$i" 2>&1 &
done
wait
check "limits: capped (reserved_concurrency 2): 2 run, 1 TooManyRequestsException" \
	bash -c "[ \$(grep -l '^REPORT' '$TMP'/cap.* | wc -l) -eq 2 ] && [ \$(grep -l TooManyRequestsException '$TMP'/cap.* | wc -l) -eq 1 ]"
check "down $n" "$VPCSIM" down "$n"

# handler.json: the Python handler examples/README.md shows, cold then warm.
n=$(unique_name)
topo_copy "$ROOT/examples/handler.json" "$n"
"$VPCSIM" up "$F" >/dev/null 2>&1
"$VPCSIM" invoke -t "$n" orders --payload '{"order": 7}' >"$TMP/h1.out" 2>"$TMP/h1.log"
"$VPCSIM" invoke -t "$n" orders --payload '{"order": 8}' >"$TMP/h2.out" 2>"$TMP/h2.log"
check "handler: a cold invoke answers the handler's result (db open, internet timeout) with Init Duration" \
	bash -c "grep -qx '{\"order\": 7, \"invocations\": 1, \"db\": \"open\", \"internet\": \"timeout\"}' '$TMP/h1.out' && grep -q '^order 7 in orders, invocation 1\$' '$TMP/h1.log' && grep -q 'Init Duration' '$TMP/h1.log'"
check "handler: a warm invoke keeps the module's state, no Init Duration" \
	bash -c "grep -q '\"order\": 8, \"invocations\": 2,' '$TMP/h2.out' && grep -q '^REPORT' '$TMP/h2.log' && ! grep -q 'Init Duration' '$TMP/h2.log'"
"$VPCSIM" down "$n" >/dev/null 2>&1

# rds-proxy.json: orders reads the database password from Secrets Manager
# (boto3 at init, through the VPC's interface endpoint under the service's
# own name) and queries through the proxy; its configuration has none.
n=$(unique_name)
topo_copy "$ROOT/examples/rds-proxy.json" "$n"
"$VPCSIM" up "$F" >/dev/null 2>&1
"$VPCSIM" invoke -t "$n" orders --payload '{}' >"$TMP/r1.out" 2>"$TMP/r1.log"
check "rds-proxy: orders logs in through the proxy as the secret's user" \
	bash -c "grep -q '\"user\": \"master\", \"server\": \"10.0.1.4/32\", \"via\": \"proxy\"' '$TMP/r1.out' || { cat '$TMP/r1.out' '$TMP/r1.log'; false; }"
check "rds-proxy: orders' environment holds no password (it read the secret)" \
	bash -c "python3 -c \"import json,sys; f=[f for f in json.load(open('$F'))['functions'] if f['name'] == 'orders'][0]; sys.exit('PASSWORD' in json.dumps(f['environment']).upper())\""
"$VPCSIM" down "$n" >/dev/null 2>&1

# rds-iam.json: report signs an IAM auth token (boto3, its role's keys) and
# logs in through the proxy with it over TLS; a password is refused; rotate
# changes the password in the database and stores it with PutSecretValue;
# the proxy takes the new value for the next connection.
n=$(unique_name)
topo_copy "$ROOT/examples/rds-iam.json" "$n"
"$VPCSIM" up "$F" >/dev/null 2>&1
ri() { "$VPCSIM" invoke -t "$n" "$@" >"$TMP/ri.out" 2>"$TMP/ri.log"; }
shows() { grep -qF -- "$1" "$TMP/ri.out" || { cat "$TMP/ri.out" "$TMP/ri.log"; false; }; }
ri report
check "rds-iam: report logs in through the proxy with an IAM token" shows '"connected": true, "user": "master"'
ri report --payload '{"password": "first-pw-7Kq2"}'
check "rds-iam: the password instead of a token is refused in RDS Proxy's words" \
	shows 'IAM authentication failed for user master. Check the IAM token for this user and try again.'
ri rotate
check "rds-iam: rotate sets a new password and stores it (PutSecretValue)" shows '"rotated": "orders-db", "version": "'
ri report
check "rds-iam: after the rotation report still logs in, and the proxy took the new value" \
	bash -c "grep -qF '\"user\": \"master\"' '$TMP/ri.out' && grep -q 'secret orders-db: a new value (rotated) is used from now on' /run/vpcsim/$n/logs/orders-proxy.log"
check "rds-iam: no function's configuration holds a password" \
	bash -c "! grep -qi 'password' <(python3 -c \"import json; print(json.dumps([f.get('environment') for f in json.load(open('$F'))['functions']]))\")"
"$VPCSIM" down "$n" >/dev/null 2>&1
