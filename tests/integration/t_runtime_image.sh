#!/bin/bash
# `invoke FN -- CMD` and `exec FN -- CMD` on an image function run inside
# the image's root file system, as the image's runtime does: the image's
# files (a marker no host has), its WORKDIR, its Env under the function's
# variables, read-only but /tmp, unprivileged; beside a warm runtime
# without pulling its root away. A package function's command still runs
# in the jail (the host's tools).
. "$(dirname "$0")/lib.sh"
plan 16
T=$(unique_name)
mkdir -p "$TMP/runtime"
cp -r "$ROOT/tests/integration/data/runtime/py" "$TMP/runtime/"
"$ROOT/tests/integration/data/runtime/image/build.sh" "$TMP/runtime/img.tar" "$TMP/runtime/img-oci"
topo_copy "$ROOT/tests/integration/data/runtime_image.json" "$T"
is() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected '$2', got '$3')"; sed 's/^/    /' "$TMP/err"; fi; }
MARK="vpcsim test image root"
# A command's output comes first on stdout, then its REPORT line.
cmd() { "$VPCSIM" invoke -t "$T" "$@" 2>"$TMP/err" | tee "$TMP/cmdout" | grep -v '^REPORT RequestId: '; }

check "up $T" V up "$F"
out=$(cmd img -- cat /etc/image-marker)
is "invoke img -- CMD: the command reads the image's own file" "$MARK" "$out"
out=$(cmd img -- bash -c 'echo "$PWD $IMG_VAR $FN_VAR $AWS_LAMBDA_FUNCTION_NAME"; [ -e /usr/bin/python3 ] && echo host-root || echo image-root')
is "invoke img -- CMD: WORKDIR, the function's variables over the image's Env, no host file" \
	"/var/task overridden from-function img image-root" "$(echo $out)"
out=$(cmd img -- bash -c '(echo x >/var/task/w) 2>/dev/null && echo rw || echo ro; echo y >/tmp/w && cat /tmp/w; id -u')
is "invoke img -- CMD: the root read-only, /tmp writable, an unprivileged uid" "ro y yes" \
	"$(set -- $out; echo "$1 $2 $([ "${3:-0}" -ge $((0x70000000)) ] && echo yes || echo "$3")")"
check_fails "invoke img -- CMD: a host program is not there" V invoke -t "$T" img -- /usr/bin/python3 -c 1
out=$(V exec -t "$T" img -- cat /etc/image-marker </dev/null 2>"$TMP/err")
is "exec img: the command reads the image's own file" "$MARK" "$out"
out=$(V exec -t "$T" imgoci -- bash -c 'echo "$PWD $IMG_VAR"; cat /etc/image-marker' </dev/null 2>"$TMP/err")
is "exec imgoci (OCI layout): image_config's working_directory, the image's Env, its file" \
	"/tmp from-image $MARK" "$(echo $out)"

# Beside a warm runtime: the image's runtime answers, then a command runs in
# its environment, and the runtime is still warm and whole after it.
V invoke -t "$T" imgoci --payload '{"n":1}' >"$TMP/out" 2>"$TMP/err"
is "imgoci: the image's runtime answers" '0 image:from-image:ro:{"n":1}' "$? $(cat "$TMP/out")"
ino=$(stat -c %i /run/vpcsim/"$T"/code/imgoci/rootfs/etc/image-marker)
out=$(V exec -t "$T" imgoci -- cat /etc/image-marker </dev/null 2>"$TMP/err")
is "exec beside the warm runtime: the image's file" "$MARK" "$out"
V invoke -t "$T" imgoci --payload '{"n":2}' >"$TMP/out" 2>"$TMP/err"
is "imgoci: still warm after the exec (no Init Duration), its root intact" \
	'0 image:from-image:ro:{"n":2} warm' \
	"$? $(cat "$TMP/out") $(grep -q 'Init Duration' "$TMP/err" && echo cold || echo warm)"
V invoke -t "$T" imgoci -- cat /etc/image-marker >/dev/null 2>"$TMP/err"
is "exec and invoke -- CMD use the root the runtime runs in (not unpacked again)" "$ino" "$(stat -c %i /run/vpcsim/"$T"/code/imgoci/rootfs/etc/image-marker)"

# A command fails in the image as it would there; exit codes pass through.
V invoke -t "$T" img -- bash -c 'exit 7' >"$TMP/cmdout" 2>"$TMP/err"
is "invoke img -- CMD: a command that fails fails the invoke" 1 "$?"
check "invoke img -- CMD: REPORT for the command" grep -q '^REPORT RequestId: ' "$TMP/cmdout"
V exec -t "$T" img -- bash -c 'exit 7' </dev/null >/dev/null 2>"$TMP/err"
is "exec img: the command's exit status" 7 "$?"

# A package function's command: the jail, with the host's tools.
out=$(cmd py -- sh -c '[ -e /etc/image-marker ] && echo image || echo jail; [ -x /usr/bin/python3 ] && echo host-tools')
is "invoke py -- CMD (a package): the jail with the host's tools, no image" "jail host-tools" "$(echo $out)"
check "down $T" V down "$T"
