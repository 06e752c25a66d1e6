#!/bin/bash
# Lambda@Edge (docs/EDGE.md) with real clients: curl in an internet host
# asks a CloudFront distribution (dXXXXXXXXXXXXX.cloudfront.net, HTTPS with
# the topology's CA, and HTTP) whose origin is another internet host; the
# four event types of examples/edge.json change the request and the
# response or answer themselves; CloudFront's event shape seen from the
# outside (a function that answers with its event); CloudFront's 502/503
# pages for results it refuses and failed functions; the origin down;
# Lambda@Edge's rules at validation; malformed HTTP never crashes the front.
. "$(dirname "$0")/lib.sh"
plan 42
T=$(unique_name)
mkdir -p "$TMP/edge"
cp -r "$ROOT"/examples/edge/* "$ROOT"/tests/integration/data/edge/* "$TMP/edge/"
topo_copy "$ROOT/examples/edge.json" "$T"
# The example plus a function that answers with its event, one that fails
# in CloudFront's ways, and a distribution per dump point.
python3 - "$F" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
fn = lambda n, **k: dict(name=n, runtime="python3.11", handler="app.handler", code="edge/" + n, memory_mb=128, timeout_s=5, **k)
t["functions"] += [fn("dump"), fn("bad")]
def dist(name, *assoc, origin="web", port=80):
    return {"name": name, "origin": origin, "origin_port": port,
            "lambda_associations": [dict(event_type=e, function=f, **({"include_body": True} if b else {})) for e, f, b in assoc]}
t["cloudfront"] += [dist("dv", ("viewer-request", "dump", True)), dist("do", ("origin-request", "dump", True)),
                    dist("dr", ("origin-response", "dump", False)), dist("dw", ("viewer-response", "dump", False)),
                    dist("dbad", ("viewer-request", "bad", False)), dist("dgone", origin="client", port=81)]
json.dump(t, open(sys.argv[1], "w"), indent=1)
PY
check "up $T (seven distributions)" V up "$F"
V ca -t "$T" >"$TMP/ca.pem"
V status -t "$T" --json >"$TMP/status.json"
dom() { python3 -c "import json,sys; print([d['domain_name'] for d in json.load(open('$TMP/status.json'))['distributions'] if d['name']=='$1'][0])"; }
CDN=$(dom cdn)
check "status names the distribution dXXXXXXXXXXXXX.cloudfront.net with its id and origin" bash -c \
	"echo '$CDN' | grep -qE '^d[a-z0-9]{13}\.cloudfront\.net$' && V() { :; }; $VPCSIM status -t $T | grep -E '^cdn +$CDN +E[A-Z0-9]{13} +198\.18\.0\.64 +web:80 +viewer-request=auth'"

touch "$TMP/origin.run"
V exec -t "$T" web -- python3 "$TMP/edge/echo_origin.py" 80 "$TMP/origin.run" >"$TMP/origin.log" 2>&1 &
ORIGIN=$!
curl_c() { V exec -t "$T" client -- curl -sS --max-time 30 --cacert "$TMP/ca.pem" "$@"; }
for _ in $(seq 100); do curl_c -o /dev/null "http://origin.example.com/" 2>/dev/null && break; sleep 0.2; done

# The four event types of examples/edge.json.
curl_c -i "https://$CDN/docs/?lang=en" >"$TMP/docs" 2>&1
check "HTTPS with the topology's CA: 200 through all four functions" grep -q "^HTTP/1.1 200" "$TMP/docs"
check "viewer-request added a header the origin received" grep -q "^x-viewer-country: ZZ" "$TMP/docs"
check "origin-request rewrote the uri (/docs/ -> /docs/index.html, query kept)" grep -q "^GET /docs/index.html?lang=en$" "$TMP/docs"
check "origin-request added x-origin-secret; the origin got Host: its own name" bash -c \
	"grep -q '^x-origin-secret: from-the-edge' '$TMP/docs' && grep -q '^host: origin.example.com' '$TMP/docs'"
check "origin-response added security headers" grep -qi "^Strict-Transport-Security: max-age=63072000" "$TMP/docs"
check "viewer-response stamped the distribution's id" grep -qE "^X-Served-By: E[A-Z0-9]{13} viewer-response" "$TMP/docs"
check "CloudFront's headers: X-Cache Miss, Via, X-Amz-Cf-Id" bash -c \
	"grep -q '^X-Cache: Miss from cloudfront' '$TMP/docs' && grep -qE '^Via: 1.1 [0-9a-f]{32}.cloudfront.net \(CloudFront\)' '$TMP/docs' && grep -qE '^X-Amz-Cf-Id: [A-Za-z0-9_=-]{56}' '$TMP/docs'"
curl_c -i "http://$CDN/hello" >"$TMP/hello" 2>&1
check "a viewer-request's generated response: 200 with its body, over HTTP" bash -c \
	"grep -q '^HTTP/1.1 200' '$TMP/hello' && grep -q 'Hello from the edge, 203.0.113.50' '$TMP/hello' && grep -q '^X-Cache: LambdaGeneratedResponse from cloudfront' '$TMP/hello'"
check "the generated response skipped the origin and viewer-response" bash -c \
	"! grep -q 'ORIGIN GET /hello' '$TMP/origin.log' && ! grep -qi '^X-Served-By' '$TMP/hello'"
check "an unauthorised /private/ request answered 401 at the edge" bash -c \
	"curl_c() { $VPCSIM exec -t $T client -- curl -sS -o /dev/null -w '%{http_code}' \"\$@\"; }; [ \"\$(curl_c http://$CDN/private/x)\" = 401 ] && [ \"\$(curl_c -H 'Authorization: Basic eDp5' http://$CDN/private/x)\" = 200 ]"
curl_c -i "http://$CDN/missing" >"$TMP/missing" 2>&1
check "origin 404: origin-response replaced the body; viewer-response did not run (status >= 400)" bash -c \
	"grep -q '^HTTP/1.1 404' '$TMP/missing' && grep -q 'said the origin-response function' '$TMP/missing' && ! grep -qi '^X-Served-By' '$TMP/missing'"

# CloudFront's event shape, from functions that answer with their event.
ev() { # DIST URL-PATH EXPR [curl args]
	local d p=$2 x=$3; d=$(dom "$1"); shift 3
	curl_c "$@" "http://$d$p" >"$TMP/ev.json" 2>&1
	python3 -c "import json,sys; e=json.load(open('$TMP/ev.json')); cf=e['Records'][0]['cf']; assert $x, json.dumps(cf)[:600]"
}
check "viewer-request event: config (domain, id, eventType, requestId), clientIp, method, uri, querystring" ev dv "/a/b?x=1&y=2" \
	"cf['config']['distributionDomainName']=='$(dom dv)' and cf['config']['eventType']=='viewer-request' and len(cf['config']['distributionId'])==14 and len(cf['config']['requestId'])==56 and cf['request']['clientIp']=='203.0.113.50' and cf['request']['method']=='GET' and cf['request']['uri']=='/a/b' and cf['request']['querystring']=='x=1&y=2' and 'origin' not in cf['request']"
check "headers as {lowercase: [{key, value}]}, repeats kept in order" ev dv "/" \
	"cf['request']['headers']['host']==[{'key':'Host','value':'$(dom dv)'}] and cf['request']['headers']['x-two']==[{'key':'X-Two','value':'1'},{'key':'x-two','value':'2'}]" -H "X-Two: 1" -H "x-two: 2"
check "include_body: the body base64 with action read-only" ev dv "/post" \
	"cf['request']['method']=='POST' and cf['request']['body']=={'inputTruncated':False,'action':'read-only','encoding':'base64','data':'aGVsbG8='}" --data-binary hello
check "origin-request event: the custom origin (domainName, port, protocol) and CloudFront's headers" ev do "/o" \
	"cf['config']['eventType']=='origin-request' and cf['request']['origin']['custom']['domainName']=='origin.example.com' and cf['request']['origin']['custom']['port']==80 and cf['request']['origin']['custom']['protocol']=='http' and cf['request']['headers']['host'][0]['value']=='origin.example.com' and 'x-amz-cf-id' in cf['request']['headers']"
check "origin-response event: response.status a string, statusDescription, the origin's headers" ev dr "/r" \
	"cf['config']['eventType']=='origin-response' and cf['response']['status']=='200' and cf['response']['statusDescription']=='OK' and cf['response']['headers']['content-type'][0]['value']=='text/plain' and cf['request']['uri']=='/r'"
check "viewer-response event" ev dw "/w" "cf['config']['eventType']=='viewer-response' and cf['response']['status']=='200' and 'origin' not in cf['request']"

# Results CloudFront refuses, functions that fail, an origin that is not there.
BAD=$(dom dbad)
page() { # PATH STATUS X-CACHE TEXT
	curl_c -i "http://$BAD$1" >"$TMP/page" 2>&1
	grep -q "^HTTP/1.1 $2" "$TMP/page" && grep -q "^X-Cache: $3 from cloudfront" "$TMP/page" &&
		grep -q "$4" "$TMP/page" && grep -q "Generated by cloudfront (CloudFront)" "$TMP/page"
}
check "an unhandled error: 503 LambdaExecutionError" page /raise 503 LambdaExecutionError "is invalid or doesn't have the required permissions"
check "a result that is not an object: 502 LambdaValidationError" page /number 502 LambdaValidationError "The Lambda function result failed validation"
check "a 50 KB generated viewer response: 502 (40 KB limit)" page /big 502 LambdaValidationError "exceeds the maximum size"
check "changing the read-only Host in viewer-request: 502" page /host 502 LambdaValidationError "read-only header"
check "a header value with CR LF: 502, nothing injected" page /inject 502 LambdaValidationError "is not valid"
check "a function past its 5 s timeout: 503 LambdaLimitExceeded" page /sleep 503 LambdaLimitExceeded "exceeded its timeout"
curl_c -i "http://$(dom dgone)/" >"$TMP/gone" 2>&1
check "an origin that refuses: 502 CloudFront wasn't able to connect to the origin" bash -c \
	"grep -q '^HTTP/1.1 502' '$TMP/gone' && grep -q \"CloudFront wasn't able to connect to the origin\" '$TMP/gone'"

# Malformed HTTP to the distribution: an error answer, and it still serves.
raw() { V exec -t "$T" client -- python3 -c "
import socket, sys
s = socket.create_connection(('$CDN', 80), timeout=10)
s.sendall(sys.argv[1].encode().decode('unicode_escape').encode('latin-1'))
print(s.recv(200).decode('latin-1').split('\r\n')[0])" "$1"; }
is "a request line that is not HTTP: the connection closed, nothing answered" "" "$(raw 'GARBAGE\r\n\r\n' 2>&1)"
is "HTTP/1.1 without Host: 400" "HTTP/1.1 400 Bad Request" "$(raw 'GET / HTTP/1.1\r\n\r\n' 2>&1)"
is "a header line without a colon: 400" "HTTP/1.1 400 Bad Request" "$(raw "GET / HTTP/1.1\\r\\nHost: $CDN\\r\\nno colon here\\r\\n\\r\\n" 2>&1)"
is "a method CloudFront does not take: 403" "HTTP/1.1 403 Forbidden" "$(raw "BREW / HTTP/1.1\\r\\nHost: $CDN\\r\\n\\r\\n" 2>&1)"
check "a 70 KB header is refused, not crashed on" bash -c "[ \"\$($VPCSIM exec -t $T client -- curl -s -o /dev/null -w '%{http_code}' -H \"X-Big: \$(head -c 70000 /dev/zero | tr '\\0' a)\" http://$CDN/docs/)\" -ge 400 ]"
check "after all that the distribution still serves" bash -c "$VPCSIM exec -t $T client -- curl -sS --max-time 30 http://$CDN/hello | grep -q 'Hello from the edge'"

# reach, probe and graph know distributions: the viewer's way to the
# zone, the distribution's functions, CloudFront's own way to the origin
# (web declares no listener: the echo server runs by hand, so the
# analysis says the origin leg is refused; tests/unit/test_reach.c has
# the open case); a real connection to the distribution by name.
V reach -t "$T" client cdn 443 >"$TMP/reach" 2>&1
check "reach client cdn 443: open, through the zone to the distribution and its functions" bash -c \
	"grep -q '^client -> cdn (198.18.0.64) tcp 443: open' '$TMP/reach' && grep -q 'to the AWS zone (CloudFront distribution cdn)' '$TMP/reach' && grep -Eq 'CloudFront distribution cdn +$CDN: .*viewer-request=auth origin-request=route origin-response=headers viewer-response=stamp' '$TMP/reach'"
check "reach walks on to the origin: web tcp 80, with the 502 a viewer would get" bash -c \
	"grep -q 'origin web (203.0.113.80) *tcp 80 refused' '$TMP/reach' && grep -q 'blocked at: *origin web' '$TMP/reach' && grep -q 'viewers get 502' '$TMP/reach'"
check "reach by the domain name; a port the zone does not serve is refused with the ports it does" bash -c \
	"$VPCSIM reach -t $T client $CDN 80 | grep -q '^client -> $CDN (198.18.0.64) tcp 80: open' && $VPCSIM reach -t $T client cdn 8443 | grep -q 'fix: *use port 443 (HTTPS) or 80 (HTTP)'"
check "probe client cdn 443: a real connection, open" V probe -t "$T" client cdn 443 --expect open
V graph -t "$T" --format dot >"$TMP/g.dot" 2>&1
check "graph: the distribution beside the zone, its origin and its four functions" bash -c \
	"grep -q '\"cf:cdn\" .*label=\"CloudFront cdn.n$CDN' '$TMP/g.dot' && grep -q '\"cf:cdn\" -> \"host:web\" .*origin :80' '$TMP/g.dot' && [ \$(grep -Ec '\"cf:cdn\" -> \"fn:(auth|route|headers|stamp)\" .*label=\"(viewer|origin)-(request|response)\"' '$TMP/g.dot') = 4 ] && dot -Tsvg '$TMP/g.dot' >/dev/null"

# Lambda@Edge's rules at validation, with CloudFront's wording.
bad_topo() { # JQ-LIKE PYTHON EDIT, then the expected message
	python3 - "$F" "$TMP/bad.json" "$1" <<'PY'
import json, sys
t = json.load(open(sys.argv[1])); t["name"] = "edgebad"
f = {x["name"]: x for x in t["functions"]}
exec(sys.argv[3])
json.dump(t, open(sys.argv[2], "w"))
PY
	V validate "$TMP/bad.json" >"$TMP/val" 2>&1
	[ $? -ne 0 ] && grep -q -- "$2" "$TMP/val"
}
check "viewer-request function of 1024 MB: InvalidLambdaFunctionAssociation, max 128" bad_topo 'f["auth"]["memory_mb"]=1024' \
	"cloudfront\[0\].lambda_associations\[0\].function: InvalidLambdaFunctionAssociation: The function memory size is larger than the maximum allowed size for functions that are triggered by a CloudFront event: 1024 Max allowed: 128 Function: arn:aws:lambda:us-east-1:123456789012:function:auth"
check "viewer timeout 30 s (max 5), origin timeout 60 s (max 30)" bash -c "$(declare -f bad_topo V); VPCSIM=$VPCSIM F=$F TMP=$TMP; bad_topo 'f[\"stamp\"][\"timeout_s\"]=30' 'triggered by a CloudFront event: 30 Max allowed: 5 Function: .*:stamp' && bad_topo 'f[\"route\"][\"timeout_s\"]=60' 'The function timeout is larger than the maximum allowed for functions that are triggered by a CloudFront event: 60 Max allowed: 30'"
check "an edge function with vpc_config, environment or layers is refused" bash -c "$(declare -f bad_topo V); VPCSIM=$VPCSIM F=$F TMP=$TMP; bad_topo 'f[\"route\"][\"environment\"]={\"A\":\"1\"}' 'The function cannot have environment variables. Function: arn:aws:lambda:us-east-1:123456789012:function:route' && bad_topo 't[\"vpcs\"]=[{\"name\":\"v\",\"cidr\":\"10.0.0.0/16\",\"subnets\":[{\"name\":\"s\",\"cidr\":\"10.0.1.0/24\"}],\"security_groups\":[{\"name\":\"g\"}]}]; f[\"headers\"][\"vpc_config\"]={\"subnets\":[\"s\"],\"security_groups\":[\"g\"]}' 'The function cannot have a VPC configuration'"
check "unknown function, unknown origin, a second viewer-request, no \"aws\"" bash -c "$(declare -f bad_topo V); VPCSIM=$VPCSIM F=$F TMP=$TMP; bad_topo 't[\"cloudfront\"][0][\"lambda_associations\"][0][\"function\"]=\"nope\"' \"The function 'nope' is not in\" && bad_topo 't[\"cloudfront\"][0][\"origin\"]=\"nowhere\"' 'InvalidOrigin' && bad_topo 't[\"cloudfront\"][0][\"lambda_associations\"].append({\"event_type\":\"viewer-request\",\"function\":\"stamp\"})' 'one function per event type' && bad_topo 'del t[\"aws\"]' 'add \"aws\": {}'"

rm -f "$TMP/origin.run"
kill "$ORIGIN" 2>/dev/null
wait "$ORIGIN" 2>/dev/null
check "down $T" V down "$T"
