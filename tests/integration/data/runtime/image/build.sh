#!/bin/bash
# Builds a `docker save` archive without a registry or docker: one layer
# holding this folder's bootstrap and function.sh at /var/task plus bash,
# curl and the tools the tutorial's bootstrap uses (with their libraries),
# a config with ENTRYPOINT, CMD, WORKDIR and ENV, and manifest.json. Its
# /etc/image-marker exists in no host root: a command that reads it runs
# inside the image.
#   build.sh OUT.tar [OCI-DIR]   with OCI-DIR, also the same image as an OCI
#                                 image layout (index.json, blobs/sha256)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../image_archive.sh"
out=$1
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
root=$w/rootfs
mkdir -p "$root/var/task" "$root/tmp" "$root/etc"
bins="/bin/bash /usr/bin/curl /usr/bin/mktemp /usr/bin/grep /usr/bin/tr /usr/bin/cut /bin/cat /usr/bin/id"
for f in $bins $(ldd $bins | grep -o '/[^ :]*' | sort -u); do
	cp --parents -L "$f" "$root"
done
cp "$here/bootstrap" "$here/function.sh" "$root/var/task/"
echo "vpcsim test image root" >"$root/etc/image-marker"
chmod 755 "$root/var/task/bootstrap"
image_archive "$root" vpcsim-test:latest "$out" "${2:-}" <<'JSON'
{ "Entrypoint": ["/var/task/bootstrap"], "Cmd": ["function.handler"], "WorkingDir": "/var/task",
  "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "IMG_VAR=from-image"] }
JSON
