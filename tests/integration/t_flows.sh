#!/bin/bash
# Flow logs and drop counters on real traffic: an admitted and a rejected
# connection to a database, read back with `flows` (lines, JSON, --follow)
# and `status`.
. "$(dirname "$0")/lib.sh"
plan 33
T=$(unique_name)
topo_copy "$ROOT/tests/integration/data/flows.json" "$T"
ACCT=210987654321

check "up $T" "$VPCSIM" up "$F"
"$VPCSIM" status "$T" --json >"$TMP/status.json"
# ENI id and address of each node, from status --json.
eni_of() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([e[sys.argv[3]] for e in d["enis"] if e["attached_to"] == sys.argv[2]][0])' "$TMP/status.json" "$1" "$2"; }
DB_ENI=$(eni_of db id) DB_IP=$(eni_of db private_ip)
APP_ENI=$(eni_of app id) APP_IP=$(eni_of app private_ip)
OTHER_IP=$(eni_of other private_ip)
check "status --json names the ENIs" test -n "$DB_ENI" -a -n "$APP_ENI" -a -n "$OTHER_IP"

expect_probe app db 5432 open
expect_probe other db 5432 timeout
check "flows of a topology that is not up is refused with 2, naming it" \
	bash -c "'$VPCSIM' flows nosuch-$T >'$TMP/nosuch' 2>&1; [ \$? -eq 2 ] && grep -qF \"'nosuch-$T'\" '$TMP/nosuch'"
check "flows -t $T" bash -c "'$VPCSIM' flows -t '$T' >'$TMP/flows.txt'"
NOW=$(date +%s)
sed 's/^/# flows: /' "$TMP/flows.txt"

# The first line of flows.txt on interface $1 from $2 to $3, dstport $4,
# action $5.
flow_line() {
	awk -v i="$1" -v s="$2" -v d="$3" -v p="$4" -v a="$5" \
		'$3 == i && $4 == s && $5 == d && $7 == p && $13 == a { print; exit }' "$TMP/flows.txt"
}
# fields DESCRIPTION LINE AWK-CONDITION: the condition holds on the line.
fields() {
	check "$1" awk -v acct="$ACCT" -v now="$NOW" -v db_eni="$DB_ENI" -v app_eni="$APP_ENI" \
		-v db="$DB_IP" -v app="$APP_IP" -v other="$OTHER_IP" \
		"NF == 14 { ok = ($3) } END { if (NR != 1 || !ok) { print \"line: \" \$0; exit 1 } }" <<<"$2"
}

check "every line has the 14 fields of version 2 and the topology's account" \
	awk -v acct="$ACCT" 'NF != 14 || $1 != 2 || $2 != acct || $14 != "OK" { bad = 1; print } END { exit bad || NR == 0 }' "$TMP/flows.txt"

L=$(flow_line "$DB_ENI" "$APP_IP" "$DB_IP" 5432 ACCEPT)
fields "accepted app -> db on db's ENI: version 2" "$L" '$1 == 2'
fields "accepted app -> db: account id of the topology" "$L" '$2 == acct'
fields "accepted app -> db: interface-id is db's ENI" "$L" '$3 == db_eni'
fields "accepted app -> db: srcaddr app, dstaddr db" "$L" '$4 == app && $5 == db'
fields "accepted app -> db: ports ephemeral -> 5432" "$L" '$6 >= 1024 && $6 <= 65535 && $7 == 5432'
fields "accepted app -> db: protocol 6" "$L" '$8 == 6'
fields "accepted app -> db: packets >= 3, bytes > 0" "$L" '$9 >= 3 && $10 > 0'
fields "accepted app -> db: start <= end, Unix seconds of now" "$L" '$11 <= $12 && $11 > now - 120 && $12 <= now + 1'
fields "accepted app -> db: ACCEPT OK" "$L" '$13 == "ACCEPT" && $14 == "OK"'
SPORT=$(awk '{ print $6 }' <<<"$L")
L=$(flow_line "$DB_ENI" "$DB_IP" "$APP_IP" "$SPORT" ACCEPT)
fields "db's ENI logs the replies db -> app, ACCEPT" "$L" '$3 == db_eni && $6 == 5432 && $9 >= 1 && $10 > 0'

L=$(flow_line "$DB_ENI" "$OTHER_IP" "$DB_IP" 5432 REJECT)
fields "rejected other -> db on db's ENI: interface-id, addresses" "$L" '$3 == db_eni && $4 == other && $5 == db'
fields "rejected other -> db: dstport 5432, protocol 6, packets >= 1" "$L" '$7 == 5432 && $8 == 6 && $9 >= 1 && $10 > 0'
fields "rejected other -> db: start <= end, REJECT OK" "$L" '$11 <= $12 && $11 > now - 120 && $13 == "REJECT" && $14 == "OK"'
check "no ACCEPT for other -> db on db's ENI" \
	test -z "$(awk -v i="$DB_ENI" -v s="$OTHER_IP" '$3 == i && $4 == s && $13 == "ACCEPT"' "$TMP/flows.txt")"

