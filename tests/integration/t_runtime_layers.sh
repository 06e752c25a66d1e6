#!/bin/bash
# Layers, as Lambda: `layers` (zips or folders) seen as one read-only /opt
# in the function's sandbox, a later layer's files over an earlier one's,
# same-named folders merged; Python finds /opt/python and its
# lib/pythonX.Y/site-packages, Node.js /opt/nodejs/node_modules and
# /opt/nodejs/node20/node_modules (NODE_PATH), every runtime /opt/bin on
# PATH. The handlers are unmodified code that imports from the layers.
# `invoke FN -- CMD` and `exec FN -- CMD` see the same /opt and /var/task.
# Validation with Lambda's CreateFunction wording: more than 5 layers, code
# and layers over 250 MB unzipped, layers on an image.
. "$(dirname "$0")/lib.sh"
plan 17
T=$(unique_name)
D="$TMP"
cp -r "$ROOT/tests/integration/data/runtime_layers" "$D/runtime_layers"
# Layer A is a zip, with a site-packages folder of the interpreter the
# bundled client runs (/usr/bin/python3, as in the sandbox).
PYV=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
SITE="$D/runtime_layers/layer_a/python/lib/python$PYV/site-packages/sitelib"
mkdir -p "$SITE"
echo 'NAME = "sitelib from site-packages"' >"$SITE/__init__.py"
(cd "$D/runtime_layers/layer_a" && zip -qr "$D/layer_a.zip" .)
sed "s|LAYER_A_ZIP|$D/layer_a.zip|" "$ROOT/tests/integration/data/runtime_layers.json" >"$D/layers.json"
topo_copy "$D/layers.json" "$T"
key_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2" 2>/dev/null; }

check "up $T (a function with a zip layer and a folder layer)" V up "$F"
V invoke -t "$T" pylayers >"$TMP/py.json" 2>"$TMP/py.log" || sed 's/^/    /' "$TMP/py.log"
is "python: a module of /opt/python, the later layer's copy" layer_b "$(key_of "$TMP/py.json" greeting)"
is "python: a package of /opt/python/lib/python$PYV/site-packages" "sitelib from site-packages" "$(key_of "$TMP/py.json" sitelib)"
is "/opt/bin is on PATH (a tool of the zip layer)" "layertool from layer_a" "$(key_of "$TMP/py.json" tool)"
is "folders of both layers are merged (a file only the first has)" "only in layer_a" "$(key_of "$TMP/py.json" only_a)"
is "a file both layers have is the later layer's" layer_b "$(key_of "$TMP/py.json" both)"
is "/opt is read-only to the function" False "$(key_of "$TMP/py.json" opt_writable)"
case "$(key_of "$TMP/py.json" ld_library_path)" in
*:/opt/lib) ok "/opt/lib ends LD_LIBRARY_PATH" ;;
*) not_ok "/opt/lib ends LD_LIBRARY_PATH ($(key_of "$TMP/py.json" ld_library_path))" ;;
esac
V invoke -t "$T" nodelayers >"$TMP/node.json" 2>"$TMP/node.log" || sed 's/^/    /' "$TMP/node.log"
is "node: require() of /opt/nodejs/node_modules" 007 "$(key_of "$TMP/node.json" padded)"
is "node: require() of /opt/nodejs/node20/node_modules" 'LAYERS!' "$(key_of "$TMP/node.json" shout)"
# A command in the function's environment sees /opt and /var/task as the
# handler does (before, the host-based jail had neither).
V invoke -t "$T" pylayers -- sh -c 'cat /opt/only_a.txt /opt/both.txt; layertool' >"$TMP/cmd.out" 2>"$TMP/cmd.log"
is "invoke FN -- CMD: /opt is the layers' union, /opt/bin on PATH" \
	"only in layer_a|layer_b|layertool from layer_a" "$(grep -v '^REPORT' "$TMP/cmd.out" | paste -sd'|')"
V exec -t "$T" pylayers -- sh -c 'ls /var/task; touch /opt/x 2>/dev/null && echo writable || echo read-only' \
	</dev/null >"$TMP/exec.out" 2>"$TMP/exec.log"
is "exec FN -- CMD: the code at /var/task, /opt read-only" "app.py|read-only" "$(paste -sd'|' "$TMP/exec.out")"
V exec -t "$T" nodelayers -- cat /opt/nodejs/node20/node_modules/shout/index.js </dev/null >"$TMP/exec2.out" 2>"$TMP/exec2.log"
check "exec FN -- CMD: the later layer's own folders too" grep -q toUpperCase "$TMP/exec2.out"
check "down $T" V down "$T"

# Validation, with Lambda's words; nothing is brought up.
python3 - "$D/layers.json" "$TMP" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
f = t["functions"][0]
six = dict(t, functions=[dict(f, layers=[f["layers"][1]] * 6)])
json.dump(six, open(sys.argv[2] + "/six.json", "w"))
img = dict(t, functions=[{"name": "img", "image": sys.argv[2] + "/img", "layers": f["layers"][1:]}])
json.dump(img, open(sys.argv[2] + "/img.json", "w"))
big = dict(t, functions=[dict(f, layers=[sys.argv[2] + "/big"])])
json.dump(big, open(sys.argv[2] + "/big.json", "w"))
PY
mkdir -p "$TMP/img" "$TMP/big"
echo '{}' >"$TMP/img/index.json"
truncate -s 262144000 "$TMP/big/sparse" # no disk used: only its size counts
V validate "$TMP/six.json" >"$TMP/v6" 2>&1
check "six layers: refused, as Lambda (Cannot reference more than 5 layers)" grep -q "Cannot reference more than 5 layers" "$TMP/v6"
V validate "$TMP/big.json" >"$TMP/vbig" 2>&1
check "code and layers over 250 MB: Lambda's message with the actual size" \
	grep -q "Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The actual size is [0-9]* bytes." "$TMP/vbig"
V validate "$TMP/img.json" >"$TMP/vimg" 2>&1
check "layers on an image function: refused" grep -q "Layer when the intended function PackageType is Image" "$TMP/vimg"
