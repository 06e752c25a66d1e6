#!/bin/bash
# Init duration with 0 and with 2 external extensions: the same Python
# function, cold, without layers and with a layer holding two minimal
# bash+curl extensions (register, then wait in event/next). The difference
# is what two extension processes, their registrations and their first
# event/next add to a cold start. Each run detaches both functions and
# invokes them back to back. A benchmark, not a test: it never fails.
#   bench/extensions.sh [RUNS]    default 5 runs
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${1:-$RUNS}
bench_topology benchext
mkdir -p "$tmp/code" "$tmp/layer/extensions"
printf 'def handler(event, context):\n    return {}\n' >"$tmp/code/app.py"
for name in first second; do
	cat >"$tmp/layer/extensions/$name" <<'SH'
#!/bin/bash
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2020-01-01/extension"
H=$(mktemp)
curl -sS -D "$H" -XPOST "$API/register" -H "Lambda-Extension-Name: $(basename "$0")" \
	-d '{"events":["INVOKE","SHUTDOWN"]}' >/dev/null
ID=$(grep -Fi Lambda-Extension-Identifier "$H" | tr -d '[:space:]' | cut -d: -f2)
while true; do
	EV=$(curl -sS "$API/event/next" -H "Lambda-Extension-Identifier: $ID")
	[[ $EV == *SHUTDOWN* ]] && exit 0
done
SH
	chmod 755 "$tmp/layer/extensions/$name"
done
cat >"$tmp/t.json" <<JSON
{ "name": "$T", "functions": [
  { "name": "e0", "runtime": "python3.12", "handler": "app.handler", "code": "code" },
  { "name": "e2", "runtime": "python3.12", "handler": "app.handler", "code": "code",
    "layers": ["layer"] } ] }
JSON
$VPCSIM up "$tmp/t.json" >/dev/null
init_of() { grep -o 'Init Duration: [0-9.]*' "$1" | awk '{print $3}'; }
: >"$tmp/e0"; : >"$tmp/e2"; : >"$tmp/d"
for _ in $(seq "$RUNS"); do
	for fn in e0 e2; do
		$VPCSIM detach -t $T $fn >/dev/null 2>&1 || true
		$VPCSIM invoke -t $T $fn >/dev/null 2>"$tmp/$fn.log"
		init_of "$tmp/$fn.log" >>"$tmp/$fn"
	done
	awk -v a="$(tail -1 "$tmp/e2")" -v b="$(tail -1 "$tmp/e0")" 'BEGIN { printf "%.2f\n", a - b }' >>"$tmp/d"
done
echo "Init Duration, cold, $RUNS runs (median (min-max)); $(machine)"
printf '  0 extensions: %s ms\n' "$(fmt "$(stats <"$tmp/e0")" 1)"
printf '  2 extensions: %s ms\n' "$(fmt "$(stats <"$tmp/e2")" 1)"
printf '  added by the 2 extensions (run by run): %s ms\n' "$(fmt "$(stats <"$tmp/d")" 1)"
