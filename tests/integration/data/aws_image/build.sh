#!/bin/bash
# Builds a `docker save` archive of a Python function image with boto3, as
# a user's would be, without a registry or docker (t_aws_image.sh): the
# machine's python3 with its libraries and standard library (less its
# tests and GUI), Debian's boto3 and what it imports (requests too:
# Debian's botocore uses the system's; service models only for sts and s3), vpcsim's Python runtime client at
# /var/runtime (an AWS base image has awslambdaric there), the function
# at /var/task. It ships no CA certificates, and an /etc/resolv.conf naming
# an address no simulation answers (192.0.2.53, TEST-NET-1): a boto3 call
# succeeds only with the resolver and CA bundle vpcsim mounts.
#   build.sh OUT.tar RUNTIME_DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../image_archive.sh"
out=$1 runtime=$2
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
root=$w/rootfs
py=/usr/lib/python3.11 dist=/usr/lib/python3/dist-packages
mkdir -p "$root/var/task" "$root/var/runtime" "$root/tmp" "$root/etc" "$root/usr/bin" "$root$dist/botocore/data"
cp -L /usr/bin/python3.11 "$root/usr/bin/python3"
for f in $(ldd /usr/bin/python3.11 $py/lib-dynload/*.so | grep -o '/[^ :]*\.so[^ :]*' | sort -u); do
	[ -e "$f" ] && cp --parents -L "$f" "$root"
done
tar -C / --exclude="${py#/}/test" --exclude="${py#/}/idlelib" --exclude="${py#/}/tkinter" \
	--exclude="${py#/}/lib2to3" --exclude="${py#/}/ensurepip" --exclude="${py#/}/config-3.11-*" \
	-cf - "${py#/}" | tar -C "$root" -xf -
for m in boto3 s3transfer jmespath dateutil urllib3 six.py requests idna certifi charset_normalizer chardet; do cp -r "$dist/$m" "$root$dist/"; done
tar -C "$dist" --exclude=botocore/data -cf - botocore | tar -C "$root$dist" -xf -
for d in sts s3 _retry.json endpoints.json partitions.json sdk-default-configuration.json; do
	cp -r "$dist/botocore/data/$d" "$root$dist/botocore/data/"
done
cp "$runtime/bootstrap.py" "$runtime/vpcsim_ric.py" "$root/var/runtime/"
cp "$here/task/app.py" "$root/var/task/"
echo "nameserver 192.0.2.53" >"$root/etc/resolv.conf"
image_archive "$root" vpcsim-boto3:latest "$out" <<'JSON'
{ "Entrypoint": ["/usr/bin/python3", "-u", "/var/runtime/bootstrap.py"],
  "Cmd": ["app.handler"], "WorkingDir": "/var/task", "Env": ["PATH=/usr/bin", "LANG=C.UTF-8"] }
JSON
