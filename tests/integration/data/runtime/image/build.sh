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
[ $# -ge 2 ] || exit 0
oci=$2
mkdir -p "$oci/blobs/sha256"
blob() { # FILE MEDIATYPE: store FILE as a blob, print its descriptor
	local d s
	d=$(sha256sum "$1" | cut -d' ' -f1)
	s=$(stat -c %s "$1")
	cp "$1" "$oci/blobs/sha256/$d"
	printf '{"mediaType":"%s","digest":"sha256:%s","size":%s}' "$2" "$d" "$s"
}
gzip -c "$w/img/layer1/layer.tar" >"$w/layer.tar.gz"
cfg=$(blob "$w/img/config.json" application/vnd.oci.image.config.v1+json)
layer=$(blob "$w/layer.tar.gz" application/vnd.oci.image.layer.v1.tar+gzip)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":%s,"layers":[%s]}' \
	"$cfg" "$layer" >"$w/manifest.json"
man=$(blob "$w/manifest.json" application/vnd.oci.image.manifest.v1+json)
printf '{"schemaVersion":2,"manifests":[%s]}' "$man" >"$oci/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$oci/oci-layout"
