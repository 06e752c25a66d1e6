#!/bin/bash
# `vpcsim check` on templates (docs/TEMPLATES.md "Expectations"): each
# sample of examples/templates carries its expectations in
# Metadata.vpcsim.expect; check brings the template up under --name,
# proves every expectation by reach and by packets, and takes it down.
# The plain CloudFormation sample (cfn-vpc: AWS::Lambda::Function, VPC,
# subnets, NAT gateway, groups, an RDS instance) is also brought up and
# its two functions invoked: the one whose group the database admits
# connects to the endpoint name the template's !GetAtt gave, the other
# times out. A template whose groups contradict its expectations fails
# check; --parameter reaches the template; malformed Metadata is refused
# with its path.
. "$(dirname "$0")/lib.sh"
plan 20
unique_topo
E="$ROOT/examples/templates"
cp -r "$E/cfn-vpc" "$TMP/cfn"

# check_sample DIR N: check of examples/templates/DIR passes its N expectations.
check_sample() {
	"$VPCSIM" check "$E/$1/template.yaml" --name "$T" --junit "$TMP/$1.xml" >"$TMP/$1.tap" 2>"$TMP/$1.err" &&
		head -1 "$TMP/$1.tap" | grep -qx "1..$2" && [ "$(grep -c '^ok ' "$TMP/$1.tap")" = "$2" ] &&
		! grep -q '^not ok' "$TMP/$1.tap" && grep -q "tests=\"$2\"" "$TMP/$1.xml" &&
		! "$VPCSIM" status "$T" >/dev/null 2>&1 || { cat "$TMP/$1.tap" "$TMP/$1.err"; return 1; }
}
check "check of the SAM VPC sample: its 2 expectations hold both ways, then it is down" check_sample sam-vpc 2
check "check of the plain CloudFormation sample: its 3 expectations hold, then it is down" check_sample cfn-vpc 3
check "check of the S3 + schedule sample: the interface endpoint's 443 open, 80 dropped" check_sample s3-schedule 2
PSQL=$(ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | head -1)
if [ -n "$PSQL" ]; then
	check "check of the RDS Proxy sample: the proxy admits one function's group only, the database only the proxy's" \
		check_sample rds-proxy 3
else
	skip "check of the RDS Proxy sample" "PostgreSQL is not installed (make deps)"
fi

# Groups that contradict the expectations: the database admits the
# reporter's group instead of the API's. check reports both sides.
sed -i 's/SourceSecurityGroupId: !Ref ApiSecurityGroup/SourceSecurityGroupId: !Ref ReporterSecurityGroup/' "$TMP/cfn/template.yaml"
"$VPCSIM" check "$TMP/cfn/template.yaml" --name "$T" >"$TMP/bad.tap" 2>"$TMP/bad.err"
check "check of a template whose groups contradict its expectations exits 1" test $? = 1
check "... with expectations 1 and 3 not ok, 2 ok" bash -c \
	"grep -q '^not ok 1 - orders-api -> orders-db:5432 open' '$TMP/bad.tap' && grep -q '^ok 2 ' '$TMP/bad.tap' && grep -q '^not ok 3 - reporter' '$TMP/bad.tap'"
check "... and the topology it brought up is down again" bash -c "! '$VPCSIM' status $T >/dev/null 2>&1"
cp "$E/cfn-vpc/template.yaml" "$TMP/cfn/template.yaml"

"$VPCSIM" check "$TMP/cfn/template.yaml" --name "$T" --parameter DbPort=6432 >"$TMP/p.tap" 2>"$TMP/p.err"
check "check --parameter DbPort=6432: the database, its group and the expectations follow the parameter" \
	bash -c "grep -qx 'ok 1 - orders-api -> orders-db:6432 open' '$TMP/p.tap' && grep -qx 'ok 3 - reporter -> orders-db:6432 timeout' '$TMP/p.tap'"
check_fails "check --parameter without KEY= is a usage error" "$VPCSIM" check "$TMP/cfn/template.yaml" --parameter oops

