#!/bin/bash
# AWS inside the simulation (docs/AWS-SERVICES.md): the public zone with
# STS and Secrets Manager over HTTPS with the topology's CA, SigV4 and
# session tokens checked, AWS's error codes, role credentials in function
# environments; real clients only: curl and the AWS CLI from an internet
# host, boto3 inside functions. Reachability as on AWS: a function without
# vpc_config reaches the services, a VPC function in a subnet without NAT
# gets the SDK's own connect timeout, the same behind a NAT gateway works.
. "$(dirname "$0")/lib.sh"
plan 53
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/aws" "$TMP/aws"
topo_copy "$ROOT/tests/integration/data/aws.json" "$T"
AWS=/usr/bin/aws
# cli ARGS: the AWS CLI run from the internet host, output in $TMP/out
cli() { V exec -t "$T" client -- env AWS_DEFAULT_REGION=us-east-1 AWS_CA_BUNDLE="$TMP/ca.pem" \
	AWS_ACCESS_KEY_ID="$KEY" AWS_SECRET_ACCESS_KEY="$SECRET" ${TOKEN:+AWS_SESSION_TOKEN="$TOKEN"} \
	"$AWS" --cli-connect-timeout 5 --cli-read-timeout 10 "$@" >"$TMP/out" 2>&1; }

# ---- validation ---------------------------------------------------------
bad() { # description jq-like python edit, expected diag text
	python3 -c "import json,sys; t=json.load(open('$F')); $2; json.dump(t, open('$TMP/bad.json','w'))"
	V validate "$TMP/bad.json" >"$TMP/out" 2>&1
	if [ $? = 2 ] && grep -q -- "$3" "$TMP/out"; then ok "validate refuses $1"; else
		not_ok "validate refuses $1"; sed 's/^/    /' "$TMP/out"; fi
}
bad "an unknown service" 't["aws"]["services"]=["sts","sqs"]' "aws.services\[1\]: InvalidParameterValue: The service 'sqs' is not one vpcsim serves"
bad "an internet host in the zone's block" 't["internet"]["hosts"][0]["ip"]="198.18.0.12"' "internet.hosts\[0\].ip: InvalidParameterValue: The address 198.18.0.12 is in 198.18.0.0/24"
bad "a malformed role name" 't["functions"][0]["role"]="no spaces"' "functions\[0\].role: ValidationError"
bad "an unknown key in aws" 't["aws"]["sqs"]={}' "aws.sqs: UnknownKey"

check "up $T" V up "$F"
check "the zone's front runs as vpcsim-aws" pgrep -x vpcsim-aws
V exec -t "$T" client -- dig +short +time=2 +tries=1 sts.us-east-1.amazonaws.com >"$TMP/out" 2>&1
is "the service names are in the resolver: dig sts.us-east-1.amazonaws.com" 198.18.0.13 "$(cat "$TMP/out")"
V exec -t "$T" client -- dig +short +time=2 +tries=1 secretsmanager.us-east-1.amazonaws.com >"$TMP/out" 2>&1
is "... and secretsmanager.us-east-1.amazonaws.com" 198.18.0.12 "$(cat "$TMP/out")"
check_fails "... not in the hosts files (DNS is the truth)" \
	V exec -t "$T" client -- grep -q amazonaws /etc/hosts
V ca -t "$T" >"$TMP/ca.pem"
check "vpcsim ca prints a CA certificate" bash -c "openssl x509 -in '$TMP/ca.pem' -noout -text | grep -q 'CA:TRUE'"
check "the zone's certificate verifies for the service names against it" \
	V exec -t "$T" client -- curl -sS -o /dev/null --max-time 5 --cacert "$TMP/ca.pem" https://secretsmanager.us-east-1.amazonaws.com/
check_fails "without the CA, curl refuses the certificate" \
	V exec -t "$T" client -- env -u SSL_CERT_FILE -u CURL_CA_BUNDLE curl -sS -o /dev/null --max-time 5 https://sts.us-east-1.amazonaws.com/

# ---- unsigned, malformed, oversized: AWS's errors ------------------------
V exec -t "$T" client -- curl -sS --max-time 5 --cacert "$TMP/ca.pem" -w '%{http_code}' \
	-d 'Action=GetCallerIdentity&Version=2011-06-15' https://sts.us-east-1.amazonaws.com/ >"$TMP/out"
has "unsigned STS request: 403 MissingAuthenticationToken" "<Code>MissingAuthenticationToken</Code>"
has "unsigned STS request: HTTP 403" "</ErrorResponse>.*403\|^403"
V exec -t "$T" client -- curl -sS --max-time 5 -H 'X-Amz-Target: secretsmanager.ListSecrets' \
	-H 'Content-Type: application/x-amz-json-1.1' -d '{}' http://secretsmanager.us-east-1.amazonaws.com/ >"$TMP/out"
