/* The data plane's checks at one VPC ENI, in the order bpf/dataplane.bpf.c
 * makes them, on the same ENI entry and compiled policy. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "model/eni_entry.h"
#include "model/reach_internal.h"

static uint16_t rule_port(const struct rpkt *p)
{
	if (p->proto == 6 || p->proto == 17)
		return p->dport;
	return p->proto == 1 ? p->icmp : 0;
}

/* is_dns() of the data plane: TCP/UDP to or from the resolver's port 53
 * skips groups and NACLs. */
static bool is_dns(const struct layout *L, int vpc, uint32_t resolver, uint16_t port,
		   const struct rpkt *p)
{
	return (resolver == L->t->vpcs[vpc].cidr.addr + 2 || resolver == DP_DNS_LINK_LOCAL) &&
	       port == 53 &&
	       (p->proto == 6 || p->proto == 17);
}

static bool crosses(const struct dp_eni *e, uint32_t ip)
{
	return (htonl(ip) & e->subnet_mask) != e->subnet;
}

static bool ct_has(const struct walk *w, const struct attachment *a)
{
	for (int i = 0; i < w->n_ct; i++)
		if (w->ct[i] == a)
			return true;
	return false;
}

static void ct_add(struct walk *w, const struct attachment *a)
{
	if (!ct_has(w, a) && w->n_ct < WALK_MAX_CT)
		w->ct[w->n_ct++] = a;
}

/* Has no group of a any rule in this direction (AWS: SG_HAS_NO_RULES)? */
static bool groups_empty(const struct topology *t, const struct attachment *a, bool ingress)
{
	for (int i = 0; i < a->n_sgs; i++) {
		const struct security_group *g = &t->vpcs[a->vpc].security_groups[a->sgs[i]];

		if (g->implicit && !g->n_ingress && !g->n_egress)
			return false; /* AWS's default rules */
		if (ingress ? g->n_ingress : g->n_egress)
			return false;
	}
	return true;
}

static bool sg_check(struct walk *w, const struct attachment *a, const struct rpkt *p,
		     bool ingress)
{
	const struct topology *t = w->L->t;
	uint32_t remote = ingress ? p->src : p->dst;
	const struct attachment *m = walk_member(w, a->vpc, remote);
	uint16_t groups[ENI_SG_MAX], rgroups[ENI_SG_MAX];
	int n = eni_group_ids(w->L, a, groups), gi, ri;
	struct policy_query q = {
		.dir = ingress ? DP_DIR_INGRESS : DP_DIR_EGRESS, .remote_ip = remote,
		.remote_groups = rgroups, .n_remote_groups = m ? eni_group_ids(w->L, m, rgroups) : 0,
		.proto = p->proto, .port = rule_port(p), .sport = p->sport,
	};
	char eni[96], grp[96], rule[160], peer[96], what[64], fix[REACH_TEXT];

	text_eni(w->L, a, eni, sizeof(eni));
	text_traffic(p->proto, p->dport, p->icmp, what, sizeof(what));
	if (policy_sg_allows(w->pol, groups, n, 0, &q, NULL) &&
	    policy_sg_rule(w->pol, groups, n, &q, &gi, &ri)) {
		const struct security_group *g = &t->vpcs[a->vpc].security_groups[a->sgs[gi]];
		const struct sg_rule *rl = ingress ? g->ingress : g->egress;

		text_group(t, a->vpc, a->sgs[gi], grp, sizeof(grp));
		if (ri < (ingress ? g->n_ingress : g->n_egress))
			text_sg_rule(t, a->vpc, &rl[ri], ingress, rule, sizeof(rule));
		else
			snprintf(rule, sizeof(rule), "%s", ingress ? "all from members of default (AWS's default)" :
				 "all to 0.0.0.0/0 (AWS's default)");
		walk_hop(w, eni, "%s %s rule %d admits %s: %s", grp, ingress ? "inbound" : "outbound",
			 ri + 1, what, rule);
		return true;
	}
	text_group(t, a->vpc, a->sgs[0], grp, sizeof(grp));
	text_peer(w, a->vpc, remote, peer, sizeof(peer));
	snprintf(fix, sizeof(fix), "add an %s rule to %s allowing %s %s %s",
		 ingress ? "inbound" : "outbound", grp, what, ingress ? "from" : "to", peer);
	return walk_block(w, groups_empty(t, a, ingress) ? REACH_SG_HAS_NO_RULES :
			  REACH_ENI_SG_RULES_MISMATCH, eni, fix,
			  "no %s rule of the ENI's security groups (%s%s) allows %s %s %s",
			  ingress ? "inbound" : "outbound", grp, n > 1 ? ", ..." : "", what,
			  ingress ? "from" : "to", peer);
}

static const struct nacl_rule *nacl_rule_numbered(const struct nacl *acl, bool ingress, int num)
{
	const struct nacl_rule *rl = ingress ? acl->ingress : acl->egress;
	int n = ingress ? acl->n_ingress : acl->n_egress;

	for (int i = 0; i < n; i++)
		if (rl[i].number == num)
			return &rl[i];
	return NULL;
}

