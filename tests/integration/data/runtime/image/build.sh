#!/bin/bash
# Builds a `docker save` archive without a registry or docker: one layer
# holding this folder's bootstrap and function.sh at /var/task plus bash,
# curl and the tools the tutorial's bootstrap uses (with their libraries),
# a config with ENTRYPOINT, CMD, WORKDIR and ENV, and manifest.json.
#   build.sh OUT.tar
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$1
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
root=$w/rootfs
mkdir -p "$root/var/task" "$root/tmp" "$root/etc"
bins="/bin/bash /usr/bin/curl /usr/bin/mktemp /usr/bin/grep /usr/bin/tr /usr/bin/cut"
for f in $bins $(ldd $bins | grep -o '/[^ :]*' | sort -u); do
	cp --parents -L "$f" "$root"
done
cp "$here/bootstrap" "$here/function.sh" "$root/var/task/"
chmod 755 "$root/var/task/bootstrap"
mkdir -p "$w/img/layer1"
tar -C "$root" -cf "$w/img/layer1/layer.tar" .
cat >"$w/img/config.json" <<'JSON'
{ "architecture": "amd64", "os": "linux",
  "config": { "Entrypoint": ["/var/task/bootstrap"], "Cmd": ["function.handler"],
              "WorkingDir": "/var/task",
              "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "IMG_VAR=from-image"] },
  "rootfs": { "type": "layers", "diff_ids": [] } }
JSON
echo '[{"Config":"config.json","RepoTags":["vpcsim-test:latest"],"Layers":["layer1/layer.tar"]}]' \
	>"$w/img/manifest.json"
tar -C "$w/img" -cf "$out" .
