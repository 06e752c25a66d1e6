#!/bin/bash
# A real container joins a VPC through the vpcsim CNI plugin: Debian's
# podman with its CNI backend, runc and cgroupfs (docs/CNI.md "podman"),
# an image made here from busybox-static (`podman import` of a root file
# system: nothing is pulled), `podman run --network vpc-web`. The
# container gets its ENI address in the subnet and the VPC resolver in its
# resolv.conf; a VPC function reaches its HTTP server by its name when the
# container's security group admits the function's group and times out
# when not, and the live `vpcsim sg authorize` opens it; `podman stop`
# runs DEL (no ENI, no binding left), `podman start` runs ADD again,
# `podman rm` leaves nothing; `vpcsim down` detaches a running container
# and its `podman rm` still succeeds. podman never touches the root
# namespace's network: no cni-podman0 bridge, no link, no firewall rule
# (nft and iptables-legacy), and all its state lives in the test's folder.
. "$(dirname "$0")/lib.sh"
plan 25
T=$(unique_name)
CNI=${VPCSIM_CNI:-$ROOT/build/vpcsim-cni}
BB=/bin/busybox
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || [ ! -x "$BB" ]; then
	for i in $(seq 25); do skip "podman check $i" "podman, runc or busybox-static is not installed (sudo make deps)"; done
	exit 0
fi
cp -r "$ROOT/tests/integration/data/cni_podman" "$TMP/"
topo_copy "$ROOT/tests/integration/data/cni_podman.json" "$T"

# Everything podman keeps is under $POD: storage, run state, locks (file
# locks, not the machine-wide /dev/shm/libpod_lock), networks, plugins.
# The default ulimits stay within this VM's hard limits (root lacks
# CAP_SYS_RESOURCE here, so podman's own defaults make runc fail).
POD=$TMP/podman
CG=vpcsim-podman-$T # the containers' cgroup parent, removed at the end
mkdir -p "$POD"/{net,bin,root,runroot,tmp,rootfs/bin,rootfs/www}
cp "$CNI" "$POD/bin/vpcsim"
cat >"$POD/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
lock_type = "file"
tmp_dir = "$POD/tmp"
[network]
network_backend = "cni"
cni_plugin_dirs = ["$POD/bin"]
network_config_dir = "$POD/net"
default_network = "vpc-web"
EOF
printf '{"cniVersion":"1.0.0","name":"vpc-web","plugins":[{"type":"vpcsim","topology":"%s","subnet":"private-a","security_groups":["web"]}]}\n' \
	"$T" >"$POD/net/vpc-web.conflist"
P() { CONTAINERS_CONF="$POD/containers.conf" podman --root "$POD/root" --runroot "$POD/runroot" "$@"; }
IMG=localhost/vpcsim-test-$T

