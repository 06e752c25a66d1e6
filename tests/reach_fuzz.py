#!/usr/bin/env python3
"""Differential test of `vpcsim reach` against real packets (`vpcsim probe`).

A seeded generator makes random valid topologies: VPCs, subnets, route
tables with blackholes, groups with CIDR and group peers, NACLs with allow
and deny rules at several rule numbers, internet and NAT gateways,
peering, functions with and without vpc_config, resources and internet
hosts with listeners. Each topology is brought up under a unique name,
random queries (from, to, port, proto) are asked of both `reach` and
`probe`, and every disagreement is printed with its seed, query, both
answers and the topology file, which is kept. Topology k of a run uses
seed SEED + k, so one failing topology is made again with
`--seed S --topologies 1`.

    tests/reach_fuzz.py --seed 1 --cases 1000       # >= 1000 queries
    tests/reach_fuzz.py --seed 7 --topologies 1 --keep   # one topology, left up
    tests/reach_fuzz.py --seed 7 --print            # just print the topology

Output: a TAP line per topology, a summary "N cases, D disagreements,
seeds A..B", exit 1 on any disagreement.

Port ranges of NACL rules either contain or miss the whole of the Linux
client range 32768-60999, so a reply's fate never depends on the source
port the client happens to pick (reach would then say so, but a single
probe cannot agree with "sometimes").
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VPCSIM = os.environ.get("VPCSIM", os.path.join(ROOT, "build", "vpcsim"))

SERVICE_PORTS = [22, 80, 443, 5432]
NACL_PORTS = ["all", "1024-65535", "32768-65535", "0-1023", "22", "80", "443", "5432", "53",
              "5000-5500", "1-1023"]
SG_PORTS = ["all", "22", "80", "443", "5432", "53", "0-1023", "1024-65535", "80-5432"]
NACL_NUMBERS = [50, 90, 100, 110, 120, 200, 300]
HOST_IPS = ["203.0.113.10", "203.0.113.20", "192.0.2.7"]


def gen_rule_peer(r, vi, vpcs, peered, groups):
    """A group rule's peer: a CIDR or a group of this VPC or a peered one."""
    if r.random() < 0.35:
        choices = [(vi, g) for g in groups[vi]]
        for pv in peered.get(vi, []):
            choices += [(pv, g) for g in groups[pv]]
        v, g = r.choice(choices)
        return {"sg": g if v == vi else "%s/%s" % (vpcs[v]["name"], g)}
    cidrs = ["0.0.0.0/0", "0.0.0.0/0", vpcs[vi]["cidr"], "203.0.113.0/24", "198.51.100.0/24",
             "10.0.0.0/8", "10.0.0.0/8", r.choice(vpcs)["cidr"]]
    return {"cidr": r.choice(cidrs)}


def gen_proto(r, rule, ports):
    p = r.choices(["tcp", "udp", "icmp", "all"], [5, 1.5, 1, 2.5])[0]
    rule["proto"] = p
    if p in ("tcp", "udp"):
        rule["ports"] = r.choice(ports)
    elif p == "icmp" and r.random() < 0.4:
        rule["icmp_type"] = r.choice([0, 8, 3])
    return rule


def gen_groups(r, vpcs, peered, groups):
    for vi, v in enumerate(vpcs):
        v["security_groups"] = []
        for g in groups[vi]:
            sg = {"name": g}
            sg["ingress"] = [dict(gen_proto(r, {}, SG_PORTS), **gen_rule_peer(r, vi, vpcs, peered, groups))
                             for _ in range(r.choice([0, 1, 2, 2, 3]))]
            if r.random() < 0.5:  # a broad rule, so that many paths open
                sg["ingress"].append(r.choice([{"proto": "all", "cidr": "10.0.0.0/8"},
                                               {"proto": "tcp", "ports": "all", "cidr": "0.0.0.0/0"},
                                               {"proto": "all", "cidr": "0.0.0.0/0"}]))
            x = r.random()
            if x < 0.12:
                sg["egress"] = []
            elif x < 0.4:
                sg["egress"] = [dict(gen_proto(r, {}, SG_PORTS), **gen_rule_peer(r, vi, vpcs, peered, groups))
                                for _ in range(r.choice([1, 1, 2]))]
            v["security_groups"].append(sg)


