#!/bin/bash
# Container-image functions get the AWS setup of package functions
# (docs/AWS-SERVICES.md, "HTTPS and the CA"): boto3 inside an image, called
# unmodified (no endpoint_url, no verify=, no keys), resolves through the
# node's resolver, trusts the topology's CA and signs with the execution
# role's temporary credentials. The image ships no CA and a resolv.conf
# naming no resolver of the simulation (data/aws_image/build.sh), and
# vpcsim changes none of the image's files: it mounts its own over them.
# The same for the AWS SDK for JavaScript v3 in a Node.js image
# (data/aws_image/build_node.sh).
. "$(dirname "$0")/lib.sh"
plan 16
T=$(unique_name)
mkdir -p "$TMP/aws_image"
check "the boto3 image built" "$ROOT/tests/integration/data/aws_image/build.sh" \
	"$TMP/aws_image/boto3.tar" "$ROOT/runtimes/python"
check "the SDK v3 (Node.js) image built" "$ROOT/tests/integration/data/aws_image/build_node.sh" \
	"$TMP/aws_image/sdk3.tar" "$ROOT/runtimes/nodejs"
topo_copy "$ROOT/tests/integration/data/aws_image.json" "$T"
field() { /usr/bin/python3 -c "import json; j=json.load(open('$TMP/$1.json')); print($2)" 2>&1; }
inv() { V invoke -t "$T" "$1" >"$TMP/$1.json" 2>"$TMP/$1.log"; }

check "up $T" V up "$F"
inv img
is "boto3 in an image: sts get-caller-identity is the assumed role" \
	"arn:aws:sts::123456789012:assumed-role/img-role/img" "$(field img 'j.get("arn", j)')"
is "... with the role's temporary key (ASIA...) and session token in the environment" \
	"ASIA True" "$(field img 'j["key"], j["token"]')"
is "boto3 in an image: S3 put_object then get_object over HTTPS" "written from an image" \
	"$(field img 'j.get("s3", j.get("error", j))')"
inv imgnode
is "SDK v3 in a Node.js image: GetCallerIdentity is the assumed role" \
	"arn:aws:sts::123456789012:assumed-role/imgnode-role/imgnode" "$(field imgnode 'j.get("arn", j)')"
is "... with the role's temporary key (ASIA...) and session token" "ASIA True" "$(field imgnode 'j["key"], j["token"]')"
is "SDK v3 in a Node.js image: S3 PutObject then GetObject over HTTPS" "written from a Node.js image" \
	"$(field imgnode 'j.get("s3", j.get("error", j))')"
inv imgvpc
is "a VPC image function behind NAT: its VPC's resolver, the CA, its role" \
	"arn:aws:sts::123456789012:assumed-role/image-exec/imgvpc" "$(field imgvpc 'j.get("arn", j)')"
R=/run/vpcsim/$T/code/img/rootfs
is "the image's own resolv.conf is left as it shipped (vpcsim's is mounted over it)" \
	"nameserver 192.0.2.53" "$(cat "$R/etc/resolv.conf")"
is "the CA bundle's mount point in the image is an empty file vpcsim made" 0 "$(stat -c %s "$R/var/vpcsim/ca-bundle.pem")"
V exec -t "$T" img -- python3 -c 'print(open("/etc/resolv.conf").read().split("\n")[1])' \
	</dev/null >"$TMP/out" 2>&1
is "exec in the image function: /etc/resolv.conf names the resolver" "nameserver 169.254.169.253" "$(cat "$TMP/out")"
V exec -t "$T" img -- python3 -c 'import socket; print(socket.gethostbyname("sts.us-east-1.amazonaws.com"))' \
	</dev/null >"$TMP/out" 2>&1
is "exec in the image function: the service name resolves" 198.18.0.13 "$(cat "$TMP/out")"
check "down $T" V down "$T"
check_fails "nothing of $T left in /run/vpcsim" test -e "/run/vpcsim/$T"