L=$(flow_line "$APP_ENI" "$APP_IP" "$DB_IP" 5432 ACCEPT)
fields "app's ENI logs its outgoing flow app -> db, ACCEPT" "$L" '$3 == app_eni && $6 >= 1024 && $8 == 6 && $9 >= 3 && $10 > 0'

check "lines are sorted by start time, then ENI" \
	bash -c "sort -s -k11,11n -k3,3 '$TMP/flows.txt' | cmp -s - '$TMP/flows.txt'"

# --json: a JSON array of the same records, fields named as AWS names them.
"$VPCSIM" flows -t "$T" --json >"$TMP/flows.json"
check "flows --json parses" python3 -m json.tool "$TMP/flows.json"
check "flows --json has the values of the lines" python3 - "$TMP/flows.json" "$TMP/flows.txt" <<'PY'
import json, sys
recs = json.load(open(sys.argv[1]))
names = ["version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
         "protocol", "packets", "bytes", "start", "end", "action", "log-status"]
as_lines = [" ".join("-" if r[n] is None else str(r[n]) for n in names) for r in recs]
text = open(sys.argv[2]).read().splitlines()
if as_lines != text:
    print("json:", *as_lines, "text:", *text, sep="\n")
    sys.exit(1)
PY
check "flows --json: the accepted app -> db record on db's ENI" python3 - "$TMP/flows.json" \
	"$ACCT" "$DB_ENI" "$APP_IP" "$DB_IP" <<'PY'
import json, sys
acct, eni, app, db = sys.argv[2:]
r = [r for r in json.load(open(sys.argv[1])) if r["interface-id"] == eni and
     r["srcaddr"] == app and r["dstaddr"] == db and r["action"] == "ACCEPT"][0]
assert r["version"] == 2 and r["account-id"] == acct and r["dstport"] == 5432, r
assert r["protocol"] == 6 and r["packets"] >= 3 and r["bytes"] > 0, r
assert r["start"] <= r["end"] and r["log-status"] == "OK", r
PY

# Drop counters.
check "status lists an SG_INGRESS drop count > 0" \
	bash -c "'$VPCSIM' status '$T' | grep -Eq '^v +SG_INGRESS +[1-9][0-9]* +no inbound rule'"
# Every drop reason the data plane declares (its "drop_reasons" list, from
# the one table in dataplane.h) must be in the drops object, with a meaning.
check "status --json has a drops object with every reason" \
	python3 -c 'import json,sys; j=json.load(sys.stdin); d=j["vpcs"][0]["drops"]; want={r["name"] for r in j["drop_reasons"] if r["meaning"]}; assert "SG_INGRESS" in want and d["SG_INGRESS"] > 0 and set(d) == want and d["SG_EGRESS"] == 0, (d, want)' \
	< <("$VPCSIM" status "$T" --json)

# --follow: prints what is there, then what is new, until SIGTERM. The
# probe runs once the records there were are out, the new one is waited
# for (its first read is a second later), then SIGTERM: a probe 1.3 s into
# a 3 s run left one read at most to see it, none when the start took
# longer on a loaded machine.
"$VPCSIM" flows -t "$T" --follow >"$TMP/follow.txt" 2>"$TMP/follow.err" &
FOLLOW=$!
app_db_accepts() { awk -v i="$DB_ENI" -v s="$APP_IP" '$3 == i && $4 == s && $7 == 5432 && $13 == "ACCEPT"' "$TMP/follow.txt" | wc -l; }
for _ in $(seq 300); do [ "$(wc -l <"$TMP/follow.txt")" -ge "$(wc -l <"$TMP/flows.txt")" ] && break; sleep 0.1; done
"$VPCSIM" probe -t "$T" app db 5432 >/dev/null
for _ in $(seq 300); do [ "$(app_db_accepts)" -ge 2 ] && break; sleep 0.1; done
START=$(date +%s%N)
kill -TERM "$FOLLOW"
for _ in $(seq 50); do alive "$FOLLOW" || break; sleep 0.1; done
alive "$FOLLOW" && kill -KILL "$FOLLOW"
wait "$FOLLOW"
RC=$?
MS=$((($(date +%s%N) - START) / 1000000))
check "flows --follow ends on SIGTERM, exit 0 (status $RC, in $MS ms)" test "$RC" -eq 0 -a "$MS" -lt 5000
check "flows --follow printed the records there were" \
	bash -c "head -n $(wc -l <"$TMP/flows.txt") '$TMP/follow.txt' | cmp -s - '$TMP/flows.txt'"
check "flows --follow printed the new connection app -> db" test "$(app_db_accepts)" -ge 2
check "flows --follow wrote nothing on stderr" test ! -s "$TMP/follow.err"

check "down $T" "$VPCSIM" down "$T"