def gen_nacl(r, name, vpcs):
    def rules():
        out = []
        for num in sorted(r.sample(NACL_NUMBERS, r.choice([0, 1, 2, 2, 3, 4]))):
            rule = gen_proto(r, {"rule": num}, NACL_PORTS)
            rule["cidr"] = r.choice(["0.0.0.0/0", "10.0.0.0/8", "203.0.113.0/24",
                                     r.choice(vpcs)["cidr"], "198.51.100.0/24"])
            rule["action"] = "allow" if r.random() < 0.7 else "deny"
            out.append(rule)
        if r.random() < 0.6 and len(out) < 5:
            out.append({"rule": 400, "proto": "all", "cidr": "0.0.0.0/0", "action": "allow"})
        return out
    return {"name": name, "ingress": rules(), "egress": rules()}


def gen_tables(r, vi, v, vpcs, peerings):
    """Route tables without NAT routes (added once the NAT gateway is placed)."""
    tables = []
    for k in range(r.choice([1, 2, 2, 3])):
        routes = {}
        if v.get("internet_gateway") and r.random() < 0.6:
            routes["0.0.0.0/0"] = "igw"
        elif r.random() < 0.15:
            routes["0.0.0.0/0"] = "blackhole"
        if r.random() < 0.25:
            routes["203.0.113.0/24"] = r.choice(["blackhole"] + (["igw"] if v.get("internet_gateway") else []))
        for p in peerings:
            if vi in p["idx"] and r.random() < 0.75:
                other = p["idx"][0] if p["idx"][1] == vi else p["idx"][1]
                routes[vpcs[other]["cidr"]] = "peering:" + p["name"]
                # a third VPC through this peering: not transitive
                third = [w for w in range(len(vpcs)) if w not in (vi, other)]
                if third and r.random() < 0.4:
                    routes.setdefault(vpcs[r.choice(third)]["cidr"], "peering:" + p["name"])
        if r.random() < 0.1:
            routes[r.choice(vpcs)["cidr"]] = "blackhole"
        routes.pop(v["cidr"], None)
        tables.append({"name": "rt%d" % k, "routes": [{"destination": d, "target": t} for d, t in routes.items()]})
    return tables


def public_tables(v):
    return {t["name"] for t in v["route_tables"] if any(x["target"] == "igw" for x in x_routes(t))}


def default_igw_tables(v):
    return {t["name"] for t in v["route_tables"]
            if any(x["target"] == "igw" and x["destination"] == "0.0.0.0/0" for x in t["routes"])
            and not any(x["target"].startswith("nat:") for x in t["routes"])}


def x_routes(t):
    return t["routes"]


def gen_nat(r, v):
    """A NAT gateway in a public subnet, and routes to it from tables that
    its own subnet does not use (no loops)."""
    pub = public_tables(v)
    cands = [s for s in v["subnets"] if s.get("route_table") in pub]
    if not cands or r.random() < 0.3:
        return
    s = r.choice(cands)
    v["nat_gateways"] = [{"name": "nat-" + v["name"], "subnet": s["name"]}]
    for t in v["route_tables"]:
        if t["name"] == s["route_table"] or r.random() < 0.3:
            continue
        dests = {x["destination"] for x in t["routes"]}
        dest = "0.0.0.0/0" if "0.0.0.0/0" not in dests else "203.0.113.0/24"
        if dest in dests:
            continue
        t["routes"].append({"destination": dest, "target": "nat:nat-" + v["name"]})


def gen_vpcs(r):
    n = r.choice([1, 2, 2, 3])
    vpcs = []
    for i in range(n):
        v = {"name": "v%d" % i, "cidr": "10.%d.0.0/16" % (i + 1), "internet_gateway": r.random() < 0.7,
             "subnets": [{"name": "v%ds%d" % (i, k), "cidr": "10.%d.%d.0/24" % (i + 1, k)}
                         for k in range(r.choice([1, 2, 2, 3]))]}
        vpcs.append(v)
    peerings = []
    for a in range(n):
        for b in range(a + 1, n):
            if r.random() < 0.6:
                peerings.append({"name": "p%d%d" % (a, b), "vpcs": ["v%d" % a, "v%d" % b], "idx": (a, b)})
    return vpcs, peerings


def gen_vpc_details(r, vpcs, peerings):
    peered = {}
    for p in peerings:
        a, b = p["idx"]
        peered.setdefault(a, []).append(b)
        peered.setdefault(b, []).append(a)
    groups = {vi: ["g%d" % k for k in range(r.choice([1, 2, 3]))] for vi in range(len(vpcs))}
    for vi, v in enumerate(vpcs):
        v["route_tables"] = gen_tables(r, vi, v, vpcs, peerings)
        v["network_acls"] = [gen_nacl(r, "acl%d" % k, vpcs) for k in range(r.choice([0, 1, 1, 2]))]
        for s in v["subnets"]:
            if r.random() < 0.85:
                s["route_table"] = r.choice(v["route_tables"])["name"]
            if v["network_acls"] and r.random() < 0.5:
                s["network_acl"] = r.choice(v["network_acls"])["name"]
        gen_nat(r, v)
    gen_groups(r, vpcs, peered, groups)
    return groups