echo "# ---- the plain CloudFormation sample, up ----"
"$VPCSIM" import "$TMP/cfn/template.yaml" --name "$T" >"$TMP/cfn.json" 2>"$TMP/cfn.err"
check "import: two AWS::Lambda::Function in the private subnet, a NAT gateway for it, the expectations" python3 -c '
import json, sys
t = json.load(open(sys.argv[1])); v = t["vpcs"][0]
fns = {f["name"]: f for f in t["functions"]}
assert sorted(fns) == ["orders-api", "reporter"], fns
assert all(f["vpc_config"]["subnets"] == ["private-subnet"] for f in fns.values())
assert fns["orders-api"]["environment"]["DB_HOST"].startswith("orders-db.") and fns["orders-api"]["environment"]["DB_PORT"] == "5432"
assert [n["subnet"] for n in v["nat_gateways"]] == ["public-subnet"] and v["internet_gateway"]
rt = {r["name"]: r["routes"] for r in v["route_tables"]}
assert rt["private-route-table"] == [{"destination": "0.0.0.0/0", "target": "nat:nat-gateway"}], rt
assert [s["cidr"] for s in v["subnets"]] == ["10.70.0.0/24", "10.70.1.0/24"]
assert len(t["expect"]) == 3 and t["expect"][0] == {"from": "orders-api", "to": "orders-db", "port": 5432, "result": "open"}
' "$TMP/cfn.json"
check "the IAM role is listed as read, not enforced" grep -q "Resources.FunctionRole: .*IAM is read, not enforced" "$TMP/cfn.err"
check "up of the plain CloudFormation sample" "$VPCSIM" up "$TMP/cfn/template.yaml" --name "$T"
check "status shows its NAT gateway" bash -c "'$VPCSIM' status $T | grep -qi 'nat-gateway'"
check "orders-api connects to the database by the endpoint name !GetAtt gave" bash -c \
	"'$VPCSIM' invoke -t '$T' orders-api 2>/dev/null | tail -1 | grep -qx '{\"function\": \"orders-api\", \"db\": \"open\"}'"
check "reporter, whose group the database does not admit, times out" bash -c \
	"'$VPCSIM' invoke -t '$T' reporter 2>/dev/null | tail -1 | grep -qx '{\"function\": \"reporter\", \"db\": \"timeout\"}'"
check "check by the template while it is up: the expectations, and it stays up" bash -c \
	"'$VPCSIM' check '$TMP/cfn/template.yaml' --name '$T' 2>/dev/null | grep -c '^ok ' | grep -qx 3 && '$VPCSIM' status '$T' >/dev/null"
check "down $T" "$VPCSIM" down "$T"

echo "# ---- malformed Metadata.vpcsim ----"
meta() { # EXPECT-YAML: the sample with its Metadata.vpcsim replaced
	python3 - "$E/cfn-vpc/template.yaml" "$1" >"$TMP/cfn/template.yaml" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
s = re.sub(r"Metadata:\n  vpcsim:.*?\nResources:", "Metadata:\n  vpcsim:\n" + sys.argv[2] + "\nResources:", s, flags=re.S)
print(s, end="")
PY
}
meta "    expect: {from: orders-api}"
check "expect that is not a list: refused with its path" bash -c \
	"'$VPCSIM' import '$TMP/cfn/template.yaml' 2>&1 >/dev/null | grep -q 'Metadata.vpcsim.expect: InvalidTemplate'"
meta "    expect:
      - {from: !Ref Nope, to: !Ref Db, port: 5432, result: open}"
check "a Ref to a missing resource in an expectation: refused with its path" bash -c \
	"'$VPCSIM' import '$TMP/cfn/template.yaml' 2>&1 >/dev/null | grep -q 'Metadata.vpcsim.expect\[0\].from: UnresolvedReference'"
meta "    expect: []
    expectations: []"
check "a key of Metadata.vpcsim vpcsim does not read is listed, not dropped" bash -c \
	"'$VPCSIM' import '$TMP/cfn/template.yaml' 2>&1 >/dev/null | grep -q 'Metadata.vpcsim: warning: NotMapped: key expectations'"
