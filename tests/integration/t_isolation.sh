#!/bin/bash
# Isolation (issue 7, defects 1, 4 and 6, and the hardening around them):
# what a function, an exec into it and a resource command can and cannot
# reach. docs/SECURITY.md names these checks.
#
#  - terminal: under a real pty (script), TIOCSTI from an invoke, an exec
#    and a resource command fails on /dev/tty and on fds 0, 1, 2;
#  - files: two environments at once do not see each other's /tmp; the
#    host's /var/tmp, /dev/shm, /run/lock are not writable, /run/vpcsim,
#    /sys/fs/bpf and /etc/netns invisible, the root read-only; each
#    environment has its own uid, no capabilities, no_new_privs;
#  - network: no change to its own namespace (ip link/addr/route, raw
#    sockets, nft), no way to the host's addresses;
#  - resource "user": the command runs as that uid; validate says what
#    each command runs as; an unknown user is refused by name;
#  - privilege: without root every privileged verb exits 3 naming the
#    command to run, validate works;
#  - host: root namespace byte-identical (addresses, routes, rules, links,
#    nftables, net.* sysctls) after up/invoke/exec/sg/down cycles, and a
#    capture on the host's interfaces sees no simulated source address.
. "$(dirname "$0")/lib.sh"
plan 61
T=$(unique_name)
NOBODY=$(id -u nobody)

# A TIOCSTI attempt on /dev/tty and on 0, 1, 2: one line naming each outcome.
cat >"$TMP/sti.py" <<'EOF'
import fcntl, os, termios
res = []
for name in ("/dev/tty", 0, 1, 2):
    try:
        fd = os.open(name, os.O_RDWR) if isinstance(name, str) else name
        fcntl.ioctl(fd, termios.TIOCSTI, b"#")
        res.append("%s:INJECTED" % name)
    except OSError as e:
        res.append("%s:%s" % (name, e.strerror))
print("sti " + " ".join(map(str, res)), flush=True)
EOF
chmod 755 "$TMP" && chmod 644 "$TMP/sti.py"
STI=$(cat "$TMP/sti.py")
# sti_blocked FILE: every attempt failed (and there were four).
sti_blocked() {
	grep -q '^sti /dev/tty:[^I]' "$1" && ! grep -q INJECTED "$1" &&
		[ "$(grep '^sti ' "$1" | tr ' ' '\n' | grep -c ':')" = 4 ]
}

python3 - "$TMP/iso.json" "$T" "$TMP/sti.py" <<'EOF'
import json, sys
out, name, sti = sys.argv[1:]
cmd = "echo uid=$(id -u); python3 %s; exec sleep 600" % sti
json.dump({
  "name": name,
  "internet": {"hosts": [{"name": "web", "ip": "203.0.113.40",
                          "listen": [{"proto": "tcp", "port": 80}]}]},
  "vpcs": [{"name": "v", "cidr": "10.61.0.0/16",
            "subnets": [{"name": "s", "cidr": "10.61.1.0/24"}],
            "security_groups": [{"name": "all", "ingress": [
                {"proto": "tcp", "ports": "1-65535", "cidr": "0.0.0.0/0"}]}]}],
  "resources": [
    {"name": "rootcmd", "subnet": "s", "security_groups": ["all"], "command": cmd},
    {"name": "usercmd", "subnet": "s", "security_groups": ["all"], "command": cmd,
     "user": "nobody"},
    {"name": "db", "subnet": "s", "security_groups": ["all"],
     "listen": [{"proto": "tcp", "port": 5432}]}],
  "functions": [
    {"name": "fa", "timeout_s": 20, "handler": "python3 -c '%s'" % open(sti).read().replace("'", '"')},
    {"name": "fb", "timeout_s": 20},
    {"name": "fv", "timeout_s": 20,
     "vpc_config": {"subnets": ["s"], "security_groups": ["all"]}}]
}, open(out, "w"), indent=1)
EOF
F=$TMP/iso.json
NAMES+=("$T")
pty() { script -qec "$*" /dev/null; }

