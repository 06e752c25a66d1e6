#!/bin/bash
# `make demo`: the classic lessons of Lambda networking, each a short titled
# step that runs real probes and invokes on topologies from examples/ and
# shows their result, `vpcsim reach`'s explanation and the VPC Flow Log
# lines the packets left (`vpcsim flows`). Everything it brings up is taken
# down at the end, also on Ctrl-C or failure.
#
#   scripts/demo.sh [--step] [--serverless|--no-serverless]
#     --step   pause before each lesson (Enter to go on; read from /dev/tty)
#     --serverless     only lessons 13-16 (S3 events, the HTTP API, Lambda@Edge, schedules)
#     --no-serverless  every lesson but those (tests run the two parts apart)
#
# Environment: VPCSIM_DEMO_NAME  prefix of the topology names (default
# "demo"; at most 6 characters: the names are PREFIX-lv, PREFIX-nacl ...);
# NO_COLOR  plain output even on a terminal; VPCSIM  the binary;
# DEMO_STORM_N  invokes in the connection storm (default 200, or fewer
# when memory is short: each environment of its function holds about
# 40 MiB, and the demo keeps half of MemAvailable free; at least 20).
# Its warm-up makes them at the machine's rate: at least a minute on two
# idle cores (0.65 s of CPU a cold start), far longer on a busy machine
# (18 minutes at load 14 on the shared VM: DEMO_STORM_N=40 then).
set -u
cd "$(dirname "$0")/.."
V=${VPCSIM:-build/vpcsim}
P=${VPCSIM_DEMO_NAME:-demo}
STORM_N=$(awk '/^MemAvailable:/ { n = int($2 / 1024 / 2 / 40); print (n > 200 ? 200 : (n < 20 ? 20 : n)) }' /proc/meminfo)
STORM_N=${DEMO_STORM_N:-$STORM_N}
STEP=0 PART=all
for a in "$@"; do
	case $a in
	--step) STEP=1 ;;
	--serverless) PART=serverless ;;
	--no-serverless) PART=core ;;
	*) echo "usage: scripts/demo.sh [--step] [--serverless|--no-serverless]" >&2; exit 2 ;;
	esac
done
if [ "$(id -u)" != 0 ]; then
	echo "make demo needs root: sudo make demo" >&2
	exit 3
fi
if ! [[ $P =~ ^[a-z][a-z0-9-]{0,5}$ ]]; then
	echo "VPCSIM_DEMO_NAME '$P': 1 to 6 of a-z, 0-9, '-', a letter first" >&2
	exit 2
fi

# ---- presentation ----
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && tput colors >/dev/null 2>&1; then
	B=$(tput bold) D=$(tput dim 2>/dev/null || true) R=$(tput sgr0)
	GREEN=$(tput setaf 2) RED=$(tput setaf 1) YELLOW=$(tput setaf 3) CYAN=$(tput setaf 6)
else
	B="" D="" R="" GREEN="" RED="" YELLOW="" CYAN=""
fi
LESSON=0
lesson() { # title
	LESSON=$((LESSON + 1))
	if [ "$STEP" = 1 ] && [ "$LESSON" -gt 1 ] && { : </dev/tty; } 2>/dev/null; then
		printf '%s[Enter for lesson %d]%s' "$D" "$LESSON" "$R"
		read -r _ </dev/tty
	fi
	echo
	echo "${B}${CYAN}== Lesson $LESSON: $1${R}"
}
say() { echo "$*" | fold -s -w 78; }
# Colour the verdict words of probe, reach and check output.
paint() {
	sed -e "s/: open\b/: ${GREEN}open${R}/; s/: timeout\b/: ${RED}timeout${R}/; s/: refused\b/: ${YELLOW}refused${R}/" \
	    -e "s/\bREJECT\b/${RED}REJECT${R}/; s/\bACCEPT\b/${GREEN}ACCEPT${R}/"
}
show() { # the command line as a reader would type it: vpcsim ARGS
	local a line="\$ vpcsim"
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./:=,@+-]+$ ]]; then line+=" $a"; else line+=" '$a'"; fi
	done
	echo "${B}${line}${R}"
}
run() { # binary args...: shown, then run
	show "${@:2}"
	"$@" 2>&1 | paint
}
# A real connection attempt; a result other than the lesson's is counted.
MISSED=0
probe() { # expected topo from to port
	local want=$1 t=$2
	shift 2
	show probe -t "$t" "$@"
	"$V" probe -t "$t" "$@" --timeout-ms 1000 --expect "$want" >"$WORK/probe" 2>&1 ||
		MISSED=$((MISSED + 1))
	paint <"$WORK/probe"
}
reach() { # topo from to port: the analysis, no packet
	local t=$1
	shift
	run "$V" reach -t "$t" "$@"
}
# The flow-log lines that are new or grew since the last call for topo.
flows_new() { # topo
	local t=$1 f=$WORK/flows.$1
	[ -f "$f" ] || : >"$f"
	"$V" flows "$t" 2>/dev/null | sort >"$f.now"
	echo "${B}\$ vpcsim flows $t${R}   ${D}(the new lines: version account eni src dst sport dport proto packets bytes start end action status)${R}"
	if ! comm -13 "$f" "$f.now" | grep .; then
		echo "  (no new record: the packet never reached an ENI of a VPC)"
	fi | paint
	mv "$f.now" "$f"
}