has "plain HTTP on port 80 answers too, unsigned: MissingAuthenticationTokenException" '"__type":"MissingAuthenticationTokenException"'
head -c 7000000 /dev/zero | tr '\0' 'a' >"$TMP/big"
V exec -t "$T" client -- curl -sS --max-time 20 -o "$TMP/out" -w '%{http_code}' --cacert "$TMP/ca.pem" \
	-H 'X-Amz-Target: secretsmanager.ListSecrets' --data-binary @"$TMP/big" \
	https://secretsmanager.us-east-1.amazonaws.com/ >"$TMP/code"
is "a 7 MB body: HTTP 413" 413 "$(cat "$TMP/code")"
has "a 7 MB body: RequestEntityTooLargeException" '"__type":"RequestEntityTooLargeException"'
V exec -t "$T" client -- curl -sS --max-time 5 --cacert "$TMP/ca.pem" -H 'Host: nothing.example.com' \
	https://sts.us-east-1.amazonaws.com/ >"$TMP/out"
has "an unknown Host: an error, not a crash" "<Code>InvalidHostHeader</Code>"

# ---- the AWS CLI with the admin key --------------------------------------
eval "$(V credentials -t "$T" | sed 's/^export //; s/^unset .*//' | sed 's/^AWS_ACCESS_KEY_ID=/KEY=/; s/^AWS_SECRET_ACCESS_KEY=/SECRET=/')"
TOKEN=
cli sts get-caller-identity --query Arn --output text
is "aws sts get-caller-identity (admin key)" "arn:aws:iam::123456789012:user/vpcsim-admin" "$(cat "$TMP/out")"
cli secretsmanager get-secret-value --secret-id db-creds --query SecretString --output text
is "aws secretsmanager get-secret-value: the topology's secret" '{"username":"master","password":"correct-horse"}' "$(cat "$TMP/out")"
cli secretsmanager create-secret --name api-key --secret-string first --description 'made by the test'
has "create-secret answers the ARN" '"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-key-'
cli secretsmanager create-secret --name api-key --secret-string again
has "create-secret twice: ResourceExistsException" "ResourceExistsException"
cli secretsmanager put-secret-value --secret-id api-key --secret-string second
cli secretsmanager get-secret-value --secret-id api-key --query SecretString --output text
is "put-secret-value then get-secret-value" second "$(cat "$TMP/out")"
cli secretsmanager describe-secret --secret-id api-key --query Description --output text
is "describe-secret" "made by the test" "$(cat "$TMP/out")"
cli secretsmanager list-secrets --query 'SecretList[].Name' --output text
is "list-secrets" "db-creds	api-key" "$(cat "$TMP/out")"
cli secretsmanager get-secret-value --secret-id nope
has "an unknown secret: ResourceNotFoundException" "ResourceNotFoundException.*Secrets Manager can't find the specified secret"

# ---- S3: s3rver behind the front ----------------------------------------
cli s3 ls
has "aws s3 ls: the topology's bucket exists at up" " uploads$"
head -c 1048576 /dev/urandom >"$TMP/one.mb"
cli s3 cp "$TMP/one.mb" s3://uploads/in/one.mb
cli s3 cp s3://uploads/in/one.mb "$TMP/back.mb"
check "aws s3 cp of 1 MB up and back: the same bytes" cmp "$TMP/one.mb" "$TMP/back.mb"
check "... kept in the state folder (the engine's data)" test -d "/run/vpcsim/$T/aws/s3/uploads"
cli s3api head-object --bucket uploads --key in/nothing
has "head-object of a missing key: 404" "(404)"
V exec -t "$T" client -- curl -sS --max-time 5 --cacert "$TMP/ca.pem" -w ' %{http_code}' \
	https://s3.us-east-1.amazonaws.com/uploads/in/one.mb >"$TMP/out"
has "unsigned S3 GET: 403 AccessDenied" "<Code>AccessDenied</Code>.* 403$"

# ---- DynamoDB: dynalite behind the front ---------------------------------
cli dynamodb list-tables --query TableNames --output text
is "aws dynamodb list-tables: the topology's table exists at up" images "$(cat "$TMP/out")"
cli dynamodb put-item --table-name images --item '{"id":{"S":"cli"},"w":{"N":"640"}}'
cli dynamodb get-item --table-name images --key '{"id":{"S":"cli"}}' --query Item.w.N --output text
is "put-item then get-item" 640 "$(cat "$TMP/out")"
cli dynamodb get-item --table-name nope --key '{"id":{"S":"cli"}}'
has "a missing table: the engine's ResourceNotFoundException" "(ResourceNotFoundException)"