# ---- resource "user" and validate's notes --------------------------------
V validate "$F" >"$TMP/validate" 2>&1
check "validate: the root command is named as running as root" \
	grep -q '^note: resources\[0\] (rootcmd): its command runs as root, with every capability' "$TMP/validate"
check "validate: the user command names its user" \
	grep -q '^note: resources\[1\] (usercmd): its command runs as user nobody without capabilities' "$TMP/validate"
sed 's/"user": "nobody"/"user": "no-such-user-x"/' "$F" >"$TMP/baduser.json"
V validate "$TMP/baduser.json" >"$TMP/baduser" 2>&1
rc=$?
check "validate: an unknown user is an error naming it (exit 2)" \
	bash -c "[ $rc = 2 ] && grep -q 'resources\[1\].user: InvalidParameterValue: The user .no-such-user-x. does not exist' '$TMP/baduser'"

# ---- privilege: no root, no privileged verb ------------------------------
nobody() { setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups "$@"; }
check "without root: validate works" nobody "$VPCSIM" validate "$F"
for verb in "up $F" "down $T" "status $T" "exec -t $T fa -- true" "invoke -t $T fa" \
	"attach -t $T fa" "detach -t $T fa" "probe -t $T fa web 80" "flows $T" \
	"sg authorize -t $T v/all --ingress {\"proto\":\"tcp\",\"ports\":\"1\",\"cidr\":\"10.0.0.0/8\"}" "clean"; do
	# shellcheck disable=SC2086
	nobody "$VPCSIM" $verb >"$TMP/priv" 2>&1
	rc=$?
	check "without root: ${verb%% *} exits 3 and says what to run" \
		bash -c "[ $rc = 3 ] && grep -q 'needs root.*run: sudo vpcsim ${verb%% *}' '$TMP/priv'"
done

# ---- up under a terminal; resource commands ------------------------------
ROOT_NS_BEFORE=$(root_snapshot; sysctl -a 2>/dev/null | grep -E '^net\.' | grep -v conntrack_count)
check "up $T under a pty" pty "$VPCSIM up $F"
LOGS=/run/vpcsim/$T/logs
# (up returns once each command's sh is exec'd; their output, Python's
# start included, waited for up to 60 s, not 5)
for _ in $(seq 600); do
	grep -q '^sti' "$LOGS/rootcmd.log" 2>/dev/null && grep -q '^sti' "$LOGS/usercmd.log" 2>/dev/null && break
	sleep 0.1
done
check "resource command (root): TIOCSTI fails on /dev/tty, 0, 1, 2" sti_blocked "$LOGS/rootcmd.log"
check "resource command (user): TIOCSTI fails on /dev/tty, 0, 1, 2" sti_blocked "$LOGS/usercmd.log"
check "resource command without user runs as uid 0" grep -qx 'uid=0' "$LOGS/rootcmd.log"
check "resource command with \"user\": \"nobody\" runs as nobody's uid" grep -qx "uid=$NOBODY" "$LOGS/usercmd.log"
check "state folders are root's only (0700)" \
	bash -c "[ \$(stat -c %a /run/vpcsim) = 700 ] && [ \$(stat -c %a /run/vpcsim/$T) = 700 ]"