# ---- topologies: copies of the examples under the demo's names ----
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vpcsim-demo.XXXXXX")
UP=()
cleanup() {
	local t failed=0
	trap - EXIT INT TERM
	for t in "${UP[@]}"; do
		if ! "$V" down "$t" >/dev/null 2>&1; then
			echo "demo: down $t failed: run sudo build/vpcsim down $t" >&2
			failed=1
		fi
	done
	[ ${#UP[@]} -gt 0 ] && [ $failed = 0 ] && echo && echo "Everything the demo brought up is down again (${UP[*]})."
	rm -rf "$WORK"
	[ $failed = 0 ] || exit 1 # (in the EXIT trap: the demo's status)
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM
up() { # example-file topo-name
	local f=$WORK/$2.json
	sed '0,/"name": *"[^"]*"/s//"name": "'"$2"'"/' "examples/$1" >"$f"
	"$V" status "$2" >/dev/null 2>&1 && "$V" down "$2" >/dev/null
	UP+=("$2")
	echo "${D}(up examples/$1 as topology $2)${R}"
	if ! "$V" up "$f" >"$WORK/up.$2" 2>&1; then
		cat "$WORK/up.$2"
		echo "demo: up examples/$1 failed" >&2
		return 1
	fi
}

finish() { # the closing lines; exit 1 when a lesson missed its result
	echo
	echo "${B}Done in $(($(date +%s) - T0)) s.${R} Next: examples/README.md, \`sudo build/vpcsim check examples/lambda-vpc.json\`,"
	echo "and \`sudo build/vpcsim up examples/demo.json\` to explore (README.md has a tour)."
	if [ "$MISSED" -gt 0 ]; then
		echo "demo: $MISSED probe(s) did not give the lesson's result (see above)" >&2
		exit 1
	fi
}

# ---- the serverless patterns (docs/EVENTS.md, HTTP-API.md, EDGE.md) ----
# The AWS CLI in topo's internet host client, with the topology's CA and
# credentials (/usr/bin/aws: an older one on PATH breaks S3 uploads).
aws_client() { # topo args...
	local t=$1
	shift
	"$V" ca -t "$t" >"$WORK/ca.$t.pem"
	echo "${B}\$ vpcsim exec -t $t client -- aws $*${R}"
	(eval "$("$V" credentials -t "$t")" && "$V" exec -t "$t" client -- env -C "$WORK" AWS_CA_BUNDLE="$WORK/ca.$t.pem" \
		/usr/bin/aws --cli-connect-timeout 5 --cli-read-timeout 30 "$@") 2>&1 | paint
}
# curl in a node of topo, trusting the topology's CA.
curl_in() { # topo node args...
	local t=$1 n=$2
	shift 2
	"$V" ca -t "$t" >"$WORK/ca.$t.pem"
	echo "${B}\$ vpcsim exec -t $t $n -- curl --cacert ca.pem $*${R}"
	"$V" exec -t "$t" "$n" -- curl --cacert "$WORK/ca.$t.pem" --max-time 30 "$@" 2>&1 | tr -d '\r'
	echo
}
# A field of `status --json`.
status_get() { # topo python-subscript
	"$V" status "$1" --json | python3 -c "import json,sys; print(json.load(sys.stdin)$2)"
}
# Wait (up to 3 minutes) for the end of fn's asynchronous event in the
# event service's log; show its lines; one other than want is a miss.
event_end() { # topo fn want(delivered|given-up)
	local log=/run/vpcsim/$1/logs/events.log
	for _ in $(seq 900); do grep -qE " $2 (delivered|given-up)" "$log" 2>/dev/null && break; sleep 0.2; done
	echo "${B}\$ tail /run/vpcsim/$1/logs/events.log${R}"
	grep -E "^[^ ]+ [^ ]+ $2 " "$log" | paint
	grep -qE " $2 $3" "$log" || MISSED=$((MISSED + 1))
	show logs -t "$1" "$2"
	"$V" logs -t "$1" "$2" 2>&1 | grep -E ' (EVENT|REPORT|[^ ]+ Task timed out)' | paint
}

# Lessons 13-16 (`--serverless` runs only these, `--no-serverless` all
# but these). The body is not indented: its strings span lines.
serverless_lessons() {
THUMB=$P-thumb TVPC=$P-tvpc API=$P-api EDGE=$P-edge CRON=$P-cron
lesson "an S3 upload starts a function; in a VPC it needs a gateway endpoint"
cp -r examples/thumbnail "$WORK/" # its code, beside the copies
/usr/bin/python3 -c 'from PIL import Image; import sys; Image.new("RGB", (640, 480), (200, 30, 30)).save(sys.argv[1])' "$WORK/photo.jpg"
up thumbnail.json "$THUMB" || exit 1
say "examples/thumbnail.json: bucket uploads notifies the function thumbnail
of every .jpg created under in/. The event service invokes it asynchronously
with S3's record; it resizes the image (Pillow) and writes thumbnails/ and a
DynamoDB item with boto3. The upload is the AWS CLI's, from an internet host."
aws_client "$THUMB" s3 cp --no-progress photo.jpg s3://uploads/in/photo.jpg
event_end "$THUMB" thumbnail delivered
aws_client "$THUMB" s3 ls s3://uploads/thumbnails/
aws_client "$THUMB" dynamodb get-item --table-name images --key '{"id": {"S": "in/photo.jpg"}}' \
	--query 'Item.[id.S, thumbnail.S, width.N, height.N, thumb_width.N, thumb_height.N]' --output text
"$V" down "$THUMB" >/dev/null
say "examples/thumbnail-vpc.json puts the same function in two private subnets
of a VPC without internet access, first without its S3 gateway endpoint: the
notification arrives (the event service invokes the function from outside the
VPC), but boto3's connection to S3 hangs until the function's 30 s timeout."
python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); t["name"]=sys.argv[2]
for v in t["vpcs"]: v["endpoints"] = [e for e in v["endpoints"] if e["service"] != "s3"]
json.dump(t, open(sys.argv[3], "w"))' examples/thumbnail-vpc.json "$TVPC" "$WORK/tvpc-none.json"
UP+=("$TVPC")
echo "${D}(up examples/thumbnail-vpc.json without its s3 endpoint as topology $TVPC)${R}"
"$V" up "$WORK/tvpc-none.json" >"$WORK/up.$TVPC" 2>&1 || { cat "$WORK/up.$TVPC"; exit 1; }
aws_client "$TVPC" s3 cp --no-progress photo.jpg s3://uploads/in/photo.jpg
event_end "$TVPC" thumbnail given-up
reach "$TVPC" thumbnail s3.us-east-1.amazonaws.com 443
"$V" down "$TVPC" >/dev/null
say "With the gateway endpoint (a pl-63a5400a route in the subnets' table), the
same upload makes its thumbnail, and no packet leaves for the internet."
up thumbnail-vpc.json "$TVPC" || exit 1
aws_client "$TVPC" s3 cp --no-progress photo.jpg s3://uploads/in/photo.jpg
event_end "$TVPC" thumbnail delivered
aws_client "$TVPC" dynamodb get-item --table-name images --key '{"id": {"S": "in/photo.jpg"}}' \
	--query 'Item.[id.S, thumbnail.S, thumb_width.N, thumb_height.N]' --output text
"$V" down "$TVPC" >/dev/null

lesson "functions behind an HTTP API (API Gateway)"
cp -r examples/api "$WORK/"
up api.json "$API" || exit 1
H=$(status_get "$API" '["http_api"]["endpoint"]')
say "examples/api.json: the topology's HTTP API, in the simulated internet, is
$H
items takes GET /items/{id} and POST /items, echo takes \$default; a request
invokes its route's function synchronously with payload format 2.0."
curl_in "$API" client -si "${H}items/42?color=red"
curl_in "$API" client -s -X POST -H 'content-type: application/json' -d '{"name": "pen"}' "${H}items"
say "echo answers with the event it got: from worker, in a private subnet, the
API sees the NAT gateway's public address as sourceIp."
curl_in "$API" worker -s "${H}any/path" | python3 -c 'import json,sys
for l in sys.stdin: # the event, cut to what the lesson is about
    if l.startswith("{"):
        e = json.loads(l)
        l = json.dumps({"routeKey": e["routeKey"], "rawPath": e["rawPath"], "sourceIp": e["requestContext"]["http"]["sourceIp"]}) + "  ..."
    print(l.rstrip())'
say "The API is a public endpoint: offline's subnet has no way out."
reach "$API" offline http_api 443
"$V" down "$API" >/dev/null

lesson "Lambda@Edge: functions on a CloudFront distribution's requests"
cp -r examples/edge "$WORK/"
up edge.json "$EDGE" || exit 1
CDN=$(status_get "$EDGE" '["distributions"][0]["domain_name"]')
say "examples/edge.json: distribution cdn, $CDN,
in front of the internet host web, a function on each of its four events.
web serves examples/edge/site/:"
show exec -t "$EDGE" web -- python3 examples/edge/origin.py 80 "/run/vpcsim/$EDGE" '&'
# Started by a shell that exits at once: not a job of the demo's (whose
# end bash would report); it stops when the state folder goes, or by kill.
ORIGIN=$(sh -c '"$0" exec -t "$1" web -- python3 "$2" 80 "/run/vpcsim/$1" >/dev/null 2>&1 & echo $!' \
	"$V" "$EDGE" "$WORK/edge/origin.py")
for _ in $(seq 150); do
	"$V" exec -t "$EDGE" client -- curl -s -o /dev/null --max-time 2 http://origin.example.com/ && break
	sleep 0.2
done
say "auth, on viewer-request, answers /hello itself (the origin never sees it)
and refuses /private/ without an Authorization header:"
curl_in "$EDGE" client -si "https://$CDN/hello"
curl_in "$EDGE" client -si "https://$CDN/private/report"
say "Everything else goes through all four: route (origin-request) turns /docs/
into /docs/index.html, headers (origin-response) adds security headers, stamp
(viewer-response) the distribution's id:"
curl_in "$EDGE" client -s -D - -o /dev/null "https://$CDN/docs/"
say "Lambda@Edge's rules hold at validation: a viewer function of 1024 MB is refused."
python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))
for f in t["functions"]:
    if f["name"] == "auth": f["memory_mb"] = 1024
json.dump(t, open(sys.argv[2], "w"))' "$WORK/$EDGE.json" "$WORK/edge-1024mb.json"
show validate edge-1024mb.json
"$V" validate "$WORK/edge-1024mb.json" 2>&1 | sed "s|$WORK/||" | paint
kill "$ORIGIN" 2>/dev/null
while kill -0 "$ORIGIN" 2>/dev/null; do sleep 0.1; done
"$V" down "$EDGE" >/dev/null

lesson "a serverless cron job: EventBridge schedules"
cp -r examples/cron "$WORK/"
up cron.json "$CRON" || exit 1
say "examples/cron.json: the function job on two EventBridge schedules,
rate(1 minute) and cron(0 12 ? * MON-FRI *). The topology's event service
keeps their clocks and invokes job asynchronously with EventBridge's
scheduled event; events fire sends one now instead of waiting a minute."
"$V" status "$CRON" | grep -A3 '^EVENT SOURCE' | paint
run "$V" events fire -t "$CRON" job
event_end "$CRON" job delivered
"$V" logs -t "$CRON" job 2>&1 | grep -m1 ' tick at ' | paint
say "EventBridge's rules hold at validation, in its words: no rate under a
minute, six cron fields."
python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))
t["functions"][0]["events"][0]["expression"] = "rate(30 seconds)"
json.dump(t, open(sys.argv[2], "w"))' "$WORK/$CRON.json" "$WORK/cron-30s.json"
show validate cron-30s.json
"$V" validate "$WORK/cron-30s.json" 2>&1 | sed "s|$WORK/||" | paint
"$V" down "$CRON" >/dev/null
}

