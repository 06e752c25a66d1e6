#!/bin/bash
# README.md's five-minute tour, run as written: its commands and the output
# it shows are read from README.md itself, so the two cannot drift apart.
# Each command runs under a unique topology name (a copy of
# examples/demo.json), with `-t NAME` added where the README leaves it out
# (it may: with one topology up; this machine may have others up), `sudo`
# dropped (the test is root) and build/vpcsim as $VPCSIM. Every output line
# the README shows must appear in the command's output, compared with
# numbers, ids and runs of blanks as wildcards, and as a prefix (the README
# cuts long lines).
. "$(dirname "$0")/lib.sh"
T=$(unique_name)
topo_copy "$ROOT/examples/demo.json" "$T"
mkdir "$TMP/tour"

# tour.N.cmd: the command as the test runs it; tour.N.want: one extended
# regex a line for each line of output the README shows after it.
python3 - "${README_MD:-$ROOT/README.md}" "$TMP/tour" "$T" "$F" <<'PY'
import re, sys
readme, out, name, copy = sys.argv[1:]
text = open(readme).read()
tour = text[text.index("## A five-minute tour"):]
tour = tour[tour.index("```\n") + 4:]
tour = tour[:tour.index("```\n")]
cmds = []
for line in tour.splitlines():
    if line.startswith("$ "):
        cmds.append([line[2:], []])
    elif cmds and line.strip():
        cmds[-1][1].append(line)
# verbs that act on a topology, and where -t NAME goes when it is missing
TAKES_T = {"probe", "exec", "invoke", "attach", "detach", "status", "reach", "logs",
           "flows", "check", "down", "serve"}
def ere(s):
    return re.sub(r"([.\[\]()*+?{}|^$\\])", r"\\\1", s)
def want(line):
    line = re.sub(r"\bdemo\b(?!\.(json|svg))", name, line.strip())
    cut = line.endswith("...")
    if cut:
        line = line[:-3].rstrip()
    # placeholders first, then escape the literal rest
    parts = re.split(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|eni-[0-9a-f]{17}|[0-9]+|\s+)", line)
    rx = ""
    for p in parts:
        if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", p):
            rx += "[0-9a-f-]{36}"
        elif re.fullmatch(r"eni-[0-9a-f]{17}", p):
            rx += "eni-[0-9a-f]{17}"
        elif re.fullmatch(r"[0-9]+", p):
            rx += "[0-9]+"
        elif re.fullmatch(r"\s+", p):
            rx += " "
        else:
            rx += ere(p)
    return "^" + rx
for i, (cmd, outs) in enumerate(cmds, 1):
    shown = cmd
    cmd = re.sub(r"\s{2,}#.*$", "", cmd)           # the README's comments
    cmd = re.sub(r"^sudo ", "", cmd)
    cmd = cmd.replace("examples/demo.json", copy)
    cmd = re.sub(r"\bdemo\b(?!\.(json|svg))", name, cmd)
    words = cmd.split()
    assert words[0] == "build/vpcsim", cmd
    verb = words[1]
    rest = " ".join(words[2:])
    named = re.search(r"(^| )-t ", rest) or re.search(r"(^| )%s( |$)" % re.escape(name), rest) \
        or copy in rest
    if verb in TAKES_T and not named:
        rest = "-t %s %s" % (name, rest)
    if verb == "sg" and not named:
        action, _, tail = rest.partition(" ")
        rest = "%s -t %s %s" % (action, name, tail)
    cmd = '"$VPCSIM" %s %s' % (verb, rest)
    open("%s/tour.%02d.cmd" % (out, i), "w").write(cmd + "\n")
    open("%s/tour.%02d.shown" % (out, i), "w").write(shown + "\n")
    open("%s/tour.%02d.want" % (out, i), "w").write("".join(want(o) + "\n" for o in outs))
PY
n=$(ls "$TMP"/tour/tour.*.cmd 2>/dev/null | wc -l)
plan $((n + 1))
check "README.md's tour has its commands ($n)" test "$n" -ge 20

# shows N: every wanted line of command N is in its (blank-squeezed) output
shows() {
	local w out=$TMP/tour/$1.out miss=""
	sed -E 's/[[:space:]]+/ /g; s/^ //; s/ $//' "$TMP/tour/$1.raw" >"$out"
	while IFS= read -r w; do
		grep -Eq -- "$w" "$out" || miss+="    missing: $w"$'\n'
	done <"$TMP/tour/$1.want"
	[ -z "$miss" ] && return 0
	printf '%s' "$miss"
	sed 's/^/    got: /' "$TMP/tour/$1.raw"
	return 1
}
cd "$TMP/tour" || exit 1
for c in "$TMP"/tour/tour.*.cmd; do
	k=$(basename "$c" .cmd)
	VPCSIM=$VPCSIM bash -c "$(cat "$c")" >"$TMP/tour/$k.raw" 2>&1 </dev/null
	check "${k#tour.}: \`$(cat "$TMP/tour/$k.shown")\` shows what README.md shows" shows "$k"
done