# ---- defect 1: the terminal ----------------------------------------------
pty "$VPCSIM invoke -t $T fa" >"$TMP/sti-invoke" 2>&1
check "invoke (handler) under a pty: TIOCSTI fails on /dev/tty, 0, 1, 2" sti_blocked "$TMP/sti-invoke"
pty "$VPCSIM invoke -t $T fb -- python3 -c '$STI'" >"$TMP/sti-cmd" 2>&1
check "invoke -- CMD under a pty: TIOCSTI fails on /dev/tty, 0, 1, 2" sti_blocked "$TMP/sti-cmd"
pty "$VPCSIM exec -t $T fb -- python3 -c '$STI'" >"$TMP/sti-exec" 2>&1
check "exec into a function under a pty: TIOCSTI fails on /dev/tty, 0, 1, 2" sti_blocked "$TMP/sti-exec"
pty "$VPCSIM invoke -t $T fb -- sh -c 'ps -o sid=,tty= -p \$\$; ls -l /proc/self/fd/ | grep -c pts'" >"$TMP/sess" 2>&1
tr -d '\r' <"$TMP/sess" >"$TMP/sess.txt"
check "a function is a session leader without a terminal and holds no pty" \
	bash -c "grep -Eqx ' *1 +\\?' '$TMP/sess.txt' && grep -qx 0 '$TMP/sess.txt'"
V invoke -t "$T" fb -- sh -c 'echo $(ls /proc/self/fd)' >"$TMP/fds" 2>&1
check "a function holds no descriptor but 0, 1, 2 (3: ls's own)" grep -qx '0 1 2 3' "$TMP/fds"
check "when vpcsim's reader goes away, the function gets SIGPIPE (no wait for its timeout)" \
	bash -c "timeout 15 bash -c \"'$VPCSIM' invoke -t '$T' fb -- yes | head -1\" | grep -qx y"
check "exec relays stdin and returns the status" \
	bash -c "echo in-data | '$VPCSIM' exec -t '$T' fb -- sh -c 'cat; exit 7' >'$TMP/relay'; [ \$? = 7 ] && grep -qx in-data '$TMP/relay'"

# ---- defect 4: files ------------------------------------------------------
# Two environments at once, of two functions, each with a secret in /tmp:
# while fa's is there, fb looks for it everywhere it can.
V invoke -t "$T" fa -- sh -c 'echo secret-a >/tmp/secret; echo secret-a >/dev/shm/secret; sleep 5' >/dev/null 2>&1 &
PA=$!
sleep 1.5
V invoke -t "$T" fb -- sh -c 'echo secret-b >/tmp/secret; cat /tmp/secret;
	grep -c " - tmpfs vpcsim-tmp:" /proc/self/mountinfo;
	grep -rls secret-a /tmp /dev/shm /etc /var 2>/dev/null | wc -l; ls /run 2>&1 | wc -l' >"$TMP/cross" 2>&1
ENV_A=$(V status "$T" --json | python3 -c 'import json,sys; print([e["id"] for e in json.load(sys.stdin)["environments"] if e["function"]=="fa"][0])')
check "fa's secret is in its /tmp (seen from the host, as root)" grep -qx secret-a "/run/vpcsim/$T/envs/$ENV_A/tmp/secret"
wait $PA
check "two environments at once: fb sees its own /tmp only, and fa's secret nowhere" \
	bash -c "[ \"\$(grep -v '^REPORT' '$TMP/cross' | tr '\n' ' ')\" = 'secret-b 1 0 1 ' ]"
check "the host side of fa's /tmp is mode 0700" \
	bash -c "[ \"\$(stat -c %a /run/vpcsim/$T/envs/$ENV_A/tmp)\" = 700 ]"
check_fails "a local user cannot read fa's /tmp from the host" nobody cat "/run/vpcsim/$T/envs/$ENV_A/tmp/secret"
V exec -t "$T" fa -- id -u >"$TMP/uid-a"
V exec -t "$T" fb -- id -u >"$TMP/uid-b"
check "each environment has its own unprivileged uid (>= 0x70000000)" \
	bash -c "a=\$(cat '$TMP/uid-a'); b=\$(cat '$TMP/uid-b'); [ \"\$a\" != \"\$b\" ] && [ \"\$a\" -ge 1879048192 ] && [ \"\$b\" -ge 1879048192 ]"