LV=$P-lv NACL=$P-nacl PEER=$P-peer LIM=$P-lim RDS=$P-rds TUNE=$P-tune VPCE=$P-vpce
T0=$(date +%s)
echo "${B}vpcsim: Lambda networking, lesson by lesson${R}"
say "Every result below comes from real packets between network namespaces
(probe), real processes (invoke) and vpcsim's analysis (reach), on topologies
from examples/ (see examples/README.md). A packet the VPC drops times out, as
in AWS: nothing answers it. Only a host where nothing listens refuses."
if [ "$PART" = serverless ]; then
	LESSON=12 # they keep their numbers
	serverless_lessons
	finish
	exit 0
fi
up lambda-vpc.json "$LV" || exit 1

lesson "a function without VPC config reaches the internet, not your database"
say "default-fn has no vpc_config: it runs in the Lambda service VPC."
probe open "$LV" default-fn api 443
probe timeout "$LV" default-fn db 5432
reach "$LV" default-fn db 5432
flows_new "$LV"

lesson "a VPC function reaches the database, and the internet only through a NAT gateway"
say "isolated-fn is in subnet isolated-a, whose route table has the local route
only. A route cannot be changed on a running topology, so the NAT case is a
second function: private-fn, in private-a, whose table sends 0.0.0.0/0 to the
NAT gateway nat-a in the public subnet."
probe open "$LV" isolated-fn db 5432
probe timeout "$LV" isolated-fn api 443
reach "$LV" isolated-fn api 443
probe open "$LV" private-fn api 443
reach "$LV" private-fn api 443
flows_new "$LV"
say "Flow logs are written at ENIs: isolated-fn's packet to api shows ACCEPT at its
ENI, because the route table dropped it after the ENI, where no record is made."

