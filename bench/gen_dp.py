#!/usr/bin/python3
"""Topologies and nftables rulesets for bench/dataplane.sh.

    gen_dp.py topology NAME POLICY   the topology (JSON) on stdout
    gen_dp.py nft POLICY SET         the same policy as an nftables ruleset

Two resources in two subnets of one VPC: client c (10.0.1.4) and server s
(10.0.2.4), which listens on ports 5201 (iperf3) and 5202 (tcprr). POLICY:

    rules3   the server's one group admits 5201, 5202 and 22 from the
             client subnet; the client's group allows all out (3 rules)
    max      the most AWS allows on one ENI: client and server each in 5
             groups of 60 rules (the one that matches is the last rule of
             the last group), and both subnets with custom NACLs of 20
             rules a direction (the matching rule last)

The nftables form is what a user would otherwise write in the VPC router:
stateful (conntrack), the same rules, as a linear chain or as sets.
"""
import json
import sys

CLIENT_NET, SERVER_NET = "10.0.1.0/24", "10.0.2.0/24"
CLIENT, SERVER = "10.0.1.4", "10.0.2.4"
PORTS = [5201, 5202]


def decoys(n):
    """n rules that never match the benchmark's flows (other /24s)."""
    return [(f"10.{100 + i // 250}.{i % 250}.0/24", 10000 + i) for i in range(n)]


def sg_rules(peer_cidr, count):
    """count rules per side; only the last ones match (worst case)."""
    rules = [(c, str(p)) for c, p in decoys(count - 2)]
    rules += [(peer_cidr, "5201"), (peer_cidr, "5202")]
    return rules


def groups(prefix, peer_cidr, direction, n_groups, per_group):
    rules = sg_rules(peer_cidr, n_groups * per_group)
    out = []
    for g in range(n_groups):
        chunk = rules[g * per_group:(g + 1) * per_group]
        group = {"name": f"{prefix}{g}",
                 direction: [{"proto": "tcp", "ports": p, "cidr": c} for c, p in chunk]}
        if direction == "ingress":
            group["egress"] = [{"proto": "all", "cidr": "0.0.0.0/0"}]
        else:
            group["ingress"] = []
        out.append(group)
    return out


def nacl(name, peer_cidr):
    """20 rules a direction: 19 decoy denies, then the allow for the peer."""
    def side():
        rules = [{"rule": 10 * (i + 1), "proto": "tcp", "ports": str(p), "cidr": c,
                  "action": "deny"} for i, (c, p) in enumerate(decoys(19))]
        rules.append({"rule": 1000, "proto": "all", "cidr": peer_cidr, "action": "allow"})
        return rules
    return {"name": name, "ingress": side(), "egress": side()}


def topology(name, policy):
    vpc = {"name": "v", "cidr": "10.0.0.0/16",
           "subnets": [{"name": "a", "cidr": CLIENT_NET}, {"name": "b", "cidr": SERVER_NET}]}
    if policy == "rules3":
        vpc["security_groups"] = [
            {"name": "cli"},
            {"name": "srv", "ingress": [{"proto": "tcp", "ports": p, "cidr": CLIENT_NET}
                                        for p in ("5201", "5202", "22")]}]
        cgroups, sgroups = ["cli"], ["srv"]
    elif policy == "max":
        vpc["security_groups"] = (groups("cli", SERVER_NET, "egress", 5, 60) +
                                  groups("srv", CLIENT_NET, "ingress", 5, 60))
        vpc["network_acls"] = [nacl("na", SERVER_NET), nacl("nb", CLIENT_NET)]
        vpc["subnets"][0]["network_acl"] = "na"
        vpc["subnets"][1]["network_acl"] = "nb"
        cgroups = [f"cli{g}" for g in range(5)]
        sgroups = [f"srv{g}" for g in range(5)]
    else:
        sys.exit(f"gen_dp.py: unknown policy '{policy}' (rules3 or max)")
    return {"name": name, "vpcs": [vpc],
            "resources": [{"name": "c", "subnet": "a", "security_groups": cgroups, "ip": CLIENT},
                          {"name": "s", "subnet": "b", "security_groups": sgroups, "ip": SERVER}]}


def nft(policy, use_sets):
    """The max policy's security groups as one stateful nftables table."""
    if policy != "max":
        sys.exit("gen_dp.py: the nftables form exists for the max policy")
    egress = sg_rules(SERVER_NET, 300)
    ingress = sg_rules(CLIENT_NET, 300)
    lines = ["table ip vpcsim_bench {"]
    if use_sets:
        for set_name, rules in (("egress", egress), ("ingress", ingress)):
            elems = ", ".join(f"{c} . {p}" for c, p in rules)
            lines += [f"  set {set_name} {{ type ipv4_addr . inet_service; flags interval;",
                      f"    elements = {{ {elems} }} }}"]
        pair = ["    ip daddr . tcp dport @egress goto admit"]
        admit = ["    ip saddr . tcp dport @ingress accept"]
    else:
        pair = [f"    ip daddr {c} tcp dport {p} goto admit" for c, p in egress]
        admit = [f"    ip saddr {c} tcp dport {p} accept" for c, p in ingress]
    lines += ["  chain forward { type filter hook forward priority 0; policy drop;",
              "    ct state established,related accept",
              f"    ip saddr {CLIENT} ip daddr {SERVER} jump pair",
              "  }",
              "  chain pair {"] + pair + ["  }", "  chain admit {"] + admit + ["  }", "}"]
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "topology":
        json.dump(topology(sys.argv[2], sys.argv[3]), sys.stdout, indent=1)
    elif len(sys.argv) == 4 and sys.argv[1] == "nft":
        sys.stdout.write(nft(sys.argv[2], sys.argv[3] == "sets"))
    else:
        sys.exit(__doc__)


main()
