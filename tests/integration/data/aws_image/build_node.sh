#!/bin/bash
# Builds a `docker save` archive of a Node.js function image with the AWS
# SDK for JavaScript v3, as a user's would be, without a registry or docker
# (t_aws_image.sh): the machine's node with its libraries, vpcsim's Node.js
# runtime client and the SDK it ships at /var/runtime (an AWS base image
# has its runtime and SDK v3 there), the function at /var/task. Like the
# Python image (build.sh) it ships no CA certificates and an
# /etc/resolv.conf naming 192.0.2.53 (TEST-NET-1), which nothing answers.
#   build_node.sh OUT.tar RUNTIME_DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../image_archive.sh"
out=$1 runtime=$2
[ -d "$runtime/node_modules/@aws-sdk/client-sts" ] || {
	echo "build_node.sh: $runtime/node_modules has no AWS SDK (make deps)" >&2
	exit 1
}
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
root=$w/rootfs
mkdir -p "$root/var/task" "$root/var/runtime" "$root/tmp" "$root/etc" "$root/usr/bin"
cp -L /usr/bin/node "$root/usr/bin/node"
for f in $(ldd /usr/bin/node | grep -o '/[^ :]*\.so[^ :]*' | sort -u); do
	[ -e "$f" ] && cp --parents -L "$f" "$root"
done
cp "$runtime"/*.mjs "$root/var/runtime/"
cp -r "$runtime/node_modules" "$root/var/runtime/node_modules"
cp "$here/task_node/index.mjs" "$root/var/task/"
echo "nameserver 192.0.2.53" >"$root/etc/resolv.conf"
image_archive "$root" vpcsim-sdk3:latest "$out" <<'JSON'
{ "Entrypoint": ["/usr/bin/node", "/var/runtime/index.mjs"],
  "Cmd": ["index.handler"], "WorkingDir": "/var/task",
  "Env": ["PATH=/usr/bin", "LANG=C.UTF-8", "HOME=/tmp",
          "NODE_PATH=/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task"] }
JSON