fn() { V invoke -t "$T" fb -- sh -c "$1"; }
check_fails "a function cannot write the host's /var/tmp" fn 'echo x > /var/tmp/vpcsim-iso-probe'
check_fails "a function cannot write /run/lock" fn 'echo x > /run/lock/vpcsim-iso-probe'
check "a function's /dev/shm is its own, not the host's" fn "echo x > /dev/shm/vpcsim-iso-$T"
check "the host's /dev/shm did not get it" test ! -e "/dev/shm/vpcsim-iso-$T"
check_fails "a function cannot write the root, /etc or /usr" fn 'touch /x || touch /etc/x || touch /usr/x'
check_fails "a function cannot read /run/vpcsim or the topology copy" fn "ls /run/vpcsim || cat /run/vpcsim/$T/topology.json"
check "a function sees no /sys/fs/bpf pins" fn '[ -z "$(ls -A /sys/fs/bpf)" ] && [ -d /sys/class/net/lo ]'
check "a function sees no /etc/netns files of other nodes" fn '[ -z "$(ls -A /etc/netns)" ]'
check "a function has no capabilities and no_new_privs" \
	fn 'grep -q "^CapEff:	0000000000000000" /proc/self/status && grep -q "^CapBnd:	0000000000000000" /proc/self/status && grep -q "^NoNewPrivs:	1" /proc/self/status'

# ---- network ---------------------------------------------------------------
# denied CMD: fails in a function, and the kernel said it is not allowed.
denied() {
	fn "$1" >"$TMP/den" 2>&1 && return 1
	grep -Eqi 'not permitted|permission denied' "$TMP/den"
}
check "a function cannot take its loopback down" denied 'ip link set lo down'
check "a function cannot add an address" denied 'ip addr add 10.61.1.99/32 dev eth0'
check "a function cannot add a route" denied 'ip route add 10.99.0.0/16 dev eth0'
check "a function cannot open a raw socket" \
	denied 'python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)"'
check "a function cannot read or change nftables" denied '/usr/sbin/nft list ruleset'
# A listener in the root namespace: reachable from the host, not from a
# function (none of the three ways a function attaches).
HOST_IP=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -1)
PORT=$((20000 + RANDOM % 20000))
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(8); s.settimeout(40)
try:
    while True: s.accept()[0].close()
except OSError: pass' "$PORT" &
LISTENER=$!
reach() { timeout 3 bash -c "exec 3<>/dev/tcp/$1/$PORT" 2>/dev/null; }
for _ in $(seq 50); do reach "$HOST_IP" && break; sleep 0.1; done
check "the host listener answers on $HOST_IP:$PORT from the host" reach "$HOST_IP"
for f in fb fv; do
	check_fails "function $f cannot reach the host at $HOST_IP:$PORT" \
		V invoke -t "$T" "$f" -- timeout 3 bash -c "exec 3<>/dev/tcp/$HOST_IP/$PORT"
	check_fails "function $f cannot reach the host's 127.0.0.1:$PORT" \
		V invoke -t "$T" "$f" -- timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT"
done
for f in fb fv; do
	check "probe from $f to the host's $HOST_IP:$PORT times out (no route out of the simulation)" \
		V probe -t "$T" "$f" "$HOST_IP" "$PORT" --expect timeout --timeout-ms 800
done
kill "$LISTENER" 2>/dev/null
wait "$LISTENER" 2>/dev/null

# ---- host: cycles with a capture ------------------------------------------
# An AF_PACKET reader on every interface of the root namespace counts IPv4
# packets whose source is one of the topology's simulated addresses. The
# real network may use the same documentation blocks (this machine's apt and
# npm mirror answers from 203.0.113.80), so a packet the uplink (the
# interface of the default route) receives from outside is not a leak; the
# same source sent out of any interface, or arriving on any other, is.
UPLINK=$(ip -4 route show default | awk '{for (i = 1; i < NF; i++) if ($i == "dev") print $(i + 1); exit}')
python3 - "$TMP/capture" "$UPLINK" <<'EOF' &
import ipaddress, socket, sys, time
nets = [ipaddress.ip_network(n) for n in
        ("10.61.0.0/16", "100.64.0.0/16", "198.51.100.0/24", "203.0.113.0/24")]