lesson "a function in a public subnet still has no internet"
say "public-fn's subnet routes 0.0.0.0/0 to the internet gateway, but a function
never has a public address, and the gateway drops what has none."
probe timeout "$LV" public-fn api 443
reach "$LV" public-fn api 443
flows_new "$LV"

lesson "a missing security group rule times out (not refused); authorizing it fixes it live"
say "db listens on 5432 and 6432; its group admits only tcp 5432 from group lambda."
probe timeout "$LV" private-fn db 6432
reach "$LV" private-fn db 6432
flows_new "$LV"
run "$V" sg authorize -t "$LV" app/db --ingress '{"proto":"tcp","ports":"6432","sg":"lambda"}'
probe open "$LV" private-fn db 6432
flows_new "$LV"

lesson "cold and warm starts"
say "An invoke takes an idle execution environment of the function, or makes one
(a cold start: Init Duration in the REPORT line). The probes above left one
idle; detach removes it, so the next invoke is cold and the one after warm."
run "$V" detach -t "$LV" private-fn --all
run "$V" invoke -t "$LV" private-fn -- sh -c 'echo "DB_HOST=$DB_HOST"'
run "$V" invoke -t "$LV" private-fn -- sh -c 'echo "DB_HOST=$DB_HOST"'

lesson "a network ACL without the ephemeral ports breaks the replies"
up nacl-ephemeral-ports.json "$NACL" || exit 1
say "NACLs are stateless: the reply to a connection to db:5432 comes back to the
client's ephemeral port (32768-60999 here). broken-fn's subnet admits only tcp
5432 inbound; fixed-fn's subnet also admits tcp 1024-65535."
probe timeout "$NACL" broken-fn db 5432
reach "$NACL" broken-fn db 5432
flows_new "$NACL"
probe open "$NACL" fixed-fn db 5432
"$V" down "$NACL" >/dev/null

