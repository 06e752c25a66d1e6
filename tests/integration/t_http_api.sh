#!/bin/bash
# The topology's API Gateway HTTP API (docs/HTTP-API.md) with real clients:
# curl from an internet host over HTTPS with the topology's CA, a resource
# and a VPC function (urllib) through the NAT gateway; payload format 2.0
# in (examples/api's echo function returns the event it got) and out
# (statusCode, headers, cookies, base64 bodies, plain results); route
# selection; API Gateway's errors (404, 500, 503 on throttle and on the
# integration timeout, shortened here by VPCSIM_HTTP_API_TIMEOUT_MS);
# malformed HTTP; the route keys' checks; and an asynchronous invoke of a
# function with reserved concurrency 0 failing at once (Lambda's rule).
. "$(dirname "$0")/lib.sh"
plan 32
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/http_api" "$TMP/http_api"
cp "$ROOT/examples/api/app.py" "$TMP/http_api/app.py"
topo_copy "$ROOT/tests/integration/data/http_api.json" "$T"

check "up $T" env VPCSIM_HTTP_API_TIMEOUT_MS=3000 "$VPCSIM" up "$F"
V ca -t "$T" >"$TMP/ca.pem"
H=$(V status -t "$T" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["http_api"]["endpoint"].split("/")[2])')
is "the API's name is API Gateway's: ID.execute-api.REGION.amazonaws.com" 1 \
	"$(echo "$H" | grep -cE '^[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com$')"
# req NODE CURL-ARGS...: headers to $TMP/h, body to $TMP/b, status printed
req() {
	local node=$1
	shift
	V exec -t "$T" "$node" -- curl -sS --max-time 30 --cacert "$TMP/ca.pem" -D "$TMP/h" -o "$TMP/b" \
		-w '%{http_code}' "$@" 2>"$TMP/err"
}
body() { tr -d '\r' <"$TMP/b"; }
hdr() { tr -d '\r' <"$TMP/h" | grep -i "^$1:" | cut -d' ' -f2- | paste -sd'|'; }
ev() { python3 -c "import json; j=json.load(open('$TMP/b')); print($1)"; }

# ---- payload format 2.0 out: a structured response -----------------------
code=$(req client -H 'Cookie: a=1; b=2' "https://$H/items/42?q=x%20y&q=z")
is "GET /items/{id}: the function's statusCode, headers and body" \
	'200 42 application/json {"id": "42", "query": {"q": "x y,z"}}' \
	"$code $(hdr x-item) $(hdr content-type) $(body)"
is "... each of its cookies a Set-Cookie header" 'last=42; Path=/|seen=1' "$(hdr set-cookie)"
is "... and API Gateway's apigw-requestid" 1 "$(hdr apigw-requestid | grep -cE '^[0-9a-f-]{36}$')"
code=$(req client -X POST -H 'content-type: application/json' -d '{"n":1}' "https://$H/items")
is "POST /items: 201 and the body the function made of the JSON body" '201 {"created": {"n": 1}}' "$code $(body)"

# ---- payload format 2.0 in: the event as the function got it -------------
code=$(req client -X PUT -H 'Cookie: c1=v1; c2=v2' -H 'X-Dup: one' -H 'X-Dup: two' \
	-H 'Content-Type: application/json' -A 'vpcsim-test/1' -d '{"k":"v"}' "https://$H/echo/a/b%20c?x=1&x=2&y=")
is "a plain object without statusCode: 200, application/json" "200 application/json" "$code $(hdr content-type)"
is "the event: version, routeKey, rawPath, rawQueryString" \
	"2.0|ANY /echo/{proxy+}|/echo/a/b%20c|x=1&x=2&y=" \
	"$(ev '"|".join([j["version"], j["routeKey"], j["rawPath"], j["rawQueryString"]])')"
is "cookies apart, headers lowercased, duplicates comma-joined" \
	"['c1=v1', 'c2=v2'] None one,two vpcsim-test/1 https 443" \
	"$(ev 'j["cookies"], j["headers"].get("cookie"), j["headers"]["x-dup"], j["headers"]["user-agent"], j["headers"]["x-forwarded-proto"], j["headers"]["x-forwarded-port"]')"
is "queryStringParameters decoded and joined, pathParameters' greedy proxy" \
	"{'x': '1,2', 'y': ''} {'proxy': 'a/b c'}" \
	"$(ev 'j["queryStringParameters"], j["pathParameters"]')"
