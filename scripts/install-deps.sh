#!/bin/sh
# Installs the Debian packages vpcsim builds and tests with, only those that
# are missing, so `make check` on a ready machine does not touch apt.
#   install-deps.sh --check   exit 1 if anything is missing, install nothing
#   install-deps.sh --bench   also what `make bench` measures with
set -eu

PKGS="build-essential pkg-config make graphviz
libnl-3-dev libnl-route-3-dev libmnl-dev libnftnl-dev libbpf-dev libcjson-dev
uuid-dev libsmartcols-dev
libelf-dev zlib1g-dev linux-libc-dev
bpftool clang llvm libclang-rt-dev
libcmocka-dev python3-jsonschema libarchive-dev libmicrohttpd-dev libssl-dev
curl nodejs zip
iproute2 nftables procps util-linux bsdutils python3
libpq-dev postgresql postgresql-client pgbouncer openssl
dnsmasq-base bind9-dnsutils
python3-boto3 awscli"
# `make bench` only: throughput and the topology generator of bench/dataplane.sh.
BENCH_PKGS="iperf3 python3"
for arg in "$@"; do
	[ "$arg" = --bench ] && PKGS="$PKGS $BENCH_PKGS"
done

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "${1:-}" = "--check" ] || [ "${2:-}" = "--check" ]; then
	echo "install-deps: missing:$missing"
	exit 1
fi

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root (sudo make deps) to install them" >&2
	exit 3
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
