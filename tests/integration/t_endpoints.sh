#!/bin/bash
# VPC endpoints (docs/AWS-SERVICES.md, "VPC endpoints") on real packets,
# with boto3 inside functions, unmodified (no endpoint_url): a VPC function
# with neither NAT nor endpoint gets the SDK's own connect timeout; behind
# a gateway endpoint the same code reaches S3; a peered VPC's function does
# not get to use the peer's gateway endpoint, even with a route to the
# zone through the peering; an interface endpoint answers the service's
# name with its ENI's address (private DNS) and serves it there to callers
# its group admits, and to no one else; with DNS support off nothing
# resolves, endpoint or not. The AWS CLI from a resource uses both.
. "$(dirname "$0")/lib.sh"
plan 28
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/endpoints" "$TMP/endpoints"
topo_copy "$ROOT/tests/integration/data/endpoints.json" "$T"
# inv FN PAYLOAD: the function's answer in $TMP/FN.json, its log in $TMP/FN.log
inv() { V invoke -t "$T" "$1" --payload "$2" >"$TMP/$1.json" 2>"$TMP/$1.log"; }
field() { python3 -c "import json; j=json.load(open('$TMP/$1.json')); print($2)" 2>&1; }
# err FN: the error the function reported, else its whole answer
err() { field "$1" 'j.get("error", j)' >"$TMP/out"; }

check "up $T" V up "$F"

# ---- gateway endpoint ----------------------------------------------------
inv isolated '{"calls":["s3"]}'
err isolated
has "no NAT, no endpoint: boto3's own connect timeout calling S3" \
	'^ConnectTimeoutError: Connect timeout on endpoint URL: "https://uploads\.s3\.\(us-east-1\.\)\?amazonaws\.com/vpce/isolated\.txt"$' "$TMP/out"
check "... inside the function's timeout (no Task timed out)" bash -c "! grep -q 'Task timed out' '$TMP/isolated.log'"
inv gateway '{"calls":["s3"]}'
is "behind the gateway endpoint the same code reaches S3 (put, then get)" "via gateway" "$(field gateway 'j.get("s3", j.get("error"))')"
R=$(ip netns exec "vpcsim-$T.vpc.app" ip route show table 100)
case $R in *"198.18.0.10 via"*) ok "the private table routes the prefix list to the endpoint" ;;
	*) not_ok "the private table routes the prefix list to the endpoint (table 100: $R)" ;; esac
V flows -t "$T" >"$TMP/flows"
has "flow logs record the call through the endpoint (ACCEPT both ways)" " 198.18.0.10 10.41.2.[0-9]* 443 .* ACCEPT OK" "$TMP/flows"
inv peered '{"calls":["s3"]}'
err peered
has "a peered VPC's function does not use the peer's gateway endpoint (connect timeout)" \
	'^ConnectTimeoutError: Connect timeout on endpoint URL' "$TMP/out"

# ---- interface endpoint --------------------------------------------------
V status -t "$T" --json >"$TMP/status.json"
js() { python3 -c "import json; j=json.load(open('$TMP/status.json')); print($1)" 2>&1; }
ENI_IP=$(js '[e for e in j["endpoints"] if e["name"]=="secrets"][0]["enis"][0]["ip"]')
VPCE_NAME=$(js '[e for e in j["endpoints"] if e["name"]=="secrets"][0]["dns_names"][0]')
is "status --json: the gateway endpoint's prefix list and vpce- id" "pl-63a5400a 198.18.0.10/32 vpce-" \
	"$(js '[" ".join((e["prefix_list"]["id"], e["prefix_list"]["cidrs"][0], e["id"][:5])) for e in j["endpoints"] if e["vpc"]=="app" and e["name"]=="s3"][0]')"
case $ENI_IP in 10.41.3.*) ok "status --json: the interface endpoint's ENI in its subnet ($ENI_IP)" ;;
	*) not_ok "status --json: the interface endpoint's ENI in its subnet (got '$ENI_IP')" ;; esac
V status -t "$T" >"$TMP/status.txt"
has "status shows the endpoints: vpce- ids and the pl- route" "s3  *app  *vpce-[0-9a-f]*  *gateway  *s3  *table private  *route pl-63a5400a" "$TMP/status.txt"
inv admitted "{\"calls\":[\"secrets\"],\"resolve\":\"secretsmanager.us-east-1.amazonaws.com\"}"
is "private DNS: secretsmanager.us-east-1.amazonaws.com resolves to the endpoint's ENI" "['$ENI_IP']" \
	"$(field admitted 'j.get("resolved")')"