is "requestContext: stage, apiId and domain, http, sourceIp, routeKey" \
	"\$default ${H%%.*} $H ${H%%.*} PUT /echo/a/b%20c HTTP/1.1 203.0.113.20 vpcsim-test/1 ANY /echo/{proxy+} 123456789012" \
	"$(ev '" ".join([j["requestContext"][k] for k in ("stage","apiId","domainName","domainPrefix")] + [j["requestContext"]["http"][k] for k in ("method","path","protocol","sourceIp","userAgent")] + [j["requestContext"]["routeKey"], j["requestContext"]["accountId"]])')"
is "requestContext time and timeEpoch, the body as sent" "True True {\"k\":\"v\"} False" \
	"$(ev '__import__("re").fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", j["requestContext"]["time"]) is not None, abs(j["requestContext"]["timeEpoch"] / 1000 - __import__("time").time()) < 120, j["body"], j["isBase64Encoded"]')"
req client -d 'k=v&w=1' "https://$H/echo/form" >/dev/null
is "a form body arrives base64-encoded (isBase64Encoded)" "True k=v&w=1" \
	"$(ev 'j["isBase64Encoded"], __import__("base64").b64decode(j["body"]).decode()')"
req client "https://$H/echo/fixed/leaf1" >/dev/null
is "the most specific route wins: GET /echo/fixed/{leaf} over ANY /echo/{proxy+}" \
	"GET /echo/fixed/{leaf} {'leaf': 'leaf1'}" "$(ev 'j["routeKey"], j["pathParameters"]')"
code=$(req client "https://$H/binary")
is "isBase64Encoded in the response: the bytes decoded" "200 000102ff" "$code $(od -An -tx1 "$TMP/b" | tr -d ' \n')"
code=$(req client "https://$H/scalar")
is "a string result: 200, application/json, the JSON" '200 application/json "just a string"' "$code $(hdr content-type) $(body)"

# ---- API Gateway's errors ----------------------------------------------------
code=$(req client "https://$H/nothing/here")
is "no route: 404 {\"message\":\"Not Found\"}" '404 {"message":"Not Found"}' "$code $(body)"
code=$(req client -X DELETE "https://$H/items/1")
is "a method no route takes: 404" '404 {"message":"Not Found"}' "$code $(body)"
code=$(req client "https://$H/fail")
is "a function error: 500 {\"message\":\"Internal Server Error\"}" '500 {"message":"Internal Server Error"}' "$code $(body)"
code=$(req client "https://$H/closed")
is "a throttle (reserved_concurrency 0): 503 Service Unavailable" '503 {"message":"Service Unavailable"}' "$code $(body)"
# The same function invoked asynchronously: Lambda sends an event for a
# function with reserved concurrency 0 to failure at once, never retried.
inv closed --invocation-type Event --payload '{"z": 1}'
ID=$(field 'j["RequestId"]')
for _ in $(seq 150); do grep -q "$ID closed given-up" "/run/vpcsim/$T/logs/events.log" 2>/dev/null && break; sleep 0.2; done
is "reserved_concurrency 0, an asynchronous invoke: given up at once, no retry, the record written" \
	"given-up condition=ZeroReservedConcurrency attempts=0|0|ZeroReservedConcurrency 0 {'z': 1}" \
	"$(grep -o "$ID closed given-up.*" "/run/vpcsim/$T/logs/events.log" | cut -d' ' -f3-)|$(grep -c "$ID closed throttled" "/run/vpcsim/$T/logs/events.log")|$(python3 -c "import json; j=json.load(open('/run/vpcsim/$T/events/failed/$ID.json')); print(j['requestContext']['condition'], j['requestContext']['approximateInvokeCount'], j['requestPayload'])" 2>&1)"
