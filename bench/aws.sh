#!/bin/bash
# The AWS zone (docs/AWS-SERVICES.md): from an internet host, boto3 over
# HTTPS through the front (TLS, SigV4 verification) to the real engines:
# an S3 PUT then GET of 1 MB (s3rver), a DynamoDB PutItem then GetItem
# (dynalite), N times each on one client (connections reused, as an SDK
# does); p50 and p99 of each pair in ms. Also `up` of the same topology
# with and without "aws" (the zone's cost: CA, front, engines). A
# benchmark, not a test: it never fails on a slow machine.
#   bench/aws.sh [N]     default 50 pairs each
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${1:-50}
bench_topology benchaws
cat >"$tmp/with.json" <<JSON
{ "name": "$T", "internet": { "hosts": [ { "name": "client", "ip": "203.0.113.70" } ] },
  "aws": { "services": ["s3", "dynamodb", "sts"], "s3": { "buckets": [ { "name": "bench" } ] },
           "dynamodb": { "tables": [ { "name": "bench", "hash_key": "id" } ] } } }
JSON
python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); del t["aws"]; json.dump(t, open(sys.argv[2], "w"))' \
	"$tmp/with.json" "$tmp/without.json"
up_ms() { # FILE: wall ms of one up (then down)
	local t0 t1
	t0=$(now_ms)
	$VPCSIM up "$1" >/dev/null
	t1=$(now_ms)
	$VPCSIM down $T >/dev/null
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }'
}
for _ in $(seq "$RUNS"); do up_ms "$tmp/without.json"; done | stats >"$tmp/up0"
for _ in $(seq "$RUNS"); do up_ms "$tmp/with.json"; done | stats >"$tmp/up1"
$VPCSIM up "$tmp/with.json" >/dev/null
$VPCSIM ca -t $T >"$tmp/ca.pem"
eval "$($VPCSIM credentials -t $T)"
$VPCSIM exec -t $T client -- env AWS_CA_BUNDLE="$tmp/ca.pem" AWS_DEFAULT_REGION=us-east-1 \
	AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
	/usr/bin/python3 "$PWD/bench/aws_pairs.py" "$N"
echo "up without aws      $(fmt "$(cat "$tmp/up0")") ms   (median (min-max) of $RUNS)"
echo "up with s3+dynamodb $(fmt "$(cat "$tmp/up1")") ms"
