#!/usr/bin/python3
# Writes docs/topology.schema.json (JSON Schema, draft 2020-12) of the
# topology format in /work/shared/spec/TOPOLOGY.md, v1 and the v2 additions:
#   scripts/topology-schema.py > docs/topology.schema.json
# The schema checks keys, types, enums, ranges and name patterns; what it
# cannot say (CIDR containment, references by name, limits across objects)
# `vpcsim validate` checks. tests/integration/t_schema.sh checks that the
# committed schema is this script's output.
import json
NAME = {"$ref": "#/$defs/name"}
def obj(props, required=(), desc=None, **kw):
    o = {"type": "object", "additionalProperties": False, "properties": props}
    if required: o["required"] = list(required)
    if desc: o["description"] = desc
    o.update(kw)
    return o
def arr(items, desc=None, **kw):
    a = {"type": "array", "items": items}
    if desc: a["description"] = desc
    a.update(kw)
    return a
def s(desc=None, **kw):
    o = {"type": "string"}
    if desc: o["description"] = desc
    o.update(kw); return o
def i(lo=None, hi=None, desc=None):
    o = {"type": "integer"}
    if lo is not None: o["minimum"] = lo
    if hi is not None: o["maximum"] = hi
    if desc: o["description"] = desc
    return o
B = lambda desc=None: ({"type": "boolean", "description": desc} if desc else {"type": "boolean"})

OCT = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IP = rf"^{OCT}(\.{OCT}){{3}}$"
CIDR = rf"^{OCT}(\.{OCT}){{3}}/(3[0-2]|[12]?[0-9])$"