code=$(req client "https://$H/slow")
is "past the integration timeout: 503 Service Unavailable" '503 {"message":"Service Unavailable"}' "$code $(body)"
V exec -t "$T" client -- curl -sS --max-time 10 "http://$H/items/1" >"$TMP/out" 2>&1
is "plain HTTP is not served (execute-api is HTTPS only)" 1 "$(grep -c 'Empty reply' "$TMP/out")"
V exec -t "$T" client -- python3 -c '
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
for raw in (b"GET /items/1 HTTP/1.1\r\nHost: " + sys.argv[2].encode() + b"\r\nContent-Length: zz\r\n\r\n",
            b"GET /items/1 HTTP/9.9\r\nHost: x\r\n\r\n", b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n"):
    s = ctx.wrap_socket(socket.create_connection((sys.argv[2], 443), timeout=10), server_hostname=sys.argv[2])
    try:  # the server may answer 414 and close before all 100 KB are sent
        s.sendall(raw)
    except OSError:
        pass
    try:
        print((s.recv(64).split(b"\r\n")[0] or b"closed").decode())
    except OSError as e:
        print("no answer:", e)
' "$TMP/ca.pem" "$H" >"$TMP/out" 2>&1
is "malformed HTTP: the server's 4xx, never a crash" "HTTP/1.1 400 Bad Request|HTTP/1.1 505 HTTP Version Not Supported|HTTP/1.1 414 URI Too Long" \
	"$(paste -sd'|' "$TMP/out" | sed 's/ *$//')"
code=$(req client "https://$H/items/7")
is "... and the API answers the next request" 200 "$code"

# ---- from inside the VPC, through the NAT gateway -----------------------------
NAT=$(V status -t "$T" | awk '/nat gateway nat/ {print $5}')
code=$(req worker "https://$H/echo/from-worker")
is "a resource in a private subnet, through the NAT: the NAT's public address as sourceIp" \
	"200 $NAT" "$code $(ev 'j["requestContext"]["http"]["sourceIp"]')"
inv caller --payload "{\"url\": \"https://$H/items/9\"}"
is "a VPC function (urllib) through the NAT" '200 9' "$(field 'j["status"], j["body"]["id"]' | tr -d "(),'")"
V exec -t "$T" offline -- curl -sS --max-time 5 --cacert "$TMP/ca.pem" "https://$H/items/1" >"$TMP/out" 2>&1
is "an isolated subnet (no NAT): the connection times out" 1 "$(grep -c 'timed out' "$TMP/out")"

# ---- status, reach and graph know the API and the event sources ------------
V status -t "$T" >"$TMP/out" 2>&1
is "status: each route as an event source, and the API's address" "1 1 1" \
	"$(grep -cE '^http_api +items +GET /items/\{id\}$' "$TMP/out") $(grep -cE '^http_api +echo +ANY /echo/\{proxy\+\}$' "$TMP/out") $(grep -cF "http api: https://$H/ (198.18.0.15" "$TMP/out")"
V reach -t "$T" client http_api 443 >"$TMP/out" 2>&1
r1=$(head -1 "$TMP/out")
V reach -t "$T" offline http_api 443 >"$TMP/out" 2>&1
is "reach: the internet host to the API is open; the isolated subnet lacks a route, NAT as the fix" \
	"client -> http_api (198.18.0.15) tcp 443: open|NO_ROUTE_TO_DESTINATION|route 0.0.0.0/0 to a NAT gateway: the HTTP API is a public endpoint in the internet" \
	"$r1|$(grep -o 'NO_ROUTE_TO_DESTINATION' "$TMP/out" | head -1)|$(grep -o 'fix: .*' "$TMP/out" | sed 's/^fix: *//')"
V graph -t "$T" >"$TMP/out" 2>&1
is "graph: the API in the AWS zone and an edge per route to its function" "1 1 1" \
	"$(grep -c '"aws:aws" -> "api:http"' "$TMP/out") $(grep -cF '"api:http" -> "fn:items" [color="#d86613", label="GET /items/{id}"]' "$TMP/out") $(grep -cF '"api:http" -> "fn:fail"' "$TMP/out")"

# ---- the route keys' checks -----------------------------------------------------
bad() { # EVENT-JSON: validate a topology with that event; its message
	printf '{"name":"rk","functions":[{"name":"f","events":[%s]},{"name":"g","events":[{"type":"http_api","method":"GET","path":"/a"}]}]}' \
		"$1" >"$TMP/rk.json"
	V validate "$TMP/rk.json" 2>&1 | head -1 | sed 's/^[^:]*: //'
}
is "route keys as API Gateway checks them" \
	"functions[0].events[0].method: BadRequestException: Invalid route key: the method 'FETCH' is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY (upper case)|functions[0].events[0].path: BadRequestException: Invalid route key 'ANY /{p+}/x': '{p+}': a greedy path variable {name+} must be the last segment|functions[1].events[0].path: ConflictException: Route with key GET /a already exists for this API (function f): one function per route|functions[0].events[0].method: BadRequestException: The \$default route takes every method: remove \"method\" (or make it ANY)" \
	"$(bad '{"type":"http_api","method":"FETCH","path":"/a"}')|$(bad '{"type":"http_api","path":"/{p+}/x"}')|$(bad '{"type":"http_api","method":"GET","path":"/a"}')|$(bad '{"type":"http_api","method":"GET","path":"$default"}')"
