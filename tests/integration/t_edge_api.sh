#!/bin/bash
# A CloudFront distribution whose origin is the topology's HTTP API
# (docs/EDGE.md, "The HTTP API as the origin"): curl in an internet host
# asks dXXXXXXXXXXXXX.cloudfront.net, the distribution's viewer-request
# function (examples/edge/auth) answers /hello itself and adds a header to
# the rest, and the distribution asks ID.execute-api.REGION.amazonaws.com
# over HTTPS, verifying it with the topology's CA: the API's echo function
# (examples/api) answers with the payload-2.0 event it got. The
# origin-request event names the origin with protocol https; a CA that did
# not sign the API's certificate makes CloudFront's 502; the key's checks.
. "$(dirname "$0")/lib.sh"
plan 12
T=$(unique_name)
mkdir -p "$TMP/edge_api/api"
cp "$ROOT/examples/api/app.py" "$TMP/edge_api/api/app.py"
cp -r "$ROOT/examples/edge/auth" "$ROOT/tests/integration/data/edge/dump" "$TMP/edge_api/"
topo_copy "$ROOT/tests/integration/data/edge_api.json" "$T"

check "up $T (a distribution in front of the HTTP API)" V up "$F"
V ca -t "$T" >"$TMP/ca.pem"
V status -t "$T" --json >"$TMP/status.json"
dom() { python3 -c "import json; print([d['domain_name'] for d in json.load(open('$TMP/status.json'))['distributions'] if d['name']=='$1'][0])"; }
API=$(python3 -c "import json; print(json.load(open('$TMP/status.json'))['http_api']['endpoint'].split('/')[2])")
CDN=$(dom cdn)
check "status shows the origin http_api:443" bash -c "$VPCSIM status -t $T | grep -E '^cdn +$CDN +E[A-Z0-9]{13} +[0-9.]+ +http_api:443 '"
curl_c() { V exec -t "$T" client -- curl -sS --max-time 40 --cacert "$TMP/ca.pem" "$@"; }

curl_c -D "$TMP/h" -o "$TMP/b" "https://$CDN/echo/a/b?x=1" 2>"$TMP/err"
check "curl -> distribution -> HTTP API route: 200 with the API function's answer" bash -c \
	"grep -q '^HTTP/1.1 200' '$TMP/h' && python3 -c \"import json; e=json.load(open('$TMP/b')); assert e['routeKey']=='ANY /echo/{proxy+}' and e['rawPath']=='/echo/a/b' and e['rawQueryString']=='x=1', e\""
ev() { python3 -c "import json; e=json.load(open('$TMP/b')); h=e['headers']; assert $1, h"; }
check "the API got the viewer-request function's header and CloudFront's" ev \
	"h.get('x-viewer-country')=='ZZ' and h.get('x-amz-cf-id') and 'cloudfront.net (CloudFront)' in h.get('via','')"
check "the API was asked by its own name (Host and the TLS name: ID.execute-api.REGION.amazonaws.com)" ev \
	"h.get('host')=='$API' and e['requestContext']['domainName']=='$API'"
check "the answer is CloudFront's (X-Cache Miss, X-Amz-Cf-Id) around API Gateway's (apigw-requestid)" bash -c \
	"tr -d '\r' <'$TMP/h' | grep -q '^X-Cache: Miss from cloudfront' && tr -d '\r' <'$TMP/h' | grep -qi '^apigw-requestid: '"
is "a viewer-request's own answer never reaches the API" 200 \
	"$(curl_c -o "$TMP/hello" -w '%{http_code}' "https://$CDN/hello")"
is "a path with no route: API Gateway's 404 through the distribution" '404 {"message":"Not Found"}' \
	"$(curl_c -o "$TMP/nf" -w '%{http_code}' "https://$CDN/nowhere") $(cat "$TMP/nf")"
curl_c -o "$TMP/b" "https://$(dom dumpo)/echo/x" 2>"$TMP/err"
check "origin-request event: request.origin.custom is the API over https on 443" python3 -c \
	"import json; c=json.load(open('$TMP/b'))['Records'][0]['cf']['request']['origin']['custom']; assert c['domainName']=='$API' and c['protocol']=='https' and c['port']==443, c"

# Verification: a CA that did not sign the API's certificate.
STATE_CA=/run/vpcsim/$T/aws/ca.pem
cp "$STATE_CA" "$TMP/ca.keep"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/other.key" -out "$TMP/other.pem" \
	-days 1 -subj "/CN=not the topology's CA" >/dev/null 2>&1
cp "$TMP/other.pem" "$STATE_CA"
is "the API's certificate checked against the topology's CA: another CA gives CloudFront's 502" 502 \
	"$(curl_c -o /dev/null -w '%{http_code}' "https://$CDN/echo/a")"
cp "$TMP/ca.keep" "$STATE_CA"

# The key's checks.
python3 - "$F" "$TMP/bad1.json" "$TMP/bad2.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
t["cloudfront"][0]["origin_port"] = 80
json.dump(t, open(sys.argv[2], "w"))
t = json.load(open(sys.argv[1]))
t["functions"][0]["events"] = []
json.dump(t, open(sys.argv[3], "w"))
PY
check "validate: origin http_api takes HTTPS on 443 only; without http_api events it is refused" bash -c \
	"cd '$TMP' && $VPCSIM validate bad1.json 2>&1 | grep -q 'answers HTTPS on 443 only' && $VPCSIM validate bad2.json 2>&1 | grep -q 'no function has an http_api event'"
check "down $T" V down "$T"
