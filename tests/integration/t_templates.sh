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
plan 38
unique_topo
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

echo "# ---- VPC endpoints, an S3 bucket and its event, a schedule, a layer ----"
cp -r "$E/s3-schedule" "$TMP/s3s"
check "up of the S3 + schedule sample (a VPC without internet, two endpoints)" \
	env VPCSIM_ASYNC_MINUTE_MS=1000 "$VPCSIM" up "$TMP/s3s/template.yaml" --name "$T"
"$VPCSIM" invoke -t "$T" writer >"$TMP/writer.out" 2>/dev/null
check "boto3 in the VPC function: S3 through the gateway endpoint, the secret through the interface endpoint" \
	grep -qx '{"s3": "put", "secret_user": "app"}' "$TMP/writer.out"
wait_fn_log() { # FN RE
	for _ in $(seq 300); do "$VPCSIM" logs -t "$T" "$1" 2>&1 | grep -q "$2" && return 0; sleep 0.2; done
	return 1
}
check "the S3 event (prefix in/) invokes on-upload, which imports the layer's module" \
	wait_fn_log on-upload "UPLOAD ObjectCreated:Put app-uploads/in/hello.txt (5 bytes)"
"$VPCSIM" invoke -t "$T" writer --payload '{"key": "out/x.txt"}' >/dev/null 2>&1
"$VPCSIM" events fire -t "$T" tick >/dev/null 2>&1
check "the Schedule event fires tick with EventBridge's scheduled event" wait_fn_log tick "TICK Scheduled Event"
check "a key outside the prefix filter invoked nothing" bash -c "! '$VPCSIM' logs -t '$T' on-upload 2>&1 | grep -q out/x.txt"
check "down $T" "$VPCSIM" down "$T"
# Without RouteTableIds the gateway endpoint routes nothing: S3 times out.
sed -i '/RouteTableIds: \[!Ref PrivateRt\]/d' "$TMP/s3s/template.yaml"
check "up without the gateway endpoint's route table" "$VPCSIM" up "$TMP/s3s/template.yaml" --name "$T"
check "S3 from the VPC function times out (boto3's ConnectTimeoutError), the secret still reads" bash -c \
	"'$VPCSIM' invoke -t '$T' writer 2>/dev/null | grep -q '\"s3\": \"ConnectTimeoutError.*\"secret_user\": \"app\"'"
check "down $T" "$VPCSIM" down "$T"

echo "# ---- ImageUri, HttpApi events, layers by ARN ----"
mkdir -p "$TMP/img" && : >"$TMP/img/app.tar"
cat >"$TMP/img/template.yaml" <<'YAML'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageUri: app.tar
      ImageConfig: {Command: [app.handler], WorkingDirectory: /app}
      Layers: [arn:aws:lambda:us-east-1:123456789012:layer:x:1]
YAML
"$VPCSIM" import "$TMP/img/template.yaml" >"$TMP/img.json" 2>"$TMP/img.err"
check "ImageUri: a local archive as the function's image, ImageConfig as image_config" python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))["functions"][0]
assert f["image"].endswith("/app.tar") and f["image_config"] == {"command": ["app.handler"], "working_directory": "/app"}, f
' "$TMP/img.json"
check "a layer by ARN is listed as not mapped" grep -q "Resources.Fn.Properties.Layers\[0\]: warning: NotMapped" "$TMP/img.err"
sed -i 's|ImageUri: app.tar|ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1|' "$TMP/img/template.yaml"
check "an ECR image is listed as not pulled" bash -c \
	"'$VPCSIM' import '$TMP/img/template.yaml' 2>&1 >/dev/null | grep -q 'ImageUri: warning: NotMapped: an image in a registry is not pulled'"
printf '      Events:\n        Api: {Type: HttpApi, Properties: {Path: "/items/{id}", Method: get, Auth: {Authorizer: NONE}}}\n        Root: {Type: HttpApi}\n' >>"$TMP/img/template.yaml"
"$VPCSIM" import "$TMP/img/template.yaml" >"$TMP/api.json" 2>"$TMP/api.err"
check "HttpApi events: routes of the topology's HTTP API (GET /items/{id}, SAM's \$default), Auth listed" python3 -c '
import json, sys
ev = json.load(open(sys.argv[1]))["functions"][0]["events"]
assert ev == [{"type": "http_api", "method": "GET", "path": "/items/{id}"},
              {"type": "http_api", "method": "ANY", "path": "$default"}], ev
assert "Events.Api.Properties.Auth: warning: NotMapped" in open(sys.argv[2]).read()
' "$TMP/api.json" "$TMP/api.err"
