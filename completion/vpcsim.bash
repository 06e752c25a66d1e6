# bash completion for vpcsim(8).
#
# Verbs and each verb's flags come from the binary's own verb table
# (`vpcsim __complete verbs`, `vpcsim __complete flags VERB`), topology
# names from /run/vpcsim (`__complete topologies`), node, function and
# security-group names from the saved copy of the chosen topology
# (`__complete nodes|functions|groups [TOPO]`, no root needed), so this
# file never lists a verb or a flag itself and cannot drift from main.c.

# The vpcsim being completed (build/vpcsim, or the one on PATH).
_vpcsim_ask() {
	local bin=${COMP_WORDS[0]}
	[[ $bin == */* || -z $bin ]] || bin=$(type -P "$bin" 2>/dev/null)
	[[ -n $bin ]] || bin=vpcsim
	"$bin" __complete "$@" 2>/dev/null
}

_vpcsim_reply() { # words cur
	local IFS=$'\n'
	# shellcheck disable=SC2207
	COMPREPLY=($(compgen -W "$1" -- "$2"))
}

_vpcsim_files() { # cur
	compopt -o filenames 2>/dev/null
	local IFS=$'\n'
	# shellcheck disable=SC2207
	COMPREPLY=($(compgen -f -- "$1"))
}

# Complete the value of flag $1 of verb $2.
_vpcsim_value() { # flag verb cur
	local vals
	vals=$(_vpcsim_ask values "$2" "$1")
	case $vals in
	@files) _vpcsim_files "$3" ;;
	@topologies) _vpcsim_reply "$(_vpcsim_ask topologies)" "$3" ;;
	*) _vpcsim_reply "$vals" "$3" ;;
	esac
}

_vpcsim() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local verb=${COMP_WORDS[1]-} topo="" valued w i npos=0
	COMPREPLY=()

	if ((COMP_CWORD == 1)); then
		_vpcsim_reply "$(_vpcsim_ask verbs)"$'\nhelp\n--version\n--help' "$cur"
		return 0
	fi
	valued=$'\n'$(_vpcsim_ask valued "$verb")$'\n'
	# Count the positional arguments before the cursor, note -t NAME, and
	# after a `--` complete the command to run inside the node.
	for ((i = 2; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == -- ]]; then
			_vpcsim_reply "$(compgen -c -- "$cur" | sort -u)" "$cur"
			return 0
		fi
		[[ $w == -t ]] && topo=${COMP_WORDS[i + 1]-}
		if [[ $w != -* && $valued != *$'\n'"${COMP_WORDS[i - 1]}"$'\n'* ]]; then
			npos=$((npos + 1))
		fi
	done
	if [[ $prev == -* && $valued == *$'\n'"$prev"$'\n'* ]]; then
		_vpcsim_value "$prev" "$verb" "$cur"
		return 0
	fi
	if [[ $cur == -* ]]; then
		_vpcsim_reply "$(_vpcsim_ask flags "$verb")" "$cur"
		return 0
	fi
	case $verb in
	help) ((npos == 0)) && _vpcsim_reply "$(_vpcsim_ask verbs)"$'\n--verbs\n--man' "$cur" ;;
	validate | up | import) ((npos == 0)) && _vpcsim_files "$cur" ;;
	down | status | flows) ((npos == 0)) && _vpcsim_reply "$(_vpcsim_ask topologies)" "$cur" ;;
	reach)
		if [[ " ${COMP_WORDS[*]} " == *" --matrix "* ]]; then
			((npos == 0)) && _vpcsim_reply "$(_vpcsim_ask topologies)" "$cur"
		else
			((npos < 2)) && _vpcsim_reply "$(_vpcsim_ask nodes "$topo")" "$cur"
		fi ;;
	graph | check)
		((npos == 0)) || return 0
		_vpcsim_files "$cur"
		local IFS=$'\n'
		# shellcheck disable=SC2207
		COMPREPLY+=($(compgen -W "$(_vpcsim_ask topologies)" -- "$cur")) ;;
	exec) ((npos == 0)) && _vpcsim_reply "$(_vpcsim_ask nodes "$topo")" "$cur" ;;
	probe) ((npos < 2)) && _vpcsim_reply "$(_vpcsim_ask nodes "$topo")" "$cur" ;;
	invoke | attach | detach | logs | tune)
		((npos == 0)) && _vpcsim_reply "$(_vpcsim_ask functions "$topo")" "$cur" ;;
	sg)
		if ((npos == 0)); then
			_vpcsim_reply $'authorize\nrevoke' "$cur"
		elif ((npos == 1)); then
			_vpcsim_reply "$(_vpcsim_ask groups "$topo")" "$cur"
		fi ;;
	esac
	return 0
}
complete -F _vpcsim vpcsim
