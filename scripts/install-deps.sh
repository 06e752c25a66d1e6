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
libcmocka-dev python3-jsonschema libarchive-dev libmicrohttpd-dev libssl-dev libyaml-dev
curl nodejs zip cmake xz-utils
iproute2 nftables procps util-linux bsdutils python3
libpq-dev postgresql postgresql-client openssl python3-psycopg2
mariadb-server mariadb-client libmariadb-dev python3-pymysql
dnsmasq-base bind9-dnsutils
python3-boto3 awscli python3-pil
openjdk-17-jdk-headless libjackson2-databind-java
podman runc busybox-static"
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
# npm packages, each folder pinned by its package-lock.json and installed
# with `npm ci` (exact versions, no lockfile change) into its node_modules:
# the AWS zone's engines (engines/, docs/AWS-SERVICES.md) and the AWS SDK
# for JavaScript v3 that the Node.js runtime ships (runtimes/nodejs/, at
# /var/runtime/node_modules inside a function, as on AWS), and AWS's own
# Node.js Runtime Interface Client that t_runtime_ric runs (tests/ric/: its
# install builds its bundled curl and aws-lambda-cpp with cmake, make, a C++
# compiler and node-gyp against the machine's /usr/include/node; minutes,
# once; the file checked is the native client that build makes).
TOP=$(cd "$(dirname "$0")/.." && pwd)
NPM_DIRS="$TOP/engines:s3rver/bin/s3rver.js $TOP/runtimes/nodejs:@aws-sdk/client-lambda/package.json
$TOP/tests/ric:aws-lambda-ric/rapid-client.node"
engines_missing() {
	for d in $NPM_DIRS; do
		[ -f "${d%%:*}/node_modules/${d#*:}" ] || return 0
	done
	return 1
}
engines_install() {
	for d in $NPM_DIRS; do
		[ -f "${d%%:*}/node_modules/${d#*:}" ] && continue
		echo "install-deps: npm ci in ${d%%:*}"
		(cd "${d%%:*}" && npm ci --no-audit --no-fund --loglevel=error)
	done
}
if [ -z "$missing" ]; then
	if engines_missing && { [ "${1:-}" = "--check" ] || [ "${2:-}" = "--check" ]; }; then
		echo "install-deps: missing: engines/, runtimes/nodejs/ or tests/ric/ node_modules (npm ci)"
		exit 1
	fi
	engines_install
	exit 0
fi
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
# Package scripts must start no service in the root namespace (mariadb-server
# would start a system-wide server; vpcsim runs its own, jailed, per
# database): a policy-rc.d that exits 101 refuses every start, and is removed
# afterwards unless the machine already had one.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# install-deps.sh: no service starts during this install\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	made_policy=1
	trap 'rm -f "$policy"' EXIT INT TERM
fi
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing
if [ -n "$made_policy" ]; then rm -f "$policy"; trap - EXIT INT TERM; fi
engines_install
