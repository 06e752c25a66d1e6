#!/bin/bash
# The HTTP API (docs/HTTP-API.md): what API Gateway adds over a direct
# invoke. From an internet host, over HTTPS through the AWS zone's front
# (one keep-alive connection each, as a client library keeps), N pairs of
# (a) GET /ping on the HTTP API (route selection, the 2.0 event, the
#     answer mapped back) and
# (b) boto3 lambda.invoke of the same function with the same event
#     (SigV4 checked, the answer as Lambda's),
# run back to back so the machine's drift cancels; both go through the
# front's one invoker and the same warm environment. p50 and p99 of each,
# and of the per-pair difference (a - b). A benchmark, not a test.
#   bench/http_api.sh [N]     default 200 pairs
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${1:-200}
bench_topology benchapi
mkdir -p "$tmp/code"
cat >"$tmp/code/app.py" <<'PY'
def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": '{"pong":true}'}
PY
cat >"$tmp/t.json" <<JSON
{ "name": "$T", "internet": { "hosts": [ { "name": "client", "ip": "203.0.113.71" } ] },
  "aws": { "services": ["lambda"] },
  "functions": [ { "name": "ping", "runtime": "python3.11", "handler": "app.handler", "code": "code",
                   "memory_mb": 1769,
                   "events": [ { "type": "http_api", "method": "GET", "path": "/ping" } ] } ] }
JSON
$VPCSIM up "$tmp/t.json" >/dev/null
$VPCSIM ca -t $T >"$tmp/ca.pem"
eval "$($VPCSIM credentials -t $T)"
HOST=$($VPCSIM status -t $T --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["http_api"]["endpoint"].split("/")[2])')
cat >"$tmp/run.py" <<'PY'
import http.client, json, ssl, sys, time
import boto3
n, host, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3]
api = http.client.HTTPSConnection(host, 443, context=ssl.create_default_context(cafile=ca))
lam = boto3.client("lambda")
def via_api():
    api.request("GET", "/ping"); r = api.getresponse(); r.read(); assert r.status == 200, r.status
event = None
def via_invoke():
    r = lam.invoke(FunctionName="ping", Payload=event); r["Payload"].read()
    assert r["StatusCode"] == 200
api.request("GET", "/ping"); r = api.getresponse(); r.read()   # warm: environment, TLS
event = json.dumps({"version": "2.0", "routeKey": "GET /ping", "rawPath": "/ping", "rawQueryString": "",
                    "headers": {"host": host}, "requestContext": {"http": {"method": "GET"}},
                    "isBase64Encoded": False})
via_invoke()
a, b = [], []
for i in range(n):
    t0 = time.perf_counter(); via_api(); t1 = time.perf_counter(); via_invoke(); t2 = time.perf_counter()
    a.append((t1 - t0) * 1e3); b.append((t2 - t1) * 1e3)
def pct(v, p):
    v = sorted(v); return v[max(0, min(len(v) - 1, (len(v) * p + 99) // 100 - 1))]
d = [x - y for x, y in zip(a, b)]
for name, v in (("http api GET /ping", a), ("lambda.invoke (direct)", b), ("added by the http api", d)):
    print("%-24s p50 %7.2f ms   p99 %7.2f ms   (%d pairs)" % (name, pct(v, 50), pct(v, 99), n))
PY
$VPCSIM exec -t $T client -- env AWS_CA_BUNDLE="$tmp/ca.pem" AWS_DEFAULT_REGION=us-east-1 \
	AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
	/usr/bin/python3 "$tmp/run.py" "$N" "$HOST" "$tmp/ca.pem"