# ---- forged keys, wrong secrets, AssumeRole -----------------------------
GOOD_KEY=$KEY GOOD_SECRET=$SECRET
KEY=AKIAFORGEDFORGED0000 cli sts get-caller-identity
has "a forged key at STS: InvalidClientTokenId" "(InvalidClientTokenId).*The security token included in the request is invalid"
KEY=AKIAFORGEDFORGED0000 cli s3 ls s3://uploads
has "a forged key at S3: InvalidAccessKeyId" "(InvalidAccessKeyId)"
SECRET=wrongwrongwrongwrongwrongwrongwrongwrong cli s3 ls s3://uploads
has "a wrong secret at S3: SignatureDoesNotMatch" "(SignatureDoesNotMatch)"
KEY=AKIAFORGEDFORGED0000 cli dynamodb list-tables
has "a forged key at DynamoDB: UnrecognizedClientException" "(UnrecognizedClientException)"
KEY=AKIAFORGEDFORGED0000 cli secretsmanager list-secrets
has "a forged key at Secrets Manager: UnrecognizedClientException" "(UnrecognizedClientException)"
SECRET=wrongwrongwrongwrongwrongwrongwrongwrong cli sts get-caller-identity
has "a wrong secret: SignatureDoesNotMatch" "(SignatureDoesNotMatch)"
cli sts assume-role --role-arn arn:aws:iam::123456789012:role/isolated-exec --role-session-name tester \
	--query '[Credentials.AccessKeyId,Credentials.SecretAccessKey,Credentials.SessionToken]' --output text
read -r AKEY ASECRET ATOKEN <"$TMP/out"
case $AKEY in ASIA*) ok "assume-role hands out a temporary key (ASIA...)" ;; *) not_ok "assume-role: got '$AKEY'" ;; esac
KEY=$AKEY SECRET=$ASECRET TOKEN=$ATOKEN cli sts get-caller-identity --query Arn --output text
is "the assumed role's identity" "arn:aws:sts::123456789012:assumed-role/isolated-exec/tester" "$(cat "$TMP/out")"
KEY=$AKEY SECRET=$ASECRET TOKEN=forged$ATOKEN cli sts get-caller-identity
has "a temporary key with a forged session token: InvalidClientTokenId" "(InvalidClientTokenId)"
KEY=$AKEY SECRET=$ASECRET TOKEN= cli sts get-caller-identity
has "a temporary key without its session token: InvalidClientTokenId" "(InvalidClientTokenId)"
cli sts assume-role --role-arn arn:aws:iam::123456789012:role/not-ours --role-session-name x1
has "assume-role of a role the topology lacks: AccessDenied" "(AccessDenied).*is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/not-ours"
cli sts assume-role --role-arn arn:aws:iam::123456789012:role/isolated-exec --role-session-name x1 --duration-seconds 50000
has "assume-role for 50000 s (over 12 hours): ValidationError" "(ValidationError).*durationSeconds.*between 900 and 43200"

# ---- boto3 inside functions: reachability as on AWS ---------------------
inv() { V invoke -t "$T" "$1" --payload '{}' >"$TMP/out.json" 2>"$TMP/log"; }
field() { python3 -c "import json; j=json.load(open('$TMP/out.json')); print($1)" 2>&1; }
inv plain
is "default function: boto3 reaches STS, Secrets Manager, S3 and DynamoDB as its role's session" \
	"arn:aws:sts::123456789012:assumed-role/plain-role/plain master ASIA True written by plain 7" \
	"$(field 'j.get("arn"), j.get("username"), j["key_prefix"], j["has_token"], j.get("s3"), j.get("ddb")' | tr -d ",()'")"
inv natted
is "VPC function behind a NAT gateway: boto3 reaches the services" \
	"arn:aws:sts::123456789012:assumed-role/natted-role/natted master written by natted 7" \
	"$(field 'j.get("arn"), j.get("username"), j.get("s3"), j.get("ddb")' | tr -d ",()'")"
# botocore 1.29 (Debian 12) uses STS's global name, later ones the regional
inv isolated
field 'j.get("error")' >"$TMP/out"
has "VPC function without NAT or endpoint: botocore's own connect timeout" \
	'^ConnectTimeoutError: Connect timeout on endpoint URL: "https://sts\.\(us-east-1\.\)\?amazonaws\.com/"$'
check "... reported inside the function's 10 s timeout (no Task timed out)" bash -c "! grep -q 'Task timed out' '$TMP/log'"

# ---- down leaves no engine ----------------------------------------------
check "down $T" V down "$T"
check_fails "no S3 engine process is left after down" pgrep -f "/run/vpcsim/$T/aws/s3"
check_fails "no DynamoDB engine process is left after down" pgrep -f "/run/vpcsim/$T/aws/dynamodb"