def listen(r):
    ports = r.sample(SERVICE_PORTS, r.choice([1, 1, 2]))
    out = [{"proto": "tcp", "port": p} for p in ports]
    if r.random() < 0.3:
        out.append({"proto": "udp", "port": 53})
    return out


def gen_nodes(r, vpcs, groups, topo):
    subnets = [(vi, s) for vi, v in enumerate(vpcs) for s in v["subnets"]]
    res = []
    for k in range(r.choice([2, 3, 3, 4, 5])):
        vi, s = r.choice(subnets)
        node = {"name": "r%d" % k, "subnet": s["name"],
                "security_groups": r.sample(groups[vi], r.choice([1, 1, 2]) if len(groups[vi]) > 1 else 1),
                "listen": listen(r)}
        # a public address only where replies leave by the igw (0.0.0.0/0):
        # elsewhere some replies would go by a NAT gateway, a path AWS
        # would not carry either (asymmetric) and vpcsim does not model
        if s.get("route_table") in default_igw_tables(vpcs[vi]) and r.random() < 0.5:
            node["public_ip"] = "auto"
        res.append(node)
    fns = []
    for k in range(r.choice([1, 2, 3])):
        f = {"name": "f%d" % k}
        if r.random() < 0.7:
            vi = r.randrange(len(vpcs))
            sn = [s["name"] for s in vpcs[vi]["subnets"]]
            f["vpc_config"] = {"subnets": r.sample(sn, min(len(sn), r.choice([1, 1, 2]))),
                               "security_groups": r.sample(groups[vi], 1)}
        fns.append(f)
    hosts = [{"name": "h%d" % k, "ip": HOST_IPS[k], "listen": listen(r)} for k in range(r.choice([1, 2]))]
    topo["resources"], topo["functions"] = res, fns
    topo["internet"] = {"hosts": hosts}


def generate(seed, name):
    r = random.Random(seed)
    vpcs, peerings = gen_vpcs(r)
    groups = gen_vpc_details(r, vpcs, peerings)
    topo = {"name": name, "vpcs": vpcs,
            "peerings": [{"name": p["name"], "vpcs": p["vpcs"]} for p in peerings]}
    if r.random() < 0.15:
        topo["lambda"] = {"eni_mode": "per-sandbox"}
    gen_nodes(r, vpcs, groups, topo)
    return topo, r


def queries(r, topo, n):
    nodes = {x["name"]: x["listen"] for x in topo["resources"] + topo["internet"]["hosts"]}
    sources = list(nodes) + [f["name"] for f in topo["functions"]]
    out = []
    where = {x["name"]: x.get("subnet", "")[:2] for x in topo["resources"]}
    for f in topo["functions"]:
        where[f["name"]] = f["vpc_config"]["subnets"][0][:2] if "vpc_config" in f else ""
    # functions as targets (hyperplane mode: they have an address, which
    # admits nothing)
    fn_targets = [f["name"] for f in topo["functions"] if "vpc_config" in f
                  and topo.get("lambda", {}).get("eni_mode") != "per-sandbox"]
    while len(out) < n:
        src, dst = r.choice(sources), r.choice(list(nodes))
        if fn_targets and r.random() < 0.06:
            fn = r.choice(fn_targets)
            if fn != src:
                out.append((src, fn, "tcp", r.choice(SERVICE_PORTS)))
            continue
        same = [d for d in nodes if where.get(d) and where.get(d) == where.get(src)]
        if same and r.random() < 0.4:  # half the time a target in the same VPC
            dst = r.choice(same)
        if src == dst:
            continue
        x = r.random()
        if x < 0.1:
            out.append((src, dst, "icmp", 0))
            continue
        lp = r.choice(nodes[dst])
        if r.random() < 0.85:
            out.append((src, dst, lp["proto"], lp["port"]))
        else:
            out.append((src, dst, r.choice(["tcp", "tcp", "udp"]), r.choice(SERVICE_PORTS + [53, 8080])))
    return out


def run(args, timeout=900):
    """Commands that change a topology wait for the machine-wide state
    lock, which other users of the machine may hold for a while."""
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, "", "timed out after %d s: %s" % (timeout, " ".join(args))
    return p.returncode, p.stdout, p.stderr