defs = {
 "name": s("a name: lower-case letter, then letters, digits, '-'; at most 32", pattern=r"^[a-z][a-z0-9-]{0,31}$"),
 "ipv4": s("an IPv4 address a.b.c.d", pattern=IP),
 "cidr": s("an IPv4 prefix a.b.c.d/n", pattern=CIDR),
 "proto": {"description": "tcp, udp, icmp, all (or -1), or an IP protocol number 0..255",
           "oneOf": [s(pattern=r"^(tcp|udp|icmp|all|-1|[0-9]{1,3})$"), i(-1, 255)]},
 "ports": {"description": "\"N\", \"N-M\" or \"all\" (tcp and udp)",
           "oneOf": [s(pattern=r"^([0-9]{1,5}(-[0-9]{1,5})?|all)$"), i(0, 65535)]},
 "icmp": i(-1, 255, "ICMP type or code; -1 or absent: any"),
 "listen": arr(obj({"proto": s(enum=["tcp", "udp"]), "port": i(1, 65535)}, ["port"]),
               "ports answered by the built-in responder (TCP accept and echo, UDP echo); closed ports refuse"),
 "sg_rule": obj({
     "proto": {"$ref": "#/$defs/proto"}, "ports": {"$ref": "#/$defs/ports"},
     "icmp_type": {"$ref": "#/$defs/icmp"}, "icmp_code": {"$ref": "#/$defs/icmp"},
     "cidr": {"$ref": "#/$defs/cidr"},
     "sg": s("a group of this VPC, or VPC/GROUP of a peered one", pattern=r"^([a-z][a-z0-9-]{0,31}/)?[a-z][a-z0-9-]{0,31}$"),
     "description": s()}, ["proto"],
     "a security group rule: allow-only and stateful; exactly one peer, cidr or sg",
     oneOf=[{"required": ["cidr"]}, {"required": ["sg"]}]),
 "nacl_rule": obj({
     "rule": i(1, 32766, "rule number; lowest first, first match wins"),
     "proto": {"$ref": "#/$defs/proto"}, "ports": {"$ref": "#/$defs/ports"},
     "icmp_type": {"$ref": "#/$defs/icmp"}, "icmp_code": {"$ref": "#/$defs/icmp"},
     "cidr": {"$ref": "#/$defs/cidr"}, "action": s(enum=["allow", "deny"])},
     ["rule", "proto", "cidr", "action"], "a network ACL rule: stateless"),
 "subnet": obj({"name": NAME, "cidr": {"$ref": "#/$defs/cidr"},
                "route_table": {**NAME, "description": "default: the VPC's main table"},
                "network_acl": {**NAME, "description": "default: the VPC's default NACL (allow all)"}},
               ["name", "cidr"], "a subnet: /16 to /28 inside its VPC; names unique across the topology"),
 "route": obj({"destination": {"$ref": "#/$defs/cidr"},
               "target": s("igw, nat:NAME, peering:NAME or blackhole",
                           pattern=r"^(igw|blackhole|nat:[a-z][a-z0-9-]{0,31}|peering:[a-z][a-z0-9-]{0,31})$")},
              ["destination", "target"]),
 "route_table": obj({"name": NAME, "routes": arr({"$ref": "#/$defs/route"})}, ["name"],
                    "a route table; every table has the implicit local route; a table named main is the VPC's main one"),
 "nat_gateway": obj({"name": NAME, "subnet": NAME}, ["name", "subnet"], "a NAT gateway in a public subnet"),
 "security_group": obj({"name": NAME, "description": s(),
                        "ingress": arr({"$ref": "#/$defs/sg_rule"}, maxItems=60),
                        "egress": arr({"$ref": "#/$defs/sg_rule"}, maxItems=60,
                                      description="omitted: all outbound allowed; []: none")},
                       ["name"], "a security group; every VPC also has 'default'"),
 "network_acl": obj({"name": NAME,
                     "ingress": arr({"$ref": "#/$defs/nacl_rule"}, maxItems=20),
                     "egress": arr({"$ref": "#/$defs/nacl_rule"}, maxItems=20)},
                    ["name"], "a network ACL; ends in an implicit deny"),
 "endpoint": obj({"name": NAME,
                  "service": s("the AWS service: s3, dynamodb (gateway or interface), secretsmanager, sts, lambda (interface)",
                               enum=["s3", "dynamodb", "secretsmanager", "sts", "lambda"]),
                  "type": s("default gateway (EC2's default)", enum=["gateway", "interface"]),
                  "route_tables": arr(NAME, "gateway: tables that get the prefix-list route (pl-... -> vpce-...)"),
                  "subnets": arr(NAME, "interface: one endpoint ENI in each", minItems=1),
                  "security_groups": arr(NAME, "interface: the ENIs' groups (default: the VPC's default)",
                                         minItems=1, maxItems=5),
                  "private_dns": B("interface: the service's public names resolve to the ENIs inside the VPC; "
                                   "needs both DNS attributes (default true)")},
                 ["name", "service"], "v3: a VPC endpoint"),
 "vpc": obj({"name": NAME, "cidr": {"$ref": "#/$defs/cidr"},
             "internet_gateway": B("attach an internet gateway (target igw)"),
             "subnets": arr({"$ref": "#/$defs/subnet"}),
             "route_tables": arr({"$ref": "#/$defs/route_table"}),
             "nat_gateways": arr({"$ref": "#/$defs/nat_gateway"}),
             "security_groups": arr({"$ref": "#/$defs/security_group"}),
             "network_acls": arr({"$ref": "#/$defs/network_acl"}),
             "enable_dns_support": B("the VPC resolver answers (base + 2, 169.254.169.253); false: queries time out (default true)"),
             "enable_dns_hostnames": B("the resolver answers ip-A-B-C-D.ec2.internal names; needs enable_dns_support (default false)"),
             "endpoints": arr({"$ref": "#/$defs/endpoint"}, "v3: gateway and interface VPC endpoints")},
            ["name", "cidr"], "a VPC: /16 to /28"),
 "peering": obj({"name": NAME, "vpcs": arr(NAME, minItems=2, maxItems=2)}, ["name", "vpcs"],
                "a VPC peering connection; routes must still point at peering:NAME; not transitive"),
 "host": obj({"name": NAME, "ip": {"$ref": "#/$defs/ipv4"}, "listen": {"$ref": "#/$defs/listen"},
              "dns_name": s("a public DNS name every VPC resolver answers with the host's address; not under amazonaws.com, ec2.internal or compute.internal",
                            pattern=r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")},
             ["name", "ip"], "a simulated public host; its address is not private"),
 "resource": obj({
     "name": NAME, "kind": s(enum=["generic", "ec2", "rds", "rds-proxy"]), "subnet": NAME,
     "security_groups": arr(NAME, minItems=1, maxItems=5, description="default: [\"default\"]"),
     "ip": {"$ref": "#/$defs/ipv4"},
     "public_ip": {"description": "an address or \"auto\"",
                   "anyOf": [{"$ref": "#/$defs/ipv4"}, {"const": "auto"}]},
     "publicly_accessible": B(), "listen": {"$ref": "#/$defs/listen"}, "command": s(),
     "user": {"description": "who runs command: a user name of this machine or a uid (default root)",
              "anyOf": [{"type": "string", "minLength": 1}, {"type": "integer", "minimum": 0}]},
     "connection_tracking": obj({
         "tcp_established_timeout": i(60, 432000, "seconds (AWS: 60..432000, default 432000)"),
         "udp_stream_timeout": i(60, 180, "seconds (AWS: 60..180, default 180)"),
         "udp_timeout": i(30, 60, "seconds (AWS: 30..60, default 30)")},
         desc="the ENI's connection-tracking timeouts, as EC2's"),
     "cni": obj({
         "container_id": s("the runtime's CNI_CONTAINERID", pattern="^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"),
         "ifname": s("the container's interface (CNI_IFNAME)"),
         "network": s("the CNI network name"),
         "link": i(0, 32767, "the router end e<link>")},
         desc="a container the CNI plugin attached (written by its ADD into the live "
              "topology; up refuses it; docs/CNI.md)"),
     "require_tls": B("v2, rds-proxy: clients must use TLS (default false)"),
     "engine": s("v2: a real database server run by vpcsim (v3: mysql is Debian's MariaDB server)",
                 enum=["postgres", "mysql"]),
     "port": i(1, 65535, "v2: the engine's port (postgres: 5432, mysql: 3306)"),
     "max_connections": i(1, None, "v2: the server's max_connections (postgres 6..5000, "
                          "mysql 10..100000)"),
     "instance_class": s("v3: an RDS DB instance class (db.t3.micro, db.m5.large, ...); "
                         "max_connections unless given: postgres LEAST(memory/9531392, 5000), "
                         "mysql memory/12582880",
                         pattern="^db\\.[a-z0-9]+\\.[a-z0-9]+$"),
     "master_username": s("v2"), "master_password": s("v2; never shown"),
     "secret": {**NAME, "description": "v2: an entry of the top-level secrets"},
     "target": {**NAME, "description": "v2, rds-proxy: the rds resource it pools"},
     "max_connections_percent": i(1, 100, "v2, rds-proxy (default 100)"),
     "max_idle_connections_percent": i(0, 100, "v2, rds-proxy (default 50)"),
     "connection_borrow_timeout_s": i(0, 3600, "v2, rds-proxy (default 120)"),
     "idle_client_timeout_s": i(1, 28800, "v2, rds-proxy (default 1800)"),
     "init_query": s("v3, rds-proxy: SQL run on each new database connection (avoids SET pinning)"),
     "auth": arr(obj({"secret": NAME,
                      "iam_auth": s("REQUIRED: only IAM auth tokens; DISABLED (default)",
                                    enum=["DISABLED", "REQUIRED"]),
                      "description": s()}, ["secret"]),
                 desc="v3, rds-proxy: Secrets Manager secrets the proxy logs in with (RDS Proxy's Auth)", minItems=1)},
     ["name", "subnet"], "a private server: database, proxy, instance"),
 "function": obj({
     "name": NAME, "memory_mb": i(128, 10240), "timeout_s": i(1, 900),
     "ephemeral_storage_mb": i(512, 10240),
     "environment": {"type": "object", "description": "at most 4 KB of keys and values",
                     "propertyNames": {"pattern": r"^[A-Za-z][A-Za-z0-9_]*$"},
                     "additionalProperties": {"type": "string"}},
     "handler": s("with runtime: file.function (java17: package.Class::method); without: a default command for invoke"),
     "reserved_concurrency": i(0, None),
     "vpc_config": obj({"subnets": arr(NAME, minItems=1, maxItems=16),
                        "security_groups": arr(NAME, minItems=1, maxItems=5)},
                       ["subnets", "security_groups"]),
     "runtime": s("v2: an AWS runtime identifier (python3.x, nodejsN.x, java17, provided.al2023, provided.al2)",
                  pattern=r"^(python3\.[0-9]+|nodejs[0-9]+\.x|provided(\.al2|\.al2023)?|java[0-9]+(\.al2)?|dotnet[0-9]+|ruby[0-9]+\.[0-9]+)$"),
     "code": s("v2: a folder or a .zip (or .jar), relative to the topology file"),
     "image": s("v2: an OCI image layout folder or a docker/podman save archive"),
     "image_config": obj({"entry_point": arr(s()), "command": arr(s()), "working_directory": s()},
                         desc="v2: overrides of the image's ENTRYPOINT, CMD, WORKDIR"),
     "role": s("v3: the execution role's name (default NAME-role)", pattern=r"^[\w+=,.@-]{1,64}$"),
     "logging_config": obj({"log_format": s(enum=["Text", "JSON"]),
                            "application_log_level": s(enum=["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]),
                            "system_log_level": s(enum=["DEBUG", "INFO", "WARN"])},
                           desc="v3: Lambda's LoggingConfig; levels with JSON only (default INFO)"),
     "layers": arr(s("a zip or a folder, relative to the topology file"), maxItems=5,
                   desc="v3: layers, seen in order as one read-only /opt (a later one's files win)"),
     "maximum_retry_attempts": i(0, 2, "v3: retries of a failed asynchronous invoke (default 2)"),
     "maximum_event_age_s": i(60, 21600, "v3: oldest an asynchronous event may be (default 21600)"),
     "events": arr(obj({"type": s(enum=["schedule", "s3", "http_api"]),
                        "expression": s("schedule: EventBridge rate() or cron()"),
                        "bucket": s("s3: a bucket of aws.s3.buckets"),
                        "events": arr(s("s3: s3:ObjectCreated:*, :Put, :Copy, :CompleteMultipartUpload, s3:ObjectRemoved:*, ..."), minItems=1),
                        "prefix": s("s3: key prefix filter"), "suffix": s("s3: key suffix filter"),
                        "method": s("http_api: the route's method (default ANY)",
                                    enum=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"]),
                        "path": s("http_api: /path with {param} segments, a last {name+}, or $default")},
                       ["type"]),
                   desc="v3: event sources: schedules and S3 notifications invoke the function asynchronously "
                        "(docs/EVENTS.md), http_api routes synchronously (docs/HTTP-API.md)")},
     ["name"], "a Lambda function; without vpc_config it runs in the Lambda service VPC"),
 "expectation": obj({"from": NAME,
                     "to": {"description": "a node name, an IPv4 address, or http_api (the topology's HTTP API)",
                            "anyOf": [NAME, {"$ref": "#/$defs/ipv4"}, {"const": "http_api"}]},
                     "port": i(1, 65535), "proto": s(enum=["tcp", "udp", "icmp"]),
                     "result": s(enum=["open", "refused", "timeout"])},
                    ["from", "to", "result"], "what a client sees: open, refused (RST) or timeout (dropped)"),
 "secret": obj({"name": NAME,
                "value": {"type": "object", "required": ["username", "password"],
                          "properties": {"username": s(), "password": s()},
                          "additionalProperties": {"type": ["string", "number"]}}},
               ["name", "value"], "v2: a Secrets Manager secret (its JSON shape)"),
}
schema = {
 "$schema": "https://json-schema.org/draft/2020-12/schema",
 "$id": "urn:vpcsim:topology",
 "title": "vpcsim topology",
 "description": "A vpcsim topology file (v1 with the v2 additions). The schema checks keys, types and name patterns; vpcsim validate checks the rest (CIDR containment, references, limits).",
 "type": "object", "additionalProperties": False, "required": ["name"],
 "properties": {
   "name": s("topology name; prefixes kernel object names", pattern=r"^[a-z][a-z0-9-]{0,11}$"),
   "account_id": s(pattern=r"^[0-9]{12}$"), "region": s(),
   "conntrack_allowance": i(1, 1 << 20, "tracked connections per ENI (default 16384)"),
   "lambda": obj({"eni_mode": s(enum=["hyperplane", "per-sandbox"]),
                  "concurrency_limit": i(1, 1000000), "service_cidr": {"$ref": "#/$defs/cidr"}}),
   "internet": obj({"hosts": arr({"$ref": "#/$defs/host"})}),
   "vpcs": arr({"$ref": "#/$defs/vpc"}), "peerings": arr({"$ref": "#/$defs/peering"}),
   "resources": arr({"$ref": "#/$defs/resource"}), "functions": arr({"$ref": "#/$defs/function"}),
   "expect": arr({"$ref": "#/$defs/expectation"}), "secrets": arr({"$ref": "#/$defs/secret"}),
   "aws": obj({"services": arr(s(enum=["s3", "dynamodb", "secretsmanager", "sts", "lambda"]),
                               "v3: the services served in the simulated internet (default: all of them)"),
               "s3": obj({"buckets": arr(obj({"name": s("S3's bucket naming rules",
                                                        pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")},
                                             ["name"]))},
                         desc="v3: buckets that exist at up"),
               "dynamodb": obj({"tables": arr(obj({"name": s(pattern=r"^[a-zA-Z0-9_.-]{3,255}$"),
                                                   "hash_key": s(minLength=1, maxLength=255)},
                                                  ["name", "hash_key"]))},
                               desc="v3: tables that exist at up (a string hash key)")},
              desc="v3: AWS services in the simulated internet (docs/AWS-SERVICES.md)"),
   "cloudfront": arr(obj({"name": NAME, "origin": s("an internet host's name that serves HTTP, or \"http_api\" for the topology's HTTP API (HTTPS, verified with the topology's CA)"),
                          "origin_port": i(1, 65535, "the origin's port (default 80; the HTTP API: 443 only)"),
                          "lambda_associations": arr(obj({
                              "event_type": s(enum=["viewer-request", "origin-request", "origin-response", "viewer-response"]),
                              "function": NAME,
                              "include_body": {"type": "boolean", "description": "request events: the body goes to the function"}},
                              ["event_type", "function"]), maxItems=4)},
                         ["name", "origin"]),
                     maxItems=16, desc="v3: CloudFront distributions with Lambda@Edge, in the AWS zone (docs/EDGE.md); needs \"aws\""),
 },
 "$defs": defs,
}
TCPUDP = {"properties": {"proto": {"enum": ["tcp", "udp", "6", "17", 6, 17]}}, "required": ["proto"]}
NOTICMP = {"properties": {"proto": {"enum": ["icmp", "1", 1]}}, "required": ["proto"]}
for r in ("sg_rule", "nacl_rule"):
    defs[r]["allOf"] = [
        {"if": TCPUDP, "then": {"required": ["ports"]}},
        {"if": NOTICMP, "else": {"properties": {"icmp_type": False, "icmp_code": False}}},
    ]
# A runtime runs a code package (CreateFunction: MissingParameter without it).
defs["function"]["dependentRequired"] = {"runtime": ["code"]}
defs["expectation"]["if"] = {"properties": {"proto": {"const": "icmp"}}, "required": ["proto"]}
defs["expectation"]["then"] = {"properties": {"port": False}}
defs["expectation"]["else"] = {"required": ["port"]}
defs["resource"]["if"] = {"properties": {"kind": {"const": "rds-proxy"}}, "required": ["kind"]}
defs["resource"]["then"] = {"properties": {"publicly_accessible": {"const": False}, "public_ip": False}}
print(json.dumps(schema, indent=2))