lesson "peering is not transitive"
up peering.json "$PEER" || exit 1
say "VPC a is peered with b, b with c, and a's route table sends c's CIDR to the
peering a-b. Traffic that came in by a peering may go only to that VPC."
probe open "$PEER" host-a host-b 22
probe open "$PEER" host-b host-c 22
probe timeout "$PEER" host-a host-c 22
probe timeout "$PEER" fn-a host-c 22
reach "$PEER" fn-a host-c 22
flows_new "$PEER"
"$V" down "$PEER" >/dev/null

lesson "limits: timeout, memory, /tmp, concurrency"
up limits.json "$LIM" || exit 1
say "Each function runs its handler (examples/limits.json) under its limits."
run "$V" invoke -t "$LIM" quick
run "$V" invoke -t "$LIM" small
run "$V" invoke -t "$LIM" scratch
echo "${B}\$ vpcsim invoke -t $LIM capped -- sleep 1   ${D}(three at once; reserved_concurrency 2)${R}"
for i in 1 2 3; do "$V" invoke -t "$LIM" capped -- sleep 1 >"$WORK/cap.$i" 2>&1 & done
wait
cat "$WORK"/cap.* | paint
"$V" down "$LIM" >/dev/null

lesson "memory buys CPU: power tuning"
cp -r examples/power-tuning "$WORK/" # its code, beside the copy
up power-tuning.json "$TUNE" || exit 1
say "Lambda gives CPU in proportion to memory (1,769 MB is one vCPU). tune
invokes the CPU-bound function spin at each size: the duration falls as
memory grows, the cost per invocation (GB-seconds x price) finds its floor."
run "$V" tune -t "$TUNE" spin --memory 128,256,512,1024,1769 --runs 3
"$V" down "$TUNE" >/dev/null

