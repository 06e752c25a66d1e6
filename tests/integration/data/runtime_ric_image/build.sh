#!/bin/bash
# Builds a `docker save` archive of a container image whose runtime is AWS's
# Node.js Runtime Interface Client, as its README's Dockerfile makes one
# (ENTRYPOINT the client, CMD the handler), without docker: one layer with
# the machine's node and its libraries, the handlers of ../runtime_ric at
# /var/task and the client (aws-lambda-ric and @aws/lambda-invoke-store, its
# only run-time dependency) in /var/task/node_modules.
#   build.sh NODE_MODULES OUT.tar
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../image_archive.sh"
mods=$1
out=$2
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
root=$w/rootfs
mkdir -p "$root/var/task/node_modules/@aws" "$root/tmp"
node=$(command -v node)
libs=$(ldd "$node" "$mods/aws-lambda-ric/rapid-client.node" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*[^:]$/ {print $1}')
for f in "$node" $(echo "$libs" | sort -u); do
	cp --parents -L "$f" "$root"
done
cp "$here/../runtime_ric/app.mjs" "$here/../runtime_ric/package.json" "$root/var/task/"
cp -r "$mods/aws-lambda-ric" "$root/var/task/node_modules/"
cp -r "$mods/@aws/lambda-invoke-store" "$root/var/task/node_modules/@aws/"
image_archive "$root" vpcsim-ric:latest "$out" <<JSON
{ "Entrypoint": ["$node", "/var/task/node_modules/aws-lambda-ric/index.mjs"],
  "Cmd": ["app.handler"], "WorkingDir": "/var/task" }
JSON