uplink = sys.argv[2]
FROM_OUTSIDE = (socket.PACKET_HOST, socket.PACKET_BROADCAST, socket.PACKET_MULTICAST, socket.PACKET_OTHERHOST)
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0003))
s.settimeout(0.5)
seen = total = 0
end = time.time() + 600  # the stop file ends it first
with open(sys.argv[1] + ".ready", "w"): pass
while time.time() < end:
    try:
        data, addr = s.recvfrom(65535)
    except socket.timeout:
        try:
            open(sys.argv[1] + ".stop").close(); break
        except OSError: continue
    if addr[1] != 0x0800 or len(data) < 20: continue
    total += 1
    src = ipaddress.ip_address(data[12:16])
    if addr[0] == uplink and addr[2] in FROM_OUTSIDE:
        continue
    if any(src in n for n in nets):
        seen += 1
        print("leak", addr[0], src, ipaddress.ip_address(data[16:20]), file=sys.stderr)
open(sys.argv[1], "w").write("%d %d\n" % (seen, total))
EOF
CAPTURE=$!
for _ in $(seq 50); do [ -e "$TMP/capture.ready" ] && break; sleep 0.1; done
T2=$(unique_name)
topo_copy "$F" "$T2"
cycle() {
	V up "$F" || return 1
	V invoke -t "$T2" fv -- timeout 2 bash -c 'exec 3<>/dev/tcp/db/5432' || return 1
	! V invoke -t "$T2" fb -- timeout 2 bash -c "exec 3<>/dev/tcp/$HOST_IP/$PORT" || return 1
	V exec -t "$T2" fv -- true || return 1
	V sg authorize -t "$T2" v/all --ingress '{"proto":"udp","ports":"53","cidr":"10.0.0.0/8"}' || return 1
	V down "$T2"
}
cycles_ok=1
for _ in 1 2 3; do
	cycle >"$TMP/cycle" 2>&1 || { cycles_ok=0; sed 's/^/    cycle: /' "$TMP/cycle"; }
done
timeout 1 bash -c 'exec 3<>/dev/tcp/127.0.0.1/1' 2>/dev/null # a packet the capture must see
sleep 0.5
touch "$TMP/capture.stop"
wait "$CAPTURE"
check "3 cycles of up/invoke/exec/sg/down" test "$cycles_ok" = 1
check "a capture on the host's interfaces saw packets but none from a simulated address" \
	bash -c "cat '$TMP/capture'; read seen total <'$TMP/capture' && [ \"\$seen\" = 0 ] && [ \"\$total\" -gt 0 ]"
check "detach fb --all" V detach -t "$T" fb --all
check "after detach, no mount (host or any namespace) of fb's /tmp is left" \
	bash -c "! grep -l 'vpcsim-tmp:$T:fb-' /proc/[0-9]*/mountinfo 2>/dev/null | grep -q ."
check "down $T" V down "$T"
ROOT_NS_AFTER=$(root_snapshot; sysctl -a 2>/dev/null | grep -E '^net\.' | grep -v conntrack_count)
if [ "$ROOT_NS_AFTER" = "$ROOT_NS_BEFORE" ]; then
	ok "root namespace (addresses, routes, rules, links, nftables, net.* sysctls) unchanged"
else
	not_ok "root namespace (addresses, routes, rules, links, nftables, net.* sysctls) unchanged"
	diff <(echo "$ROOT_NS_BEFORE") <(echo "$ROOT_NS_AFTER") | sed 's/^/    /'
fi
check "no mount namespace keeps a /tmp of $T" \
	bash -c "! grep -l 'vpcsim-tmp:$T:' /proc/[0-9]*/mountinfo 2>/dev/null | grep -q ."
