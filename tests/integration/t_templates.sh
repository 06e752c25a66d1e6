#!/bin/bash
# SAM and CloudFormation templates (docs/TEMPLATES.md): `import` of AWS's
# VPC sample shape gives a topology that validates and lists what it does
# not map; malformed templates (bad YAML, a missing reference, a cycle,
# Fn::ImportValue) are refused with the path; a CodeUri that leaves the
# template's folder by a symlink or '..' is refused; `up` of a SAM function
# in a VPC builds it, and real packets follow the groups the template
# wrote: the function reaches the database's port, the database's group
# drops any other; `down` leaves nothing. The RDS Proxy sample: a secret
# generated with GenerateSecretString, the real PostgreSQL and RDS Proxy it
# configures, {{resolve:secretsmanager:...}} in the environment, and psql
# in the function reaching the database through the proxy's endpoint name.
. "$(dirname "$0")/lib.sh"
plan 25
T=$(unique_name)
NAMES+=("$T")
D="$ROOT/tests/data/templates"
cp -r "$D" "$TMP/tpl"

"$VPCSIM" import "$D/vpc-nat.yaml" --name "$T" >"$TMP/vpc.json" 2>"$TMP/vpc.err"
check "import of the VPC sample succeeds" test -s "$TMP/vpc.json"
check "its output validates as a topology" "$VPCSIM" validate "$TMP/vpc.json"
check "it maps 4 subnets, 2 NAT gateways, the private routes to them and the database" python3 -c '
import json, sys
t = json.load(open(sys.argv[1])); v = t["vpcs"][0]
assert [s["name"] for s in v["subnets"]] == ["public-subnet1", "public-subnet2", "private-subnet1", "private-subnet2"], v["subnets"]
assert [n["subnet"] for n in v["nat_gateways"]] == ["public-subnet1", "public-subnet2"]
rt = {r["name"]: r["routes"] for r in v["route_tables"]}
assert rt["private-route-table2"] == [{"destination": "0.0.0.0/0", "target": "nat:nat-gateway2"}], rt
assert v["internet_gateway"] and v["enable_dns_hostnames"]
assert t["resources"][0]["name"] == "demo-db" and t["resources"][0]["security_groups"] == ["db-security-group"]
' "$TMP/vpc.json"
check "what is not mapped is on stderr by logical id and property" \
	grep -q "Resources.PublicSubnet1.Properties.AvailabilityZone: warning: NotMapped" "$TMP/vpc.err"
check "a second NAT turned off by a parameter: both private tables use the first" bash -c \
	"'$VPCSIM' import '$D/vpc-nat.yaml' --name '$T' --parameter CreateSecondNat=false 2>/dev/null |
	 python3 -c 'import json,sys; v=json.load(sys.stdin)[\"vpcs\"][0]; assert len(v[\"nat_gateways\"]) == 1; assert all(r[\"routes\"][0][\"target\"] == \"nat:nat-gateway1\" for r in v[\"route_tables\"][1:])'"
check "up --parameter sets a parameter: no second NAT gateway in the plan" bash -c \
	"'$VPCSIM' up '$D/vpc-nat.yaml' --name '$T' --dry-run --parameter CreateSecondNat=false 2>/dev/null >'$TMP/plan1' &&
	 '$VPCSIM' up '$D/vpc-nat.yaml' --name '$T' --dry-run 2>/dev/null >'$TMP/plan2' &&
	 ! grep -q nat-gateway2 '$TMP/plan1' && grep -q nat-gateway2 '$TMP/plan2'"
check_fails "up --parameter without KEY= is a usage error" "$VPCSIM" up "$D/vpc-nat.yaml" --parameter oops

bad() { # file (in tests/data/templates, or a path) code path-or-word
	local f=$1
	[ -e "$f" ] || f="$D/$1"
	"$VPCSIM" import "$f" >/dev/null 2>"$TMP/bad.err"
	[ $? = 2 ] && grep -q -- "$2" "$TMP/bad.err" && grep -q -- "$3" "$TMP/bad.err" ||
		{ cat "$TMP/bad.err"; return 1; }
}
check "bad YAML: refused with its line" bad bad-yaml.yaml InvalidTemplate "line 6"
check "a missing resource: refused with its path" bad missing-ref.yaml \
	UnresolvedReference "Resources.Db.Properties.VPCSecurityGroups\[0\]"
