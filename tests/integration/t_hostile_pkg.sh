#!/bin/bash
# Hostile packages (issue 18, defects 1-5): container images and zips built
# by hand that try to make vpcsim, which unpacks and mounts them as root,
# touch the host. Each case asserts the host's canaries are untouched (mode,
# existence, content) and the function saw nothing of the host.
#   canary        a file, mode 0640, known content (a chmod target)
#   canary.d/     a folder with target and target2 (whiteout targets)
#   secret.tar    root's own tar with secret.txt (a manifest's target)
. "$(dirname "$0")/lib.sh"
plan 37
T=$(unique_name)
H=$TMP/host
D=$ROOT/tests/integration/data/hostile
inv() { # FN: stdout to $TMP/fn.out, stderr to $TMP/log, exit code in $RC
	V invoke -t "$T" "$1" >"$TMP/fn.out" 2>"$TMP/log"
	RC=$?
}
saw() { # DESCRIPTION PATTERN: in the function's output
	if grep -q -- "$2" "$TMP/fn.out"; then ok "$1"; else
		not_ok "$1 (its output: $(head -c 300 "$TMP/fn.out"))"
		sed 's/^/    /' "$TMP/log"
	fi
}
has() { if grep -q -- "$2" "$TMP/log"; then ok "$1"; else not_ok "$1 (no '$2' in the log)"; sed 's/^/    /' "$TMP/log"; fi; }
canary() { # the host's canaries as made: mode, content, existence
	[ "$(stat -c %a "$H/canary")" = 640 ] && [ "$(cat "$H/canary")" = "canary text" ] &&
		[ "$(cat "$H/canary.d/target")" = target ] && [ "$(cat "$H/canary.d/target2")" = target2 ] &&
		[ "$(stat -c %a "$H/canary.d")" = 750 ] && [ ! -e "$H/canary.d/task" ] &&
		[ ! -e "$H/made-by-root" ] && [ "$(ls -A "$H/canary.d" | tr '\n' ' ')" = "target target2 " ]
}
rootfs() { echo "/run/vpcsim/$T/code/$1/rootfs"; }

mkdir -p "$H/canary.d"
echo "canary text" >"$H/canary" && chmod 640 "$H/canary"
echo target >"$H/canary.d/target" && echo target2 >"$H/canary.d/target2" && chmod 750 "$H/canary.d"
echo TOPSECRET >"$TMP/secret.txt"
tar -C "$TMP" -cf "$H/secret.tar" secret.txt && chmod 600 "$H/secret.tar" && rm "$TMP/secret.txt"

# The base layer: bash, curl and what the bootstrap uses, with their libraries.
B=$TMP/base
mkdir -p "$B/opt" "$B/tmp" "$B/etc" "$B/proc" "$B/dev"
bins="/bin/bash /usr/bin/curl /usr/bin/mktemp /usr/bin/grep /usr/bin/tr /usr/bin/cut"
for f in $bins $(ldd $bins | grep -o '/[^ :]*' | sort -u); do cp --parents -L "$f" "$B"; done
cp "$D/bootstrap" "$D/probe.sh" "$B/opt/"
chmod 1777 "$B/tmp"
build_images() {
	local c
	for c in tmp-link hosts-link resolv-link ca-link ca-file-link var-link whiteout device manifest-escape; do
		"$D/mkimage.py" "$B" "$TMP/$c.tar" "$c" "$H" || return 1
	done
}
check "the hostile images built" build_images