def ask(name, q, probe_ms):
    src, dst, proto, port = q
    tail = ([str(port)] if proto != "icmp" else []) + ["--proto", proto, "--json"]
    rc, out, err = run([VPCSIM, "reach", "-t", name, src, dst] + tail)
    if rc != 0:
        return None, None, "reach failed: " + err.strip()
    reach = json.loads(out)
    rc, out, err = run([VPCSIM, "probe", "-t", name, src, dst] + tail + ["--timeout-ms", str(probe_ms)])
    if rc not in (0, 1) or not out.strip():
        return reach, None, "probe failed: " + err.strip()
    return reach, json.loads(out), None


STATS = {}


# The data plane's drop reasons each reach code may show up as, when the
# probe's packets were dropped by the BPF programs at all.
REASONS = {
    "ENI_SG_RULES_MISMATCH": {"SG_INGRESS", "SG_EGRESS"},
    "SG_HAS_NO_RULES": {"SG_INGRESS", "SG_EGRESS"},
    "SUBNET_ACL_RESTRICTION": {"NACL_INBOUND", "NACL_OUTBOUND"},
    "LAMBDA_NO_INBOUND": {"FUNCTION_INBOUND"},
    "NO_PUBLIC_IP": {"PRIVATE_ADDRESS_FROM_OUTSIDE"},
}


def story_differs(reach, probe):
    """The analysis names a group, NACL or function block, and the data
    plane dropped the flow for another reason (or the other way round)."""
    why = probe.get("why") or {}
    if reach["result"] != "timeout" or probe["result"] != "timeout":
        return None
    code, reason = reach.get("code"), why.get("reason") if why.get("dropped_by_data_plane") else None
    want = REASONS.get(code)
    if want and reason not in want:
        return "reach %s, data plane %s" % (code, reason or "no BPF drop")
    if not want and reason:
        return "reach %s (not a BPF drop), data plane %s at %s" % (code, reason, why.get("eni_of"))
    return None


def one_topology(seed, name, n_queries, probe_ms, keep, workdir):
    topo, r = generate(seed, name)
    path = os.path.join(workdir, "reach-fuzz-seed%d.json" % seed)
    with open(path, "w") as f:
        json.dump(topo, f, indent=1)
    rc, out, err = run([VPCSIM, "up", path])
    if rc != 0:
        run([VPCSIM, "down", name])
        return 0, [("up", seed, path, err.strip())]
    bad = []
    done = 0
    try:
        for q in queries(r, topo, n_queries):
            reach, probe, problem = ask(name, q, probe_ms)
            done += 1
            if reach:
                key = reach["result"] + ("/" + reach["code"] if "code" in reach else "")
                STATS[key] = STATS.get(key, 0) + 1
            story = None if problem or reach["result"] != probe["result"] else story_differs(reach, probe)
            if story:
                bad.append((q, seed, path, "the stories differ: " + story))
                continue
            if problem or reach["result"] != probe["result"]:
                # a timeout that answers late is not a disagreement: ask again, slower
                if not problem and probe["result"] == "timeout":
                    _, probe2, _ = ask(name, q, probe_ms * 4)
                    if probe2 and probe2["result"] == reach["result"]:
                        continue
                bad.append((q, seed, path, problem or "reach %s (%s) / probe %s (%s)" % (
                    reach["result"], reach.get("code", "-"), probe["result"],
                    probe.get("why", {}).get("text", probe.get("detail")))))
    finally:
        if not keep:
            run([VPCSIM, "down", name])
    return done, bad


def removals(topo, q):
    """Ways to make topo smaller, each a function editing a copy; the
    query's own nodes stay."""
    keep = {q[0], q[1]}
    out = []
    for key in ("resources", "functions"):
        for i, x in enumerate(topo.get(key, [])):
            if x["name"] not in keep:
                out.append(lambda t, key=key, i=i: t[key].pop(i))
    for i, h in enumerate(topo["internet"]["hosts"]):
        if h["name"] not in keep:
            out.append(lambda t, i=i: t["internet"]["hosts"].pop(i))
    for vi, v in enumerate(topo["vpcs"]):
        for gi, g in enumerate(v.get("security_groups", [])):
            for d in ("ingress", "egress"):
                for ri in range(len(g.get(d, []))):
                    out.append(lambda t, vi=vi, gi=gi, d=d, ri=ri: t["vpcs"][vi]["security_groups"][gi][d].pop(ri))
        for ai, a in enumerate(v.get("network_acls", [])):
            for d in ("ingress", "egress"):
                for ri in range(len(a[d])):
                    out.append(lambda t, vi=vi, ai=ai, d=d, ri=ri: t["vpcs"][vi]["network_acls"][ai][d].pop(ri))
        for ti, rt in enumerate(v.get("route_tables", [])):
            for ri in range(len(rt["routes"])):
                out.append(lambda t, vi=vi, ti=ti, ri=ri: t["vpcs"][vi]["route_tables"][ti]["routes"].pop(ri))
    return out


