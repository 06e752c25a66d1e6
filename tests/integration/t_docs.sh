#!/bin/bash
# The docs' references resolve (tests/doc_refs.py): links between the
# Markdown files (and their #anchors), and the paths of the tree the text
# names. Touches no kernel object.
. "$(dirname "$0")/lib.sh"
plan 2
python3 "$ROOT/tests/doc_refs.py" "$ROOT" >"$TMP/refs"
links() { ! grep ': link to ' "$TMP/refs"; }
paths() { ! grep ': names ' "$TMP/refs"; }
check "every relative link of the docs names a file and a heading that exist" links
check "every path of the tree the docs name exists" paths