static bool nacl_check(struct walk *w, const struct attachment *a, const struct dp_eni *e,
		       const struct rpkt *p, bool ingress)
{
	const struct vpc *v = &w->L->t->vpcs[a->vpc];
	const struct nacl *acl = &v->nacls[v->subnets[a->subnet].nacl];
	uint32_t remote = ingress ? p->src : p->dst;
	struct policy_query q = {
		.dir = ingress ? DP_DIR_INGRESS : DP_DIR_EGRESS, .remote_ip = remote,
		.proto = p->proto, .port = rule_port(p), .sport = p->sport,
	};
	char comp[96], what[64], ip[IP4_STRLEN], rule[160] = "", fix[REACH_TEXT];
	const struct nacl_rule *rl;
	bool allow;
	int num = nacl_eval(w->pol, e->nacl_id, &q, &allow);

	snprintf(comp, sizeof(comp), "network ACL %s/%s (subnet %s)", v->name, acl->name,
		 v->subnets[a->subnet].name);
	text_traffic(p->proto, p->dport, p->icmp, what, sizeof(what));
	if (w->reply && (p->proto == 6 || p->proto == 17))
		snprintf(what, sizeof(what), "%s %d-%d (the client's ephemeral ports)",
			 p->proto == 6 ? "tcp" : "udp", EPHEMERAL_LO, EPHEMERAL_HI);
	ip4_str(remote, ip);
	rl = num ? nacl_rule_numbered(acl, ingress, num) : NULL;
	if (rl)
		text_nacl_rule(rl, ingress, rule, sizeof(rule));
	else if (num)
		snprintf(rule, sizeof(rule), "allow all (the default network ACL)");
	if (allow) {
		walk_hop(w, comp, "%s rule %d allows %s %s %s: %s", ingress ? "inbound" : "outbound",
			 num, what, ingress ? "from" : "to", ip, rule);
		return true;
	}
	if (num)
		snprintf(fix, sizeof(fix), "rule %d of network ACL %s/%s denies it: add an %s allow rule for %s %s %s/32 numbered below %d",
			 num, v->name, acl->name, ingress ? "inbound" : "outbound", what,
			 ingress ? "from" : "to", ip, num);
	else
		snprintf(fix, sizeof(fix), "add an %s allow rule to network ACL %s/%s for %s %s %s/32",
			 ingress ? "inbound" : "outbound", v->name, acl->name, what,
			 ingress ? "from" : "to", ip);
	if (num)
		return walk_block(w, REACH_SUBNET_ACL_RESTRICTION, comp, fix,
				  "%s rule %d denies %s%s %s %s: %s", ingress ? "inbound" : "outbound",
				  num, what, w->reply ? " (the reply)" : "", ingress ? "from" : "to", ip, rule);
	return walk_block(w, REACH_SUBNET_ACL_RESTRICTION, comp, fix,
			  "no %s rule matches %s %s %s: the implicit deny (*) drops it",
			  ingress ? "inbound" : "outbound", what, ingress ? "from" : "to", ip);
}

bool eni_leave(struct walk *w, const struct attachment *a, const struct rpkt *p)
{
	struct dp_eni e;
	char eni[96];

	eni_entry_build(w->L, w->pol, a, &e);
	text_eni(w->L, a, eni, sizeof(eni));
	if (is_dns(w->L, a->vpc, p->dst, p->dport, p)) {
		walk_hop(w, eni, "to the VPC resolver: groups and NACLs do not apply");
		return true;
	}
	if (!(e.flags & DP_ENI_F_NO_SECURITY_GROUPS)) {
		if (w->reply && ct_has(w, a))
			walk_hop(w, eni, "out: the reply of a tracked flow (security groups are stateful)");
		else if (!sg_check(w, a, p, false))
			return false;
		else if (!w->reply)
			ct_add(w, a);
	} else {
		walk_hop(w, eni, "out: no security groups (NAT gateway ENI)");
	}
	if (crosses(&e, p->dst))
		return nacl_check(w, a, &e, p, false);
	return true;
}

bool eni_enter(struct walk *w, const struct attachment *a, const struct rpkt *p,
	       bool from_outside)
{
	bool groups, ct;
	struct dp_eni e;
	char eni[96];

	eni_entry_build(w->L, w->pol, a, &e);
	text_eni(w->L, a, eni, sizeof(eni));
	if (is_dns(w->L, a->vpc, p->src, p->sport, p))
		return true;
	if (crosses(&e, p->src) && !nacl_check(w, a, &e, p, true))
		return false;
	groups = !(e.flags & DP_ENI_F_NO_SECURITY_GROUPS);
	ct = groups && w->reply && ct_has(w, a);
	if (!ct && !(e.flags & DP_ENI_F_HAS_PUBLIC_IP) && from_outside)
		return walk_block(w, REACH_NO_PUBLIC_IP, eni,
				  "give the target a public address (public_ip: auto) in a public subnet",
				  "a new connection from outside the VPC to an ENI without a public address");
	if (!ct && (e.flags & DP_ENI_F_NO_INBOUND))
		return walk_block(w, REACH_LAMBDA_NO_INBOUND, eni,
				  "nothing can connect into a function: have the function connect out, or put the service on a resource",
				  "a Lambda function's ENI accepts no new connection, whatever its groups allow");
	if (ct) {
		walk_hop(w, eni, "in: the reply of a tracked flow (security groups are stateful)");
		return true;
	}
	if (!groups) {
		walk_hop(w, eni, "in: no security groups (NAT gateway ENI)");
		return true;
	}
	if (!sg_check(w, a, p, true))
		return false;
	if (!w->reply)
		ct_add(w, a);
	return true;
}
