#!/bin/bash
# make install / make uninstall with PREFIX and DESTDIR: every file where
# it belongs, working from where it is installed, and all of it removed.
. "$(dirname "$0")/lib.sh"
plan 17
D=$TMP/dest
mkdir -p "$TMP/rt/python" && printf '#!/bin/sh\necho bootstrap\n' >"$TMP/rt/python/bootstrap"
chmod 755 "$TMP/rt/python/bootstrap"

check "make install DESTDIR PREFIX=/usr" \
	make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr RUNTIMES="$TMP/rt"
check "the binary is in /usr/sbin, executable" test -x "$D/usr/sbin/vpcsim"
check "the installed binary runs" bash -c "'$D/usr/sbin/vpcsim' --version | grep -q '^vpcsim '"
check "the CNI plugin is in /opt/cni/bin/vpcsim and answers VERSION" \
	bash -c "CNI_COMMAND=VERSION '$D/opt/cni/bin/vpcsim' </dev/null | grep -q supportedVersions"
check "the man page is in /usr/share/man/man8" test -f "$D/usr/share/man/man8/vpcsim.8"
check "man reads it" bash -c "man -l '$D/usr/share/man/man8/vpcsim.8' 2>/dev/null | grep -q 'vpcsim up'"
check "the completion is in /usr/share/bash-completion/completions/vpcsim" \
	test -f "$D/usr/share/bash-completion/completions/vpcsim"
check "the completion defines _vpcsim" \
	bash -c ". '$D/usr/share/bash-completion/completions/vpcsim' && complete -p vpcsim | grep -q _vpcsim"
check "the schema is in /usr/share/vpcsim" \
	cmp "$ROOT/docs/topology.schema.json" "$D/usr/share/vpcsim/topology.schema.json"
# The page names the schema where this install put it, whatever the PREFIX.
schema_of_page() { # page: the schema path the rendered page names
	MANWIDTH=200 man -l "$1" 2>/dev/null | grep -o '/[^ ,]*/topology\.schema\.json' | head -1
}
check "the installed man page names the installed schema (PREFIX=/usr)" \
	test "$(schema_of_page "$D/usr/share/man/man8/vpcsim.8")" = /usr/share/vpcsim/topology.schema.json
check "the runtimes are in /usr/lib/vpcsim/runtimes" test -x "$D/usr/lib/vpcsim/runtimes/python/bootstrap"
check "make install PREFIX=/usr/local puts the binary in /usr/local/sbin" \
	bash -c "make -s -C '$ROOT' install DESTDIR='$TMP/d2' && test -x '$TMP/d2/usr/local/sbin/vpcsim'"
check "and a man page that names /usr/local/share/vpcsim/topology.schema.json" \
	test "$(schema_of_page "$TMP/d2/usr/local/share/man/man8/vpcsim.8")" = /usr/local/share/vpcsim/topology.schema.json
if command -v javac >/dev/null; then
	check "and the java17 runtime client's jar (install builds it first)" \
		test -s "$TMP/d2/usr/local/lib/vpcsim/runtimes/java/lib/vpcsim-lambda-java.jar"
else
	skip "and the java17 runtime client's jar" "no JDK (sudo make deps)"
fi

check "make uninstall DESTDIR PREFIX=/usr" make -s -C "$ROOT" uninstall DESTDIR="$D" PREFIX=/usr
left=$(find "$D" -type f -o -type l)
if [ -z "$left" ]; then ok "uninstall removed every installed file"; else
	not_ok "uninstall removed every installed file"
	echo "$left" | sed 's/^/    left: /'
fi
check "and the runtimes folder" test ! -e "$D/usr/lib/vpcsim"