lesson "the connection storm, and RDS Proxy"
cp -r examples/rds-proxy "$WORK/" # orders' and app's code (they read the password from Secrets Manager)
if up rds-proxy.json "$RDS"; then
	say "A real PostgreSQL (max_connections 20) and vpcsim-rds-proxy as RDS Proxy.
boto3 sends $STORM_N concurrent invokes of the VPC function app to vpcsim serve
(the Invoke API); each runs in an execution environment of its own, reads the
password from Secrets Manager at init, opens a connection and holds it 2 s:
first straight at the database, then through the proxy. The warm-up doubles the
load until app has $STORM_N environments: serve gives each concurrent invoke an
environment of its own, so their count (vpcsim status) rises with the load,
made a few cold starts at a time, each init within Lambda's 10 s limit. Then the
storm sends the $STORM_N at once."
	echo "${B}\$ bench/storm.sh -t $RDS -n $STORM_N db${R}"
	VPCSIM=$V bench/storm.sh -t "$RDS" -n "$STORM_N" -s 2 db 2>&1 | grep -v '^RESULT' | paint
	echo "${B}\$ bench/storm.sh -t $RDS -n $STORM_N proxy${R}"
	VPCSIM=$V bench/storm.sh -t "$RDS" -n "$STORM_N" -s 2 proxy 2>&1 | grep -v '^RESULT' | paint
	say "Straight at the database most invokes are refused (SQLSTATE 53300): one
connection per environment; through the proxy the same environments queue for
a pooled connection and all succeed."
	say "Second act: pinning. Each session now queries, does 3 s of other work, and
queries again. Without SET the proxy lends a connection per transaction and the
database sees a handful; with a SET in the handler every session is pinned to its
connection until it ends, and the database's count climbs again."
	echo "${B}\$ bench/storm.sh -t $RDS -n $STORM_N -s 3 -m idle proxy${R}"
	VPCSIM=$V bench/storm.sh -t "$RDS" -n "$STORM_N" -s 3 -m idle proxy 2>&1 | grep -v '^RESULT' | paint
	echo "${B}\$ bench/storm.sh -t $RDS -n $STORM_N -s 3 -m set proxy   ${D}(and vpcsim metrics proxy, 5 s in)${R}"
	VPCSIM=$V bench/storm.sh -t "$RDS" -n "$STORM_N" -s 3 -m set proxy >"$WORK/set" 2>&1 &
	sleep 5
	"$V" metrics -t "$RDS" proxy | grep -E 'ClientConnections |DatabaseConnections |Pinned|Waiting' | paint
	wait
	grep -v '^RESULT' "$WORK/set" | paint
	say "The cure AWS documents: move the SET into the proxy's InitQuery. The proxy
