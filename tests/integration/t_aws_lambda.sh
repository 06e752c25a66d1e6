#!/bin/bash
# Lambda's Invoke API in the AWS zone (docs/AWS-SERVICES.md): a function
# calls another of the topology with its SDK, unmodified (boto3's
# lambda.invoke, the SDK v3's InvokeCommand), signed with its own role's
# credentials, through the one invoke path; AWS's answers for a function
# error, a missing function, Event and DryRun; the AWS CLI from an internet
# host; a VPC function without NAT gets the SDK's connect timeout; the
# caller is answered when the callee's runtime posts its response, before
# the callee's post-response work ends (as serve answers, t_serve_warm.sh).
. "$(dirname "$0")/lib.sh"
plan 17
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/aws" "$TMP/aws"
cp -r "$ROOT/tests/integration/data/serve_warm" "$TMP/serve_warm"
topo_copy "$ROOT/tests/integration/data/aws_lambda.json" "$T"

check "up $T" V up "$F"
inv caller --payload '{"target":"callee","payload":{"x":1}}'
is "boto3 lambda.invoke of another function: 200, its response, \$LATEST" \
	'200 None $LATEST {"from": "callee", "got": {"x": 1}}' \
	"$(field '*(j.get("status"), j.get("function_error"), j.get("version"), json.dumps(j.get("payload"), sort_keys=True))')"
inv caller --payload '{"target":"callee","payload":{"fail":1}}'
is "a function error: 200 with FunctionError Unhandled and the error document" \
	"200 Unhandled ValueError asked to fail" \
	"$(field 'j.get("status"), j.get("function_error"), j["payload"].get("errorType"), j["payload"].get("errorMessage")' | tr -d ",()'")"
inv caller --payload '{"target":"nope"}'
is "a function the topology lacks: 404 ResourceNotFoundException with AWS's message" \
	"404 ResourceNotFoundException Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope" \
	"$(field 'j.get("http"), j.get("code"), j.get("message")' | tr -d ",()'")"
inv caller --payload '{"target":"arn:aws:lambda:us-east-1:123456789012:function:callee","payload":{"arn":1}}'
is "by its ARN" "200 callee" "$(field 'j.get("status"), j["payload"].get("from")' | tr -d ",()'")"
inv caller --payload '{"target":"callee","type":"DryRun"}'
is "DryRun: 204" 204 "$(field 'j.get("status")')"
inv caller --payload '{"target":"callee","type":"Event","payload":{"ev":"marker-'"$T"'"}}'
is "Event: 202 at once" 202 "$(field 'j.get("status")')"
found=no
for _ in $(seq 1 60); do
	grep -qs "marker-$T" /run/vpcsim/"$T"/logs/lambda/callee/*.log && { found=yes; break; }
	sleep 0.5
done
is "... and the event reaches the function after" yes "$found"
inv node-caller --payload '{"target":"callee","payload":{"y":2}}'
is "the SDK v3's InvokeCommand from a Node.js function" '200 {"from": "callee", "got": {"y": 2}}' \
	"$(field '*(j.get("status"), json.dumps(j.get("payload"), sort_keys=True))')"

# ---- the AWS CLI and curl from an internet host --------------------------
V ca -t "$T" >"$TMP/ca.pem"
eval "$(V credentials -t "$T" | grep '^export' | sed 's/^export //; s/^AWS_ACCESS_KEY_ID=/KEY=/; s/^AWS_SECRET_ACCESS_KEY=/SECRET=/')"
V exec -t "$T" client -- env AWS_DEFAULT_REGION=us-east-1 AWS_CA_BUNDLE="$TMP/ca.pem" \
	AWS_ACCESS_KEY_ID="$KEY" AWS_SECRET_ACCESS_KEY="$SECRET" aws --cli-read-timeout 30 lambda invoke --function-name callee --payload '{"cli":true}' "$TMP/cli.json" >"$TMP/out" 2>&1
is "aws lambda invoke from an internet host (admin key)" '{"got": {"cli": true}, "from": "callee"}' \
	"$(cat "$TMP/cli.json" 2>/dev/null || cat "$TMP/out")"
V exec -t "$T" client -- curl -sS --max-time 10 --cacert "$TMP/ca.pem" -d '{}' \
	https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/callee/invocations >"$TMP/out" 2>&1
is "unsigned: MissingAuthenticationTokenException" MissingAuthenticationTokenException \
	"$(python3 -c "import json; print(json.load(open('$TMP/out'))['__type'])" 2>&1)"
V exec -t "$T" client -- env AWS_DEFAULT_REGION=us-east-1 AWS_CA_BUNDLE="$TMP/ca.pem" \
	AWS_ACCESS_KEY_ID=AKIAFORGEDFORGED0000 AWS_SECRET_ACCESS_KEY="$SECRET" aws lambda invoke --function-name callee "$TMP/x.json" >"$TMP/out" 2>&1
is "a forged key: UnrecognizedClientException" 1 "$(grep -c 'UnrecognizedClientException' "$TMP/out")"

# ---- reachability as on AWS ------------------------------------------------
inv isolated --payload '{"target":"callee"}'
is "a VPC function without NAT or endpoint: botocore's connect timeout to Lambda" \
	'ConnectTimeoutError: Connect timeout on endpoint URL: "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/callee/invocations"' \
	"$(field 'j.get("error")')"

# ---- the early answer ---------------------------------------------------------
# post (serve_warm/fn_post) posts {"answered": ID}, then works until the test
# creates go in its layer; the caller's boto3 gives up after 20 s.
inv caller --payload '{"target":"post"}'
ID=$(field 'j["payload"]["answered"]' 2>/dev/null)
is "the caller gets the callee's response while the callee still works after it" \
	"200 yes" "$(field 'j.get("status"), "yes" if "answered" in (j.get("payload") or {}) else j' | tr -d ",()'")"
check "... the callee's invoke is not over then: its START logged, no REPORT yet" bash -c "
	test -n '$ID' && '$VPCSIM' logs -t '$T' post >'$TMP/post.log' &&
	grep -q 'START RequestId: $ID' '$TMP/post.log' && ! grep -q 'REPORT RequestId: $ID' '$TMP/post.log'"
touch "$TMP/serve_warm/layer_go/go"
check "... it ends when its runtime asks for the next event: REPORT after the post-response work" \
	report_after post "$ID" 'post-response work done'
rm -f "$TMP/serve_warm/layer_go/go"
check "down $T" V down "$T"
