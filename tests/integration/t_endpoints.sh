#!/bin/bash
# VPC endpoints (docs/AWS-SERVICES.md, "VPC endpoints") on real packets,
# with boto3 inside functions, unmodified (no endpoint_url): a VPC function
# with neither NAT nor endpoint gets the SDK's own connect timeout; behind
# a gateway endpoint the same code reaches S3; a peered VPC's function does
# not get to use the peer's gateway endpoint, even with a route to the
# zone through the peering.
. "$(dirname "$0")/lib.sh"
plan 9
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/endpoints" "$TMP/endpoints"
topo_copy "$ROOT/tests/integration/data/endpoints.json" "$T"
V() { "$VPCSIM" "$@"; }
is() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected '$2', got '$3')"; fi; }
has() { if grep -q -- "$2" "$3"; then ok "$1"; else not_ok "$1 (no '$2' in:)"; sed 's/^/    /' "$3"; fi; }
# inv FN PAYLOAD: the function's answer in $TMP/FN.json, its log in $TMP/FN.log
inv() { V invoke -t "$T" "$1" --payload "$2" >"$TMP/$1.json" 2>"$TMP/$1.log"; }
field() { python3 -c "import json; j=json.load(open('$TMP/$1.json')); print($2)" 2>&1; }

check "up $T" V up "$F"

# ---- gateway endpoint ----------------------------------------------------
inv isolated '{"calls":["s3"]}'
field isolated 'j.get("error")' >"$TMP/out"
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
field peered 'j.get("error")' >"$TMP/out"
has "a peered VPC's function does not use the peer's gateway endpoint (connect timeout)" \
	'^ConnectTimeoutError: Connect timeout on endpoint URL' "$TMP/out"

check "down $T" V down "$T"
check_fails "no endpoint router is left" bash -c "ip netns list | grep -q '^vpcsim-$T.vpce'"