iq runs it on every database connection it opens, so no session pins."
	echo "${B}\$ bench/storm.sh -t $RDS -n $STORM_N -s 3 -m idle iq${R}"
	VPCSIM=$V bench/storm.sh -t "$RDS" -n "$STORM_N" -s 3 -m idle iq 2>&1 | grep -v '^RESULT' | paint
else
	echo "  (skipped: the engines could not start; install postgresql: sudo make deps)"
fi

lesson "AWS from a private subnet: no NAT, no endpoint, a timeout; a gateway endpoint"
say "examples/endpoints.json without its endpoints: a VPC with no internet gateway,
and boto3 code (examples/endpoints/app.py, no endpoint_url) writing to S3 from
the private subnet. Nothing routes to S3: the SDK's connection times out."
cp -r examples/endpoints "$WORK/endpoints"
python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); t["name"]=sys.argv[2]
for v in t["vpcs"]: v.pop("endpoints", None)
json.dump(t, open(sys.argv[3], "w"))' examples/endpoints.json "$VPCE" "$WORK/vpce-none.json"
UP+=("$VPCE")
echo "${D}(up examples/endpoints.json without \"endpoints\" as topology $VPCE)${R}"
"$V" up "$WORK/vpce-none.json" >"$WORK/up.$VPCE" 2>&1 || { cat "$WORK/up.$VPCE"; exit 1; }
run "$V" invoke -t "$VPCE" reader
reach "$VPCE" reader s3.us-east-1.amazonaws.com 443
"$V" down "$VPCE" >/dev/null
say "The same file with its gateway endpoint for S3 (the route pl-63a5400a ->
vpce-... in table private) and an interface endpoint for Secrets Manager: the
same code now succeeds, without any internet access."
up endpoints.json "$VPCE" || exit 1
run "$V" invoke -t "$VPCE" reader
reach "$VPCE" reader s3.us-east-1.amazonaws.com 443
say "The interface endpoint is an ENI with a security group: the private DNS name
secretsmanager.us-east-1.amazonaws.com resolves to it, and only callers its
group admits get through."
run "$V" invoke -t "$VPCE" stuck --payload '{"call": "secret"}'
run "$V" invoke -t "$VPCE" outsider --payload '{"call": "secret"}'
"$V" down "$VPCE" >/dev/null

lesson "your SAM template, as written"
SAM=$P-sam
say "examples/templates/sam-vpc/template.yaml is a SAM template as AWS's samples
write them: a VPC, subnets, a NAT gateway, security groups, a Serverless::Function
with CodeUri and VpcConfig, an RDS instance. vpcsim builds it as it stands; import
prints the topology it becomes, and lists on stderr what it does not map."
show import examples/templates/sam-vpc/template.yaml --name "$SAM"
"$V" import examples/templates/sam-vpc/template.yaml --name "$SAM" 2>&1 >/dev/null | head -4
UP+=("$SAM")
"$V" status "$SAM" >/dev/null 2>&1 && "$V" down "$SAM" >/dev/null
show up examples/templates/sam-vpc/template.yaml --name "$SAM"
if "$V" up examples/templates/sam-vpc/template.yaml --name "$SAM" >"$WORK/up.sam" 2>&1; then
	probe open "$SAM" orders-function orders-db 5432
	probe timeout "$SAM" orders-function orders-db 22
	reach "$SAM" orders-function orders-db 22
	run "$V" invoke -t "$SAM" orders-function
	"$V" down "$SAM" >/dev/null
	say "Containers join the same way through the CNI plugin (docs/CNI.md)."
else
	cat "$WORK/up.sam"
	MISSED=$((MISSED + 1))
fi

[ "$PART" = core ] || serverless_lessons
finish