legacy_rules() { iptables-legacy-save 2>/dev/null | grep -v '^#'; true; }
LEGACY_BEFORE=$(legacy_rules)
pod_cleanup() {
	local d
	P rm -a -f -t 0 >/dev/null 2>&1
	P rmi -a -f >/dev/null 2>&1
	for d in /sys/fs/cgroup/*/"$CG"; do
		[ -d "$d" ] || continue
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	true
}
trap 'pod_cleanup; finish' EXIT

cp "$BB" "$POD/rootfs/bin/busybox"
for a in sh httpd ip cat nslookup sleep; do ln -s busybox "$POD/rootfs/bin/$a"; done
echo "hello from $T" >"$POD/rootfs/www/index.html"
check "podman import makes a local image of a busybox root file system" \
	bash -c "tar -C '$POD/rootfs' -c . | CONTAINERS_CONF='$POD/containers.conf' podman --root '$POD/root' --runroot '$POD/runroot' import - '$IMG'"
"$VPCSIM" up "$F" >/dev/null 2>"$TMP/up.err" || { cat "$TMP/up.err"; exit 1; }
check "podman lists the network with the vpcsim driver" bash -c "$(declare -f P); POD='$POD'; P network ls --format '{{.Name}} {{.Driver}}' | grep -qx 'vpc-web vpcsim'"

run_web() { # NAME: the web container, on the vpcsim network only
	P run -d --name "$1" --network vpc-web --cgroup-parent "/$CG" "$IMG" /bin/httpd -f -p 8080 -h /www
}
if run_web web >"$TMP/run.out" 2>&1; then ok "podman run --network vpc-web starts the container (runc, cgroupfs)"; else
	not_ok "podman run --network vpc-web starts the container (runc, cgroupfs)"
	sed 's/^/    /' "$TMP/run.out"
fi
IP=$(P inspect -f '{{(index .NetworkSettings.Networks "vpc-web").IPAddress}}' web 2>/dev/null)
SANDBOX=$(P inspect -f '{{.NetworkSettings.SandboxKey}}' web 2>/dev/null)
check "the container has its ENI address in private-a on eth0 and the default route via the subnet's router" \
	bash -c "$(declare -f P); POD='$POD'; [[ '$IP' == 10.32.1.* ]] && P exec web ip -4 addr show eth0 | grep -q 'inet $IP/24' && P exec web ip route | grep -q 'default via 10.32.1.1'"
check "its resolv.conf names the VPC resolver first" \
	bash -c "$(declare -f P); POD='$POD'; P exec web cat /etc/resolv.conf | head -1 | grep -qx 'nameserver 10.32.0.2'"
check "status lists the container's ENI with group web" bash -c "'$VPCSIM' status $T | grep -E '$IP +- +web +generic web\$'"
check "the VPC resolver answers the container's name inside the container" \
	bash -c "$(declare -f P); POD='$POD'; P exec web nslookup web 10.32.0.2 | grep -q 'Address: $IP'"

call() { # FUNCTION: it fetches http://web:8080/ and prints what it got
	"$VPCSIM" invoke -t "$T" "$1" --payload '{"host": "web", "port": 8080}' 2>/dev/null | tail -1
}
call caller >"$TMP/caller.out"
check "a VPC function in group lambda resolves the container's name and reads its server" \
	grep -qx "{\"host\": \"web\", \"ip\": \"$IP\", \"body\": \"hello from $T\"}" "$TMP/caller.out"
call outsider >"$TMP/outsider.out"
check "a VPC function in group stranger times out (the container's group drops it)" \
	grep -qx "{\"host\": \"web\", \"ip\": \"$IP\", \"error\": \"timeout\"}" "$TMP/outsider.out"
check "reach explains the drop by the container's group" \
	bash -c "'$VPCSIM' reach -t $T outsider web 8080 | grep -q 'group app/web'"
"$VPCSIM" sg authorize -t "$T" app/web --ingress '{"proto": "tcp", "ports": "8080", "sg": "stranger"}' >/dev/null 2>"$TMP/sg.err"
call outsider >"$TMP/outsider2.out"
check "vpcsim sg authorize opens the container to group stranger, live" \
	grep -q "\"body\": \"hello from $T\"" "$TMP/outsider2.out"

check "podman stop succeeds" P stop -t 0 web
check "podman stop ran DEL: no ENI in status, no binding of the container's namespace" \
	bash -c "! '$VPCSIM' status $T | grep -q ' web\$' && ! ip netns list | grep -q 'vpcsim-$T.cni.web'"
check "podman start runs ADD again: the ENI is back" \
	bash -c "$(declare -f P); POD='$POD'; P start web >/dev/null && '$VPCSIM' status $T | grep -qE ' web +generic web\$'"
check "after the restart the function reads the container's server again" \
	bash -c "VPCSIM='$VPCSIM' T='$T'; $(declare -f call); call caller | grep -q 'hello from $T'"
SANDBOX=$(P inspect -f '{{.NetworkSettings.SandboxKey}}' web 2>/dev/null)
check "podman rm succeeds" P rm -f -t 0 web
check "after podman rm nothing of the container is left: no ENI, no binding, no namespace file" \
	bash -c "! '$VPCSIM' status $T | grep -q ' web\$' && ! ip netns list | grep -q 'vpcsim-$T.cni' && [ -n '$SANDBOX' ] && [ ! -e '$SANDBOX' ]"

run_web web2 >/dev/null 2>&1
check "a second container joins" bash -c "'$VPCSIM' status $T | grep -qE ' web +generic web2\$'"
"$VPCSIM" down "$T" >/dev/null
# The kernel frees the veth's container end a moment after the router's
# namespace goes (as in t_cni): wait for it, at most 10 s.
check "down removed the container's eth0, the container runs on" \
	bash -c "$(declare -f P); POD='$POD'; for _ in \$(seq 100); do P exec web2 ip link show eth0 >/dev/null 2>&1 || break; sleep 0.1; done
		! P exec web2 ip link show eth0 >/dev/null 2>&1 && [ \"\$(P inspect -f '{{.State.Running}}' web2)\" = true ]"
check "podman rm after down succeeds (DEL of a topology that is down)" P rm -f -t 0 web2
check "podman made no network of its own: vpc-web is the only network file" \
	bash -c "cd '$POD/net' && [ \"\$(ls *.conflist *.conf 2>/dev/null)\" = vpc-web.conflist ]"
check "no cni-podman0 bridge nor any podman link in the root namespace" \
	bash -c "! ip -o link show | grep -Eq 'cni-podman|podman'"
check "no iptables-legacy rule appeared in the root namespace" test "$(legacy_rules)" = "$LEGACY_BEFORE"
pod_cleanup
check "podman rm -a and rmi -a leave no mount under the test's folder" bash -c "! grep -q '$POD' /proc/mounts"
check "no cgroup of the containers is left" bash -c "! ls -d /sys/fs/cgroup/*/$CG 2>/dev/null | grep -q ."
