#!/bin/bash
# The man page and the bash completion against the verb table: the page's
# COMMANDS are the table's verbs with their usage; the completion offers
# the verbs, each verb's flags and their values, files, topology names and
# the node, function and group names of a topology that is up.
. "$(dirname "$0")/lib.sh"
plan 35
MAN=$(dirname "$VPCSIM")/vpcsim.8 # build/ or build-san/
VERBS=$("$VPCSIM" help --verbs)

check "help --verbs lists the verbs of the usage text" \
	bash -c "[ \"\$('$VPCSIM' help | awk '/^verbs:/ {on = 1; next} on && /^$/ {exit} on {print \$1}')\" = '$VERBS' ]"
# README.md's command table is written by hand: every verb of the binary
# must have a row there, and every flag of the verb's usage must be in it.
readme_row() { # verb: the README command-table row(s) naming it
	sed -n '/^## Commands/,/^## /p' "$ROOT/README.md" | grep -E "^\| .*\`$1( |\`)"
}
readme_verbs() {
	local v bad=""
	for v in $VERBS; do readme_row "$v" >/dev/null || bad+=" $v"; done
	[ -z "$bad" ] || { echo "verbs missing from README.md's command table:$bad"; return 1; }
}
readme_flags() {
	local v f bad=""
	for v in $VERBS; do
		for f in $("$VPCSIM" __complete flags "$v"); do
			readme_row "$v" | grep -q -- "$f\b" || bad+=" $v $f;"
		done
	done
	[ -z "$bad" ] || { echo "flags missing from README.md's command table:$bad"; return 1; }
}
check "README.md's command table has a row for every verb" readme_verbs
check "README.md's command table gives every flag of every verb" readme_flags
check "the man page renders without warnings" \
	bash -c "! MANWIDTH=80 man --warnings=w -l '$MAN' 2>&1 >/dev/null | grep -q ."
check "the man page shows probe's usage" \
	bash -c "MANWIDTH=200 man -l '$MAN' 2>/dev/null | grep -q -- 'probe \\[-t NAME\\] FROM TO \\[PORT\\] \\[--proto tcp|udp|icmp\\]'"
check "help VERB for an unknown verb says it is unknown (exit 2)" \
	bash -c "'$VPCSIM' help bogus 2>&1 | grep -q \"unknown verb 'bogus'\"; [ \${PIPESTATUS[0]} = 2 ]"
check "--version prints the VERSION file's version" \
	bash -c "'$VPCSIM' --version | grep -qx 'vpcsim $(cat "$ROOT/VERSION")\\( (git [0-9a-z.-]*)\\)\\?'"

# comp WORD...: the completion's answer for a command line whose last word
# is being completed, one a line, sorted.
comp() {
	bash -c '. "$1/completion/vpcsim.bash"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _vpcsim
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$ROOT" "$VPCSIM" "$@"
}
same() { # description got want
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"
		diff <(echo "$3") <(echo "$2") | sed 's/^/    /'
	fi
}
lines() { printf '%s\n' "$@" | sort; }

same "completes the verbs (and help, --version)" "$(comp "")" \
	"$(printf '%s\n' $VERBS help --version --help | sort)"
same "completes a verb's prefix" "$(comp pr)" "probe"
same "completes probe's flags from its usage" "$(comp probe --)" "$(lines --expect --json --proto --timeout-ms)"
same "completes --proto's values" "$(comp probe --proto "")" "$(lines icmp tcp udp)"
same "completes --expect's values" "$(comp probe a b 1 --expect t)" "timeout"
same "completes graph --format" "$(comp graph --format "")" "$(lines dot png svg)"
same "completes sg's action" "$(comp sg "")" "$(lines authorize revoke)"
mkdir "$TMP/files" && touch "$TMP/files/one.json" "$TMP/files/two.json"
same "completes files for up" "$(comp up "$TMP/files/o")" "$TMP/files/one.json"
same "completes files for validate" "$(comp validate "$TMP/files/")" "$(lines "$TMP/files/one.json" "$TMP/files/two.json")"
same "completes commands after --" "$(comp exec x -- bas | grep -x bash)" "bash"

T=$(unique_name)
topo_copy "$ROOT/examples/demo.json" "$T"
check "up $T" "$VPCSIM" up "$F"
got=$(comp status "${T:0:6}")
case $'\n'"$got"$'\n' in *$'\n'"$T"$'\n'*) ok "completes topology names for status" ;; *) not_ok "completes topology names for status: $got" ;; esac
same "no topology name where a flag's value is not one" "$(comp probe -t "$T" --timeout-ms "${T:0:6}")" ""
got=$(comp down "")
case $'\n'"$got"$'\n' in *$'\n'"$T"$'\n'*) ok "completes topology names for down" ;; *) not_ok "completes topology names for down: $got" ;; esac
got=$(comp invoke -t "")
case $'\n'"$got"$'\n' in *$'\n'"$T"$'\n'*) ok "completes topology names after -t" ;; *) not_ok "completes topology names after -t: $got" ;; esac
same "completes node names of the topology for probe" "$(comp probe -t "$T" "")" \
	"$(lines reader edge default-fn db web cache legacy api)"
same "and for probe's second node" "$(comp probe -t "$T" reader d)" "$(lines db default-fn)"
same "no node as probe's port" "$(comp probe -t "$T" reader db "")" ""
same "completes function names for invoke" "$(comp invoke -t "$T" "")" "$(lines default-fn edge reader)"
same "completes function names for attach" "$(comp attach -t "$T" r)" "reader"
same "completes VPC/GROUP for sg" "$(comp sg authorize -t "$T" app/)" \
	"$(lines app/default app/lambda app/web app/db)"
same "completes node names for exec" "$(comp exec -t "$T" le)" "legacy"
same "completes node names for reach after -t NAME" "$(comp reach -t "$T" reader d)" "$(lines db default-fn)"
got=$(comp reach --matrix "${T:0:6}")
case $'\n'"$got"$'\n' in *$'\n'"$T"$'\n'*) ok "completes topology names for reach --matrix" ;; *) not_ok "completes topology names for reach --matrix: $got" ;; esac
got=$(comp check "${T:0:6}")
case $'\n'"$got"$'\n' in *$'\n'"$T"$'\n'*) ok "completes topology names for check" ;; *) not_ok "completes topology names for check: $got" ;; esac
same "completes files for check" "$(comp check "$TMP/files/o")" "$TMP/files/one.json"
same "completes function names for logs" "$(comp logs -t "$T" ed)" "edge"
check "down $T" "$VPCSIM" down "$T"
