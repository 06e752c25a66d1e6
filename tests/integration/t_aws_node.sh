#!/bin/bash
# The AWS SDK for JavaScript v3 in the Node.js runtime, as AWS ships it
# (docs/AWS-SERVICES.md): user code imports @aws-sdk/client-* with no
# bundling, endpoint or credentials in the code, both as an ES module
# (import: the runtime's resolve hook) and as CommonJS (require: NODE_PATH),
# and reaches STS, Secrets Manager, S3 and DynamoDB in the topology's zone
# as its role's session.
. "$(dirname "$0")/lib.sh"
plan 6
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/aws" "$TMP/aws"
topo_copy "$ROOT/tests/integration/data/aws_node.json" "$T"

check "the runtime's SDK is installed (scripts/install-deps.sh)" \
	test -f "$ROOT/runtimes/nodejs/node_modules/@aws-sdk/client-lambda/package.json"
check "up $T" V up "$F"
inv node-esm
is "ES module: STS, Secrets Manager, S3 and DynamoDB through the shipped SDK v3" \
	"arn:aws:sts::123456789012:assumed-role/node-esm-role/node-esm master written by node-esm 11 None" \
	"$(field 'j.get("arn"), j.get("username"), j.get("s3"), j.get("ddb"), j.get("error")' | tr -d ",()'")"
is "... and @aws-sdk/client-lambda imports" function "$(field 'j.get("lambda")')"
inv node-cjs
is "CommonJS: require() finds the SDK (STS and lib-dynamodb's document client)" \
	"arn:aws:sts::123456789012:assumed-role/node-cjs-role/node-cjs 11 None" \
	"$(field 'j.get("arn"), j.get("n"), j.get("error")' | tr -d ",()'")"
check "down $T" V down "$T"