is "a function its group admits reads the secret through the interface endpoint" master \
	"$(field admitted 'j.get("secrets", j.get("error"))')"
inv refused '{"calls":["secrets"]}'
err refused
has "a function its group does not admit: connect timeout" \
	'^ConnectTimeoutError: Connect timeout on endpoint URL: "https://secretsmanager\.us-east-1\.amazonaws\.com/"$' "$TMP/out"
V flows -t "$T" >"$TMP/flows"
has "the endpoint ENI's flow logs REJECT the refused function" " 10.41.1.5 $ENI_IP [0-9]* 443 6 .* REJECT OK" "$TMP/flows"
inv peered "{\"resolve\":\"$VPCE_NAME\"}"
is "the endpoint's own vpce- name resolves (public record) from the peered VPC" "['$ENI_IP']" \
	"$(field peered 'j.get("resolved")')"

# ---- reach and graph explain the paths -----------------------------------
reach() { V reach -t "$T" "$@" >"$TMP/out" 2>&1; }
reach isolated s3.us-east-1.amazonaws.com 443
has "reach: no NAT, no endpoint is NO_ROUTE_TO_DESTINATION, the fix names a gateway endpoint" \
	'fix: *add a gateway endpoint {"service": "s3", "type": "gateway", "route_tables": \["main"\]}' "$TMP/out"
reach gateway s3.us-east-1.amazonaws.com 443
has "reach: open through the prefix-list route and the endpoint" \
	'tcp 443: open' "$TMP/out"
has "... the hop names pl- and vpce-" 'route pl-63a5400a (com.amazonaws.us-east-1.s3) -> vpce-' "$TMP/out"
reach peered s3.us-east-1.amazonaws.com 443
has "reach: a peer's packet for the endpoint is PEERING_NOT_TRANSITIVE" \
	'code: *PEERING_NOT_TRANSITIVE' "$TMP/out"
reach refused secretsmanager.us-east-1.amazonaws.com 443
has "reach: the endpoint's group does not admit the caller: ENI_SG_RULES_MISMATCH at its ENI" \
	'code: *ENI_SG_RULES_MISMATCH' "$TMP/out"
V graph -t "$T" --format dot >"$TMP/out" 2>&1
has "graph draws the gateway endpoint and its pl- route" '"sn:private" -> "vpce:app/s3" .*label="pl-63a5400a"' "$TMP/out"

# ---- DNS support off -----------------------------------------------------
# (the SDK waits on the resolver until the function's timeout, as on AWS)
inv nodns '{"calls":["s3"]}'
has "enable_dns_support false: the S3 call hangs resolving until the function times out, gateway endpoint or not" \
	'Task timed out after 8.00 seconds' "$TMP/nodns.json"

# ---- the AWS CLI from a resource -----------------------------------------
V ca -t "$T" >"$TMP/ca.pem"
eval "$(V credentials -t "$T" | sed 's/^export //; s/^unset .*//' | sed 's/^AWS_ACCESS_KEY_ID=/KEY=/; s/^AWS_SECRET_ACCESS_KEY=/SECRET=/')"
cli() { V exec -t "$T" box -- env AWS_DEFAULT_REGION=us-east-1 AWS_CA_BUNDLE="$TMP/ca.pem" \
	AWS_ACCESS_KEY_ID="$KEY" AWS_SECRET_ACCESS_KEY="$SECRET" \
	aws --cli-connect-timeout 3 --cli-read-timeout 10 "$@" >"$TMP/out" 2>&1; }
cli s3 ls
has "aws s3 ls from a resource in the private subnet, through the gateway endpoint" " uploads$" "$TMP/out"
cli secretsmanager get-secret-value --secret-id db-creds --query SecretString --output text
is "aws secretsmanager from the resource, by private DNS" '{"username":"master","password":"correct-horse"}' "$(cat "$TMP/out")"
cli secretsmanager list-secrets --endpoint-url "https://$VPCE_NAME" --query 'SecretList[].Name' --output text
is "... and by the endpoint's own vpce- name (--endpoint-url)" db-creds "$(cat "$TMP/out")"
cli sts get-caller-identity --endpoint-url "https://$VPCE_NAME"
has "the secretsmanager endpoint serves no other service (an STS call meets Secrets Manager)" \
	"InvalidSignatureException.*Credential should be scoped to correct service: .*secretsmanager" "$TMP/out"

check "down $T" V down "$T"
check_fails "no endpoint router is left" bash -c "ip netns list | grep -q '^vpcsim-$T.vpce'"