check "a dependency cycle: refused, naming it" bad cycle.yaml CircularDependency "SgA -> SgB -> SgA"
check "Fn::ImportValue: refused, naming it" bad import-value.yaml UnsupportedFunction "network-stack-VpcId"

# Hostile CodeUri: a symlink to /etc, and '..'.
rm -rf "$TMP/tpl/sam-vpc/src" && ln -s /etc "$TMP/tpl/sam-vpc/src"
check "a CodeUri that is a symlink out of the template's folder is refused" \
	bad "$TMP/tpl/sam-vpc/template.yaml" InvalidParameterValue "OrdersFunction.Properties.CodeUri"
sed 's|CodeUri: src/|CodeUri: ../sam-vpc/src/|' "$D/sam-vpc/template.yaml" >"$TMP/tpl/dotdot.yaml"
check "a CodeUri with '..' is refused" \
	bad "$TMP/tpl/dotdot.yaml" InvalidParameterValue "OrdersFunction.Properties.CodeUri"

check "up of the SAM template (a function in a private subnet, a database, a NAT)" \
	"$VPCSIM" up "$D/sam-vpc/template.yaml" --name "$T"
check "reach: the function reaches the database's port through the groups" \
	"$VPCSIM" reach -t "$T" orders-function orders-db 5432
expect_probe orders-function orders-db 5432 open
expect_probe orders-function orders-db 22 timeout
check "down $T" "$VPCSIM" down "$T"

echo "# ---- RDS Proxy, a generated secret, dynamic references ----"
E="$ROOT/examples/templates"
"$VPCSIM" import "$E/rds-proxy/template.yaml" --name "$T" >"$TMP/px.json" 2>"$TMP/px.err"
check "import: the generated secret, the engine with it, the proxy with its target group" python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
s = t["secrets"][0]; pw = s["value"]["password"]
assert s["name"] == "orders/db-master" and s["value"]["username"] == "orders", s
assert len(pw) == 30 and not set(pw) & set("\"@/\\") and pw.isprintable(), pw
db, px = t["resources"]
assert db["engine"] == "postgres" and db["secret"] == "orders/db-master", db
assert px["kind"] == "rds-proxy" and px["target"] == "orders-db" and px["subnet"] == "private-b", px
assert px["auth"] == [{"secret": "orders/db-master", "iam_auth": "DISABLED"}], px
env = t["functions"][0]["environment"]
assert env["PGUSER"] == "orders" and env["PGPASSWORD"] == pw, env
assert env["PGHOST"].startswith("orders-proxy.proxy-") and env["PGHOST"].endswith(".us-east-1.rds.amazonaws.com")
' "$TMP/px.json"
"$VPCSIM" import "$E/rds-proxy/template.yaml" --name "$T" >"$TMP/px2.json" 2>/dev/null
check "a second import generates another password" python3 -c '
import json, sys
a, b = (json.load(open(f))["secrets"][0]["value"]["password"] for f in sys.argv[1:])
assert a != b
' "$TMP/px.json" "$TMP/px2.json"
check "the IAM role is listed as read, not enforced" grep -q "Resources.ProxyRole: .*IAM is read, not enforced" "$TMP/px.err"
PSQL=$(ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -1)
if [ -z "$PSQL" ]; then
	for i in 1 2 3 4; do skip "RDS Proxy sample up" "psql is not installed (make deps)"; done
	exit 0
fi
check "up of the RDS Proxy sample" "$VPCSIM" up "$E/rds-proxy/template.yaml" --name "$T"
check "psql in the function reaches PostgreSQL through the proxy's DNS name, as the secret's user" bash -c \
	"'$VPCSIM' invoke -t '$T' orders-function -- '$PSQL' -Atc 'select current_user, 6*7' 2>/dev/null | grep -qx 'orders|42'"
check "a function whose group the proxy's group does not admit times out (the handler's socket)" bash -c \
	"'$VPCSIM' invoke -t '$T' other-function 2>/dev/null | grep -q TimeoutError"
check "down $T" "$VPCSIM" down "$T"