def still_disagrees(topo, q, name, probe_ms, workdir, pretend):
    path = os.path.join(workdir, "shrink.json")
    with open(path, "w") as f:
        json.dump(topo, f)
    if run([VPCSIM, "validate", path])[0] != 0:
        return False
    if run([VPCSIM, "up", path])[0] != 0:
        run([VPCSIM, "down", name])
        return False
    try:
        reach, probe, problem = ask(name, q, probe_ms)
    finally:
        run([VPCSIM, "down", name])
    if pretend:
        return bool(reach) and reach["result"] == "open"
    return bool(problem) or reach["result"] != probe["result"] or bool(story_differs(reach, probe))


def shrink(seed, q, name, probe_ms, workdir, budget, pretend=False):
    """Greedy: drop one element at a time while the disagreement stays.
    Returns the path of the smallest topology found."""
    import copy
    topo, _ = generate(seed, name)
    tries = 0
    progress = True
    while progress and tries < budget:
        progress = False
        for edit in removals(topo, q):
            if tries >= budget:
                break
            cand = copy.deepcopy(topo)
            edit(cand)
            tries += 1
            if still_disagrees(cand, q, name, probe_ms, workdir, pretend):
                topo, progress = cand, True
                break
    path = os.path.join(workdir, "reach-fuzz-seed%d-minimal.json" % seed)
    with open(path, "w") as f:
        json.dump(topo, f, indent=1)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=0, help="stop after this many queries")
    ap.add_argument("--topologies", type=int, default=5)
    ap.add_argument("--queries", type=int, default=25, help="queries per topology")
    ap.add_argument("--probe-ms", type=int, default=600)
    ap.add_argument("--keep", action="store_true", help="leave the (last) topology up")
    ap.add_argument("--print", action="store_true", help="print the topology of --seed and stop")
    ap.add_argument("--name", default="rf%05d" % (os.getpid() % 100000))
    ap.add_argument("--shrink", type=int, default=40, metavar="N",
                    help="tries to make a smaller topology showing the first disagreement (0: none)")
    ap.add_argument("--shrink-self-test", metavar="FROM,TO,PROTO,PORT",
                    help="shrink --seed's topology keeping FROM -> TO open (tests the shrinker)")
    a = ap.parse_args()
    if a.print:
        print(json.dumps(generate(a.seed, a.name)[0], indent=1))
        return 0
    workdir = tempfile.mkdtemp(prefix="vpcsim-reach-fuzz.")
    if a.shrink_self_test:
        f, t, p, port = a.shrink_self_test.split(",")
        path = shrink(a.seed, (f, t, p, int(port)), a.name[:12], a.probe_ms, workdir, a.shrink, True)
        print(path)
        return 0
    cases, bad, k = 0, [], 0
    while (a.cases and cases < a.cases) or (not a.cases and k < a.topologies):
        seed = a.seed + k
        name = (a.name + "%x" % (k % 4096))[:12]
        done, b = one_topology(seed, name, a.queries, a.probe_ms, a.keep, workdir)
        cases += done
        bad += b
        print("%s %d - seed %d: %d queries%s" % ("not ok" if b else "ok", k + 1, seed, done,
                                                 ", %d disagreements" % len(b) if b else ""), flush=True)
        for q, s, path, why in b:
            print("#   seed %d %s: %s  (topology: %s)" % (s, q, why, path), flush=True)
        k += 1
    if bad and a.shrink:
        q, seed = bad[0][0], bad[0][1]
        if q != "up":
            print("# shrinking seed %d %s ..." % (seed, q), flush=True)
            print("# minimal topology: " + shrink(seed, q, (a.name + "s")[:12], a.probe_ms, workdir, a.shrink))
    print("# verdicts: " + ", ".join("%s %d" % kv for kv in sorted(STATS.items())))
    print("%d cases, %d disagreements, seeds %d..%d, files in %s" % (cases, len(bad), a.seed, a.seed + k - 1, workdir))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