# An OCI layout folder whose layer blob is a symbolic link to root's tar.
O=$TMP/oci
mkdir -p "$O/blobs/sha256"
blob() { local d; d=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$O/blobs/sha256/$d"; echo "sha256:$d"; }
tar -C "$B" -cf "$TMP/base.tar" .
echo '{"config":{"Entrypoint":["/opt/bootstrap"],"Cmd":["probe.probe"],"Env":["PATH=/usr/bin:/bin"]}}' >"$TMP/cfg.json"
fake=$(echo fake | sha256sum | cut -d' ' -f1)
ln -s "$H/secret.tar" "$O/blobs/sha256/$fake"
printf '{"schemaVersion":2,"config":{"digest":"%s"},"layers":[{"digest":"%s"},{"digest":"sha256:%s"}]}' \
	"$(blob "$TMP/cfg.json")" "$(blob "$TMP/base.tar")" "$fake" >"$TMP/man.json"
printf '{"schemaVersion":2,"manifests":[{"digest":"%s"}]}' "$(blob "$TMP/man.json")" >"$O/index.json"

# A zip whose members use data descriptors (no sizes up front) and whose
# central directory is cut off: 300 MB of zeros behind a 300 KB file.
python3 - "$TMP/bomb.zip" "$TMP/ok.zip" <<'PY'
import io, sys, zipfile
class Stream(io.RawIOBase):  # unseekable: zipfile writes data descriptors
    def __init__(self): self.buf = io.BytesIO()
    def writable(self): return True
    def write(self, b): return self.buf.write(b)
s = Stream()
with zipfile.ZipFile(s, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("app.py", "def handler(e, c):\n    return 'ran'\n")
    with z.open("big", "w") as f:
        for _ in range(300):
            f.write(bytes(1 << 20))
data = s.buf.getvalue()
open(sys.argv[1], "wb").write(data[:data.rfind(b"PK\x01\x02")])
with zipfile.ZipFile(sys.argv[2], "w") as z:
    z.writestr("app.py", "def handler(e, c):\n    return 'ran'\n")
PY

cat >"$TMP/t.json" <<JSON
{ "name": "$T", "functions": [
  { "name": "tmplink", "image": "tmp-link.tar" },
  { "name": "hostslink", "image": "hosts-link.tar" },
  { "name": "resolvlink", "image": "resolv-link.tar" },
  { "name": "calink", "image": "ca-link.tar" },
  { "name": "cafilelink", "image": "ca-file-link.tar" },
  { "name": "varlink", "image": "var-link.tar" },
  { "name": "whiteout", "image": "whiteout.tar" },
  { "name": "device", "image": "device.tar" },
  { "name": "escape", "image": "manifest-escape.tar" },
  { "name": "ocilink", "image": "oci" },
  { "name": "zip", "runtime": "python3.11", "handler": "app.handler", "code": "pkg.zip" } ] }
JSON
NAMES+=("$T")
cp "$TMP/ok.zip" "$TMP/pkg.zip"
check "up $T" V up "$TMP/t.json"
check "the canaries as made" canary

# ---- 1: the root's mount points are links out of the image -----------------
inv tmplink
has "1: /tmp linked to a host file: refused, naming the rule" "/tmp is a symbolic link or a file"
check "1: /tmp link: the host file keeps its mode (640) and content" canary
inv hostslink
has "1: /etc/hosts linked out: refused" "/etc/hosts is .*make it a file in the image"
check "1: /etc/hosts link: no file made on the host" canary
inv resolvlink
is "1: /etc/resolv.conf linked out: the link is replaced, the image runs" 0 "$RC"
saw "1: ... and the function reads the node's resolv.conf" "resolv:vpcsim"
check "1: /etc/resolv.conf link: no file made on the host" canary
inv calink
has "1: /var/vpcsim (the CA bundle's folder) linked to a host folder: refused" \
	"/var/vpcsim is a symbolic link or a file"
check "1: /var/vpcsim link: no file made in the host folder" canary
inv cafilelink
has "1: the CA bundle's file linked to a host file: refused" \
	"/var/vpcsim/ca-bundle.pem is a symbolic link: vpcsim mounts the topology's CA bundle there"
check "1: CA bundle link: the host file keeps its mode and content" canary
inv varlink
has "1: /var linked to a host folder: refused" "/var is a symbolic link or a file"
check "1: /var link: no task folder made in the host folder" canary

# ---- 2: whiteouts through links ---------------------------------------------
inv whiteout
is "2: whiteouts beneath links: the image runs" 0 "$RC"
check "2: whiteouts beneath links (across layers, within one) delete no host file" canary
saw "2: the function sees no host file through the link" "w:absent"

# ---- 3: device nodes, setuid, FIFOs ------------------------------------------
inv device
is "3: an image with device nodes runs" 0 "$RC"
saw "3: the function cannot open the device node" "dev:refused"
saw "3: the image root is mounted read-only, nosuid, nodev" "root:ro,nosuid,nodev"
check "3: no device node, FIFO or setuid/setgid file was made" \
	bash -c "[ -f '$(rootfs device)/opt/suid' ] && [ -z \"\$(find '$(rootfs device)' -type c -o -type b -o -type p -o -perm /6000)\" ]"

# ---- 4: layers named by paths out of the archive --------------------------------
inv escape
has "4: a manifest's ../ layer path: refused, naming the rule" "names .*secret.tar\", which cannot be a member of the archive"
check "4: the root-only tar was not unpacked (nothing left)" bash -c "! grep -rqs TOPSECRET /run/vpcsim/$T/code/escape"
check_fails "4: the function never ran with the secret" grep -q TOPSECRET "$TMP/fn.out"
inv ocilink
has "4: an OCI layout's blob that is a symlink: refused" "is a symbolic link or not a regular file"
check_fails "4: the OCI function never ran with the secret" grep -q TOPSECRET "$TMP/fn.out"
check "1-4: the canaries after every image" canary

# ---- 5: a zip that lies about its size ---------------------------------------------
check "5: validate passes with a good zip" V validate "$TMP/t.json"
cp "$TMP/bomb.zip" "$TMP/pkg.zip"
V validate "$TMP/t.json" >"$TMP/log" 2>&1
is "5: validate counts the data, not the headers: exit 2" 2 "$?"
has "5: validate names the limit" "functions\[10\].code: InvalidParameterValueException: Unzipped size must be smaller than 262144000 bytes"
# The zip changed after up: invoke checks it again before unpacking it
# (unpacking itself also counts what it writes: tests/unit/test_pkgpath.c).
inv zip
has "5: invoke of the swapped zip: refused" "Unzipped size must be smaller than 262144000 bytes"
check "5: nothing of it unpacked" bash -c "[ ! -e /run/vpcsim/$T/code/zip ]"
check "5: the function did not run" bash -c "[ '$RC' != 0 ] && ! grep -q ran '$TMP/fn.out'"

check "down $T" V down "$T"
check "the canaries at the end" canary
