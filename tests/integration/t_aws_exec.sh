#!/bin/bash
# The AWS CLI run inside the simulation (docs/AWS-SERVICES.md, "The AWS
# CLI on a node") and instances' public DNS names (docs/DNS.md).
# `vpcsim exec NODE -- aws ...` on a resource or an internet host of a
# topology with "aws" trusts the topology's CA and signs with its admin
# key, with nothing given: /usr/bin/aws unmodified, no --endpoint-url, no
# --ca-bundle, no keys. It reaches the services exactly as the network
# allows: a resource in a private subnet without NAT or endpoint times
# out, one behind a gateway endpoint lists the buckets. An instance with
# a public address in a VPC with DNS hostnames has its
# ec2-A-B-C-D.compute-1.amazonaws.com name: its private address inside
# the VPC, its public one outside; none without DNS hostnames.
# Commands run in a function's environment (`invoke FN -- CMD`, `exec FN`,
# a handler command) get the role's keys and the CA as its runtime does;
# a CA variable the function sets itself is its own on both paths.
. "$(dirname "$0")/lib.sh"
plan 23
topo_data aws_exec aws_exec
AWS=/usr/bin/aws
has() { if grep -q -- "$2" "$TMP/out"; then ok "$1"; else not_ok "$1 (no '$2' in:)"; sed 's/^/    /' "$TMP/out"; fi; }
# on NODE ARGS: the AWS CLI in NODE, only the timeouts given
on() { local n=$1; shift; V exec -t "$T" "$n" -- "$AWS" --cli-connect-timeout 3 --cli-read-timeout 10 "$@" \
	</dev/null >"$TMP/out" 2>&1; }
dig1() { V exec -t "$T" "$1" -- dig +short +time=2 +tries=2 "$2" </dev/null 2>&1; }

check "up $T" V up "$F"

# ---- the AWS CLI on nodes --------------------------------------------------
on box s3 ls
has "aws s3 ls on a resource in a private subnet, through the gateway endpoint" " uploads$"
on lonely s3 ls
has "aws s3 ls on a resource with neither NAT nor endpoint: the CLI's own connect timeout" \
	'Connect timeout on endpoint URL: "https://s3\.\(us-east-1\.\)\?amazonaws\.com/"'
on web sts get-caller-identity --query Arn --output text
is "aws sts get-caller-identity on a public instance (internet gateway): the admin key" \
	"arn:aws:iam::123456789012:user/vpcsim-admin" "$(cat "$TMP/out")"
on client s3 ls
has "aws s3 ls on an internet host" " uploads$"
V exec -t "$T" box -- curl -sS -o /dev/null -w '%{http_code}' --max-time 10 \
	https://s3.us-east-1.amazonaws.com/ </dev/null >"$TMP/out" 2>&1
is "curl on the resource verifies the endpoint's certificate with no --cacert (unsigned: 403)" 403 "$(cat "$TMP/out")"
V exec -t "$T" box -- env AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE "$AWS" --cli-connect-timeout 3 \
	s3 ls </dev/null >"$TMP/out" 2>&1
has "a key the caller sets wins (an unknown one: InvalidAccessKeyId)" "InvalidAccessKeyId"
V exec -t "$T" box -- sh -c 'echo "$AWS_CA_BUNDLE $AWS_DEFAULT_REGION ${AWS_SESSION_TOKEN:-none}"' \
	</dev/null >"$TMP/out" 2>&1
is "the node's environment: the CA bundle of the topology, its Region, no session token" \
	"/run/vpcsim/$T/aws/ca-bundle.pem us-east-1 none" "$(cat "$TMP/out")"

# ---- commands in a function's environment: its role's keys, the CA ---------
V invoke -t "$T" cmdfn -- "$AWS" sts get-caller-identity --query Arn --output text </dev/null >"$TMP/out" 2>&1
has "invoke FN -- aws sts get-caller-identity: the function's assumed role" \
	"^arn:aws:sts::123456789012:assumed-role/cmdfn-role/cmdfn$"
V invoke -t "$T" vfn -- "$AWS" --cli-connect-timeout 5 s3 ls </dev/null >"$TMP/out" 2>&1
has "invoke FN -- aws s3 ls from a VPC function, through the gateway endpoint" " uploads$"
V exec -t "$T" vfn -- "$AWS" --cli-connect-timeout 5 s3api list-buckets --query Buckets[].Name \
	--output text </dev/null >"$TMP/out" 2>&1
has "exec FN -- aws s3api list-buckets in a VPC function (vfn-exec's keys), gateway endpoint" "^uploads$"
V invoke -t "$T" cmdfn </dev/null >"$TMP/out" 2>&1
has "a handler command's aws sts get-caller-identity: the default role" \
	"^arn:aws:sts::123456789012:assumed-role/cmdfn-role/cmdfn$"
has "... and its aws s3 ls (no VPC: the public endpoint)" " uploads$"
V invoke -t "$T" cmdfn -- sh -c 'echo "$APP_SETTING $AWS_CA_BUNDLE $SSL_CERT_FILE ${AWS_SESSION_TOKEN:+token}"' \
	</dev/null >"$TMP/out" 2>&1
has "the function's own variables kept (SSL_CERT_FILE is not reserved), the CA at the jail's bundle, a token" \
	"^kept /var/vpcsim/ca-bundle.pem /etc/ssl/certs/ca-certificates.crt token$"
# The same rule on the runtime's path (a handler run by the Runtime API):
# the function's own SSL_CERT_FILE, vpcsim's bundle in the variables the
# function leaves unset; and a command in that function's environment
# sees the same (both from fn_aws_vars).
CA="/var/vpcsim/ca-bundle.pem /var/vpcsim/ca-bundle.pem /etc/ssl/certs/ca-certificates.crt /var/vpcsim/ca-bundle.pem /var/vpcsim/ca-bundle.pem"
V invoke -t "$T" rtfn </dev/null >"$TMP/out" 2>&1
has "a runtime's handler sees the function's own SSL_CERT_FILE, vpcsim's CA in the others" "^\"$CA\"$"
V invoke -t "$T" rtfn -- sh -c 'echo "$AWS_CA_BUNDLE $REQUESTS_CA_BUNDLE $SSL_CERT_FILE $CURL_CA_BUNDLE $NODE_EXTRA_CA_CERTS"' \
	</dev/null >"$TMP/out" 2>&1
has "... and a command in the same function's environment the same" "^$CA$"

# ---- public DNS names -------------------------------------------------------
NAME=ec2-198-51-100-44.compute-1.amazonaws.com
is "$NAME inside its VPC: the private address" 10.44.0.10 "$(dig1 box $NAME)"
is "$NAME from the internet: the public address" 198.51.100.44 "$(dig1 client $NAME)"
is "$NAME from another VPC (not peered): the public address" 198.51.100.44 "$(dig1 bare $NAME)"
is "no public DNS name without enable_dns_hostnames (NXDOMAIN)" "" \
	"$(dig1 client ec2-198-51-100-45.compute-1.amazonaws.com)"
V exec -t "$T" client -- dig +time=2 +tries=2 ec2-198-51-100-45.compute-1.amazonaws.com </dev/null >"$TMP/out" 2>&1
has "... the resolver says NXDOMAIN" "status: NXDOMAIN"
V status -t "$T" --json >"$TMP/status.json"
is "status --json lists the public DNS name among the instance's names" True \
	"$(/usr/bin/python3 -c "import json; n={x['name']: x for x in json.load(open('$TMP/status.json'))['nodes']}; print('$NAME' in n['web']['dns_names'])" 2>&1)"
check "down $T" V down "$T"
