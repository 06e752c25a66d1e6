#!/bin/bash
# The AWS zone through VPC endpoints (docs/AWS-SERVICES.md, "VPC
# endpoints"): boto3 run in a VPC resource with no internet route, the same
# pairs as bench/aws.sh (bench/aws_pairs.py: S3 PUT+GET of 1 MB, DynamoDB
# PutItem+GetItem; p50 and p99 in ms), once through gateway endpoints (the
# prefix-list route to the endpoint's router, source NAT, the internet
# router, the zone) and once through interface endpoints (the endpoint's
# ENI in the VPC: the front's socket there, private DNS). A benchmark, not
# a test: it never fails on a slow machine.
#   bench/vpce.sh [N]     default 50 pairs each
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${1:-50}
bench_topology benchvpce
cat >"$tmp/t.json" <<JSON
{ "name": "$T",
  "aws": { "services": ["s3", "dynamodb"], "s3": { "buckets": [ { "name": "bench" } ] },
           "dynamodb": { "tables": [ { "name": "bench", "hash_key": "id" } ] } },
  "vpcs": [
    { "name": "gw", "cidr": "10.61.0.0/16",
      "subnets": [ { "name": "gw-a", "cidr": "10.61.1.0/24", "route_table": "private" } ],
      "route_tables": [ { "name": "private", "routes": [] } ],
      "security_groups": [ { "name": "box", "description": "the client" } ],
      "endpoints": [
        { "name": "s3", "service": "s3", "type": "gateway", "route_tables": ["private"] },
        { "name": "ddb", "service": "dynamodb", "type": "gateway", "route_tables": ["private"] } ] },
    { "name": "if", "cidr": "10.62.0.0/16", "enable_dns_hostnames": true,
      "subnets": [ { "name": "if-a", "cidr": "10.62.1.0/24" }, { "name": "if-ep", "cidr": "10.62.2.0/24" } ],
      "security_groups": [ { "name": "box", "description": "the client" },
        { "name": "vpce", "ingress": [ { "proto": "tcp", "ports": "443", "sg": "box" } ] } ],
      "endpoints": [
        { "name": "s3", "service": "s3", "type": "interface", "subnets": ["if-ep"], "security_groups": ["vpce"] },
        { "name": "ddb", "service": "dynamodb", "type": "interface", "subnets": ["if-ep"], "security_groups": ["vpce"] } ] } ],
  "resources": [
    { "name": "box-gw", "subnet": "gw-a", "security_groups": ["box"] },
    { "name": "box-if", "subnet": "if-a", "security_groups": ["box"] } ] }
JSON
$VPCSIM up "$tmp/t.json" >/dev/null
$VPCSIM ca -t $T >"$tmp/ca.pem"
eval "$($VPCSIM credentials -t $T)"
# path style: the endpoint's names are the service's, not each bucket's
printf '[default]\ns3 =\n    addressing_style = path\n' >"$tmp/config"
for box in box-gw box-if; do
	$VPCSIM exec -t $T $box -- env AWS_CA_BUNDLE="$tmp/ca.pem" AWS_DEFAULT_REGION=us-east-1 \
		AWS_CONFIG_FILE="$tmp/config" AWS_S3_US_EAST_1_REGIONAL_ENDPOINT=regional \
		AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
		/usr/bin/python3 "$PWD/bench/aws_pairs.py" "$N" "${box#box-} endpoint:"
done
