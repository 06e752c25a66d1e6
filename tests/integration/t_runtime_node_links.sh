#!/bin/bash
# How the Node.js runtime finds the SDK it ships and the layers' packages
# for ES modules (docs/RUNTIME.md "Node.js module search"): the jail links
# /node_modules to /var/runtime/node_modules and /var/node_modules to the
# layers' folder, where Node's own search from /var/task looks, in
# NODE_PATH's order (the layers, then the SDK), with no resolve hook (a
# second Node start at each cold start). Where two links cannot keep that
# order (a function that sets NODE_PATH, layers with both
# nodejs/node20/node_modules and nodejs/node_modules), no links, and the
# runtime client's resolve hook searches NODE_PATH instead. Unmodified
# handlers: ES module imports, a CommonJS handler's dynamic import().
. "$(dirname "$0")/lib.sh"
plan 14
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/runtime_node_links" "$TMP/runtime_node_links"
topo_copy "$ROOT/tests/integration/data/runtime_node_links.json" "$T"

check "up $T" V up "$F"
inv esm
is "ES module: the SDK and a layer's package imported by name" \
	"function greet from /opt/nodejs/node_modules" "$(field 'j.get("sdk"), j.get("greet")' | tr -d ",()'")"
is "... a package in both the layer and the SDK's folder: the layer's, as NODE_PATH orders them" \
	"the layer" "$(field 'j.get("tslib")')"
case "$(field 'j.get("sdkFile")')" in
file:///var/runtime/node_modules/@aws-sdk/client-sts/*) ok "... the SDK's files at their own path (/var/runtime/node_modules)" ;;
*) not_ok "... the SDK's files at their own path ($(field 'j.get("sdkFile")'))" ;;
esac
is "... found through the jail's links, no resolve hook" \
	"/var/runtime/node_modules /opt/nodejs/node_modules" "$(field 'j.get("nodeModules"), j.get("varNodeModules")' | tr -d ",()'")"
inv cjs
is "CommonJS: a dynamic import() of the SDK and of a layer's ES module package" \
	"function greet from /opt/nodejs/node_modules" "$(field 'j.get("sdk"), j.get("greet")' | tr -d ",()'")"
is "... and require() resolves the SDK to the same files" \
	"/var/runtime/node_modules/@aws-sdk/client-sts/dist-cjs/index.js" "$(field 'j.get("required")')"
is "... through the same links" /var/runtime/node_modules "$(field 'j.get("nodeModules")')"
inv v20
is "a layer with only nodejs/node20/node_modules: its package and the SDK" \
	"function greet20 from /opt/nodejs/node20/node_modules" "$(field 'j.get("sdk"), j.get("greet20")' | tr -d ",()'")"
is "... /var/node_modules links to it" /opt/nodejs/node20/node_modules "$(field 'j.get("varNodeModules")')"
inv both
is "layers with both folders: the resolve hook finds the SDK and each folder's packages" \
	"function greet from /opt/nodejs/node_modules" "$(field 'j.get("sdk"), j.get("greet")' | tr -d ",()'")"
is "... node20's copy of a package in both, first as in NODE_PATH; no links" \
	"nodejs/node20/node_modules False" "$(field 'j.get("which"), j.get("nodeModules")' | tr -d ",()'")"
inv ownpath
is "a NODE_PATH the function sets: ES module imports search it (the hook; no links)" \
	"function custompkg from the NODE_PATH the function sets False" \
	"$(field 'j.get("sdk"), j.get("custom"), j.get("nodeModules")' | tr -d ",()'")"
check "down $T" V down "$T"
