/* Security groups and NACLs compiled into policy map entries, and an
 * evaluator that answers from those entries exactly as bpf/policy.h and
 * bpf/nacl.h do. See model/policy.h for the compilation scheme. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "model/policy.h"

const char *const policy_map_names[PM__COUNT] = {
	[PM_SG_CIDR] = "sg_cidr",
	[PM_SG_PEER] = "sg_peer",
	[PM_SG_PORT] = "sg_port",
	[PM_NACL_CIDR] = "nacl_cidr",
	[PM_NACL_PORT] = "nacl_port",
	[PM_NACLS] = "nacls",
};

static const size_t map_sizes[PM__COUNT][2] = {
	[PM_SG_CIDR] = { sizeof(struct dp_sg_cidr_key), sizeof(struct dp_sg_cidr_val) },
	[PM_SG_PEER] = { sizeof(struct dp_sg_peer_key), sizeof(uint64_t) },
	[PM_SG_PORT] = { sizeof(struct dp_port_key), sizeof(uint64_t) },
	[PM_NACL_CIDR] = { sizeof(struct dp_nacl_cidr_key), sizeof(uint64_t) },
	[PM_NACL_PORT] = { sizeof(struct dp_port_key), sizeof(uint64_t) },
	[PM_NACLS] = { sizeof(uint32_t), sizeof(struct dp_nacl) },
};

size_t policy_map_key_size(int pm)
{
	return pm >= 0 && pm < PM__COUNT ? map_sizes[pm][0] : 0;
}

void policy_init(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < PM__COUNT; i++) {
		p->maps[i].key_size = map_sizes[i][0];
		p->maps[i].value_size = map_sizes[i][1];
	}
}

void policy_free(struct policy *p)
{
	for (int i = 0; i < PM__COUNT; i++) {
		free(p->maps[i].keys);
		free(p->maps[i].values);
	}
	free(p->groups);
	free(p->nacls);
	policy_init(p);
}

/* ---- map entry vectors ------------------------------------------------ */

const void *policy_map_find(const struct policy_map *m, const void *key)
{
	for (int i = 0; i < m->n; i++)
		if (!memcmp(m->keys + i * m->key_size, key, m->key_size))
			return m->values + i * m->value_size;
	return NULL;
}

/* Do the first `bits` bits (most significant first in each byte, as the
 * kernel's LPM trie compares) of a and b agree? */
static bool prefix_equal(const uint8_t *a, const uint8_t *b, uint32_t bits)
{
	uint32_t bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

const void *policy_lpm_lookup(const struct policy_map *m, const void *key)
{
	uint32_t want, best_len = 0;
	const void *best = NULL;

	memcpy(&want, key, sizeof(want));
	for (int i = 0; i < m->n; i++) {
		const uint8_t *k = m->keys + i * m->key_size;
		uint32_t plen;

		memcpy(&plen, k, sizeof(plen));
		if (plen > want || (best && plen <= best_len))
			continue;
		if (!prefix_equal(k + 4, (const uint8_t *)key + 4, plen))
			continue;
		best = m->values + i * m->value_size;
		best_len = plen;
	}
	return best;
}

/* Returns the value slot for key, adding a zeroed entry when absent. */
static void *map_slot(struct policy_map *m, const void *key)
{
	void *v = (void *)policy_map_find(m, key);

	if (v)
		return v;
	if (m->n == m->cap) {
		int cap = m->cap ? m->cap * 2 : 64;
		uint8_t *k = realloc(m->keys, cap * m->key_size);

		if (!k)
			return NULL;
		m->keys = k;
		uint8_t *vals = realloc(m->values, cap * m->value_size);
		if (!vals)
			return NULL;
		m->values = vals;
		m->cap = cap;
	}
	memcpy(m->keys + m->n * m->key_size, key, m->key_size);
	v = m->values + m->n * m->value_size;
	memset(v, 0, m->value_size);
	m->n++;
	return v;
}

static int map_or(struct policy_map *m, const void *key, uint64_t bits)
{
	uint64_t *v = map_slot(m, key), old;

	if (!v)
		return -ENOMEM;
	memcpy(&old, v, sizeof(old));
	old |= bits;
	memcpy(v, &old, sizeof(old));
	return 0;
}

/* ---- ids -------------------------------------------------------------- */

uint16_t policy_group_id(const struct topology *t, int vpc, int sg)
{
	int id = 1 + sg;

	for (int v = 0; v < vpc; v++)
		id += t->vpcs[v].n_security_groups;
	return id > UINT16_MAX ? 0 : (uint16_t)id;
}

uint16_t policy_nacl_id(const struct topology *t, int vpc, int nacl)
{
	int id = 1 + nacl;

	for (int v = 0; v < vpc; v++)
		id += t->vpcs[v].n_nacls;
	return id >= DP_NACLS_MAX ? 0 : (uint16_t)id;
}

/* ---- compiling one rule set ------------------------------------------- */

/* A group or NACL rule reduced to what the maps need. */
struct crule {
	int proto;                 /* 0..255 or PROTO_ALL */
	struct port_range ports;
	int icmp_type, icmp_code;
	bool peer;                 /* group-peer rule (groups only) */
	uint16_t peer_id;
	struct cidr cidr;          /* when !peer */
};

/* A port block of a rule: value/len is a prefix of the 16-bit port. */
struct pblock {
	uint8_t proto;
	uint8_t len;
	uint16_t value;
	int rule;
};

#define BLOCKS_PER_RULE 32     /* a 16-bit range splits into at most 30 */

/* Splits [lo, hi] into the fewest aligned prefix blocks. */
static int range_blocks(uint32_t lo, uint32_t hi, uint8_t proto, int rule,
			struct pblock *out)
{
	int n = 0;

	while (lo <= hi) {
		uint8_t len = 16;

		/* grow the block while it stays aligned and inside the range */
		while (len > 0) {
			uint32_t size = 1u << (16 - (len - 1));

			if (lo % size || lo + size - 1 > hi)
				break;
			len--;
		}
		out[n++] = (struct pblock){ proto, len, (uint16_t)lo, rule };
		lo += 1u << (16 - len);
	}
	return n;
}

static int rule_blocks(const struct crule *r, int rule, struct pblock *out)
{
	if (r->proto == PROTO_ALL) {
		out[0] = (struct pblock){ DP_PROTO_ALL, 0, 0, rule };
		return 1;
	}
	if (r->proto == 6 || r->proto == 17)
		return range_blocks(r->ports.lo, r->ports.hi, (uint8_t)r->proto,
				    rule, out);
	if (r->proto == 1) {
		if (r->icmp_type == ICMP_ANY)
			out[0] = (struct pblock){ 1, 0, 0, rule };
		else if (r->icmp_code == ICMP_ANY)
			out[0] = (struct pblock){ 1, 8, (uint16_t)(r->icmp_type << 8), rule };
		else
			out[0] = (struct pblock){ 1, 16,
				(uint16_t)(r->icmp_type << 8 | r->icmp_code), rule };
		return 1;
	}
	out[0] = (struct pblock){ (uint8_t)r->proto, 0, 0, rule };
	return 1;
}

static bool block_contains(const struct pblock *outer, const struct pblock *in)
{
	if (outer->proto != in->proto || outer->len > in->len)
		return false;
	if (outer->len == 0)
		return true;
	return (outer->value >> (16 - outer->len)) == (in->value >> (16 - outer->len));
}

/* Port trie entries of one rule set into map m (sg_port or nacl_port). */
static int compile_ports(struct policy_map *m, uint16_t id, uint8_t dir,
			 const struct crule *rules, int n)
{
	struct pblock *b = calloc((size_t)n * BLOCKS_PER_RULE + 1, sizeof(*b));
	int nb = 0, rc = 0;

	if (!b)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		nb += rule_blocks(&rules[i], i, b + nb);
	for (int i = 0; i < nb && !rc; i++) {
		struct dp_port_key key;
		uint64_t mask = 0;

		for (int j = 0; j < nb; j++)
			if (block_contains(&b[j], &b[i]))
				mask |= 1ULL << b[j].rule;
		memset(&key, 0, sizeof(key));
		key.prefixlen = 32 + b[i].len;
		key.id = id;
		key.dir = dir;
		key.proto = b[i].proto;
		key.port = htons(b[i].value);
		rc = map_or(m, &key, mask);
	}
	free(b);
	return rc;
}

/* Rules (bits) whose CIDR contains c; peer rules never do. */
static uint64_t cidr_rules(const struct crule *rules, int n, struct cidr c)
{
	uint64_t mask = 0;

	for (int j = 0; j < n; j++)
		if (!rules[j].peer && cidr_contains(rules[j].cidr, c))
			mask |= 1ULL << j;
	return mask;
}

static int compile_sg_dir(struct policy *p, uint16_t id, uint8_t dir,
			  const struct crule *rules, int n)
{
	uint64_t world = 0;
	int rc;

	for (int i = 0; i < n; i++)
		if (!rules[i].peer && rules[i].cidr.len == 0)
			world |= 1ULL << i;
	for (int i = 0; i < n; i++) {
		if (rules[i].peer) {
			struct dp_sg_peer_key key;

			memset(&key, 0, sizeof(key));
			key.group = id;
			key.dir = dir;
			key.peer_group = rules[i].peer_id;
			rc = map_or(&p->maps[PM_SG_PEER], &key, 1ULL << i);
		} else {
			struct dp_sg_cidr_key key;
			struct dp_sg_cidr_val *v;

			memset(&key, 0, sizeof(key));
			key.prefixlen = 32 + rules[i].cidr.len;
			key.group = id;
			key.dir = dir;
			key.ip = htonl(rules[i].cidr.addr);
			v = map_slot(&p->maps[PM_SG_CIDR], &key);
			if (!v)
				return -ENOMEM;
			v->mask = cidr_rules(rules, n, rules[i].cidr);
			v->world_mask = world;
			rc = 0;
		}
		if (rc)
			return rc;
	}
	return compile_ports(&p->maps[PM_SG_PORT], id, dir, rules, n);
}

static void crule_from_sg(struct crule *c, const struct topology *t,
			  const struct sg_rule *r)
{
	memset(c, 0, sizeof(*c));
	c->proto = r->proto;
	c->ports = r->ports;
	c->icmp_type = r->icmp_type;
	c->icmp_code = r->icmp_code;
	c->peer = r->peer_is_sg;
	if (r->peer_is_sg)
		c->peer_id = policy_group_id(t, r->peer_vpc, r->peer_sg);
	else
		c->cidr = cidr_canonical(r->cidr);
}

static bool rules_open_all(const struct crule *rules, int n)
{
	for (int i = 0; i < n; i++)
		if (rules[i].proto == PROTO_ALL && !rules[i].peer &&
		    rules[i].cidr.len == 0)
			return true;
	return false;
}

static struct policy_group *group_info(struct policy *p, uint16_t id)
{
	struct policy_group *g;

	for (int i = 0; i < p->n_groups; i++)
		if (p->groups[i].id == id)
			return &p->groups[i];
	g = realloc(p->groups, (p->n_groups + 1) * sizeof(*g));
	if (!g)
		return NULL;
	p->groups = g;
	g = &p->groups[p->n_groups++];
	memset(g, 0, sizeof(*g));
	g->id = id;
	return g;
}

int policy_compile_sg(struct policy *p, const struct topology *t, int vpc,
		      int sg)
{
	const struct vpc *v = &t->vpcs[vpc];
	const struct security_group *g = &v->security_groups[sg];
	uint16_t id = policy_group_id(t, vpc, sg);
	struct crule rules[2][DP_MAX_RULES];
	int n[2] = { g->n_ingress, g->n_egress };
	struct policy_group *info;
	int rc;

	if (!id)
		return errf(ERANGE, "compiling security group %s of VPC %s: more groups than ids",
			    g->name, v->name);
	if (n[0] > DP_MAX_RULES || n[1] > DP_MAX_RULES)
		return errf(E2BIG, "compiling security group %s of VPC %s: more than %d rules in one direction",
			    g->name, v->name, DP_MAX_RULES);
	for (int i = 0; i < n[DP_DIR_INGRESS]; i++)
		crule_from_sg(&rules[DP_DIR_INGRESS][i], t, &g->ingress[i]);
	for (int i = 0; i < n[DP_DIR_EGRESS]; i++)
		crule_from_sg(&rules[DP_DIR_EGRESS][i], t, &g->egress[i]);
	if (g->implicit && !n[0] && !n[1]) {
		/* AWS's default group: all from its members, all outbound */
		memset(rules, 0, sizeof(rules));
		rules[DP_DIR_INGRESS][0] = (struct crule){
			.proto = PROTO_ALL, .peer = true, .peer_id = id };
		rules[DP_DIR_EGRESS][0] = (struct crule){ .proto = PROTO_ALL };
		n[0] = n[1] = 1;
	}
	info = group_info(p, id);
	if (!info)
		return errf(ENOMEM, "compiling security group %s", g->name);
	for (int d = 0; d < 2; d++) {
		rc = compile_sg_dir(p, id, (uint8_t)d, rules[d], n[d]);
		if (rc)
			return errf(rc, "compiling security group %s of VPC %s",
				    g->name, v->name);
		info->open_all[d] = rules_open_all(rules[d], n[d]);
	}
	return 0;
}

static int compile_nacl_dir(struct policy *p, uint16_t id, uint8_t dir,
			    const struct nacl_rule *in, int n,
			    struct policy_nacl *info, uint64_t *allow)
{
	struct crule rules[DP_MAX_RULES];
	const struct nacl_rule *sorted[DP_MAX_RULES];
	int rc;

	/* rank by rule number (the model keeps them sorted; do not rely on it) */
	for (int i = 0; i < n; i++) {
		int j = i;

		while (j > 0 && sorted[j - 1]->number > in[i].number) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = &in[i];
	}
	*allow = 0;
	for (int i = 0; i < n; i++) {
		const struct nacl_rule *r = sorted[i];

		memset(&rules[i], 0, sizeof(rules[i]));
		rules[i].proto = r->proto;
		rules[i].ports = r->ports;
		rules[i].icmp_type = r->icmp_type;
		rules[i].icmp_code = r->icmp_code;
		rules[i].cidr = cidr_canonical(r->cidr);
		info->number[dir][i] = r->number;
		info->allow[dir][i] = r->allow;
		if (r->allow)
			*allow |= 1ULL << i;
	}
	info->n[dir] = n;
	for (int i = 0; i < n; i++) {
		struct dp_nacl_cidr_key key;

		memset(&key, 0, sizeof(key));
		key.prefixlen = 32 + rules[i].cidr.len;
		key.nacl = id;
		key.dir = dir;
		key.ip = htonl(rules[i].cidr.addr);
		rc = map_or(&p->maps[PM_NACL_CIDR], &key,
			    cidr_rules(rules, n, rules[i].cidr));
		if (rc)
			return rc;
	}
	return compile_ports(&p->maps[PM_NACL_PORT], id, dir, rules, n);
}

static struct policy_nacl *nacl_info(const struct policy *p, uint16_t id)
{
	for (int i = 0; i < p->n_nacls; i++)
		if (p->nacls[i].id == id)
			return &p->nacls[i];
	return NULL;
}

int policy_compile_nacl(struct policy *p, const struct topology *t, int vpc,
			int nacl)
{
	const struct vpc *v = &t->vpcs[vpc];
	const struct nacl *a = &v->nacls[nacl];
	uint16_t id = policy_nacl_id(t, vpc, nacl);
	struct nacl_rule allow_all = {
		.number = 100, .proto = PROTO_ALL, .ports = { 0, 65535 },
		.icmp_type = ICMP_ANY, .icmp_code = ICMP_ANY, .allow = true,
	};
	const struct nacl_rule *rules[2] = { a->ingress, a->egress };
	int n[2] = { a->n_ingress, a->n_egress };
	struct policy_nacl *info, *grown;
	struct dp_nacl *val;
	uint32_t key = id;
	int rc;

	if (!id)
		return errf(ERANGE, "compiling network ACL %s of VPC %s: more NACLs than %d",
			    a->name, v->name, DP_NACLS_MAX - 1);
	if (n[0] > DP_MAX_RULES || n[1] > DP_MAX_RULES)
		return errf(E2BIG, "compiling network ACL %s of VPC %s: more than %d rules in one direction",
			    a->name, v->name, DP_MAX_RULES);
	if (a->implicit && !n[0] && !n[1]) {
		rules[0] = rules[1] = &allow_all;
		n[0] = n[1] = 1;
	}
	info = nacl_info(p, id);
	if (!info) {
		grown = realloc(p->nacls, (p->n_nacls + 1) * sizeof(*grown));
		if (!grown)
			return errf(ENOMEM, "compiling network ACL %s", a->name);
		p->nacls = grown;
		info = &p->nacls[p->n_nacls++];
	}
	memset(info, 0, sizeof(*info));
	info->id = id;
	val = map_slot(&p->maps[PM_NACLS], &key);
	if (!val)
		return errf(ENOMEM, "compiling network ACL %s", a->name);
	for (int d = 0; d < 2; d++) {
		uint64_t allow;

		rc = compile_nacl_dir(p, id, (uint8_t)d, rules[d], n[d], info,
				      &allow);
		if (rc)
			return errf(rc, "compiling network ACL %s of VPC %s",
				    a->name, v->name);
		val = (struct dp_nacl *)policy_map_find(&p->maps[PM_NACLS], &key);
		val->allow_mask[d] = allow;
	}
	return 0;
}

int policy_compile_vpc(struct policy *p, const struct topology *t, int vpc)
{
	const struct vpc *v = &t->vpcs[vpc];
	int rc;

	for (int i = 0; i < v->n_security_groups; i++) {
		rc = policy_compile_sg(p, t, vpc, i);
		if (rc)
			return rc;
	}
	for (int i = 0; i < v->n_nacls; i++) {
		rc = policy_compile_nacl(p, t, vpc, i);
		if (rc)
			return rc;
	}
	return 0;
}

uint16_t policy_eni_flags(const struct policy *p, const uint16_t *groups,
			  int n)
{
	uint16_t flags = 0;

	for (int i = 0; i < n; i++)
		for (int j = 0; j < p->n_groups; j++) {
			if (p->groups[j].id != groups[i])
				continue;
			if (p->groups[j].open_all[DP_DIR_INGRESS])
				flags |= DP_ENI_F_INGRESS_OPEN;
			if (p->groups[j].open_all[DP_DIR_EGRESS])
				flags |= DP_ENI_F_EGRESS_OPEN;
		}
	return flags;
}

/* ---- evaluator: the BPF lookups, on the entries ----------------------- */

/* The port rules see: bpf/parse.h sets 0 for protocols without ports. */
static uint16_t rule_port(const struct policy_query *q)
{
	return q->proto == 6 || q->proto == 17 || q->proto == 1 ? q->port : 0;
}

static uint64_t port_mask(const struct policy_map *m, uint16_t id,
			  uint8_t dir, uint8_t proto, uint16_t port)
{
	struct dp_port_key key;
	const uint64_t *v;
	uint64_t mask = 0;

	memset(&key, 0, sizeof(key));
	key.prefixlen = 48;
	key.id = id;
	key.dir = dir;
	key.proto = proto;
	key.port = htons(port);
	v = policy_lpm_lookup(m, &key);
	if (v)
		mask |= *v;
	key.proto = DP_PROTO_ALL;
	key.port = 0;
	v = policy_lpm_lookup(m, &key);
	if (v)
		mask |= *v;
	return mask;
}

/* sg_match() of bpf/policy.h. */
static uint64_t sg_match(const struct policy *p, const uint16_t *groups,
			 int n, uint8_t dir, uint32_t remote,
			 const uint16_t *rgroups, int nrg, uint8_t proto,
			 uint16_t port, uint64_t *tracked)
{
	uint64_t matched = 0, nonworld = 0;

	for (int i = 0; i < n; i++) {
		struct dp_sg_cidr_key ckey;
		const struct dp_sg_cidr_val *cv;
		uint64_t addr = 0, world = 0, m;

		memset(&ckey, 0, sizeof(ckey));
		ckey.prefixlen = 64;
		ckey.group = groups[i];
		ckey.dir = dir;
		ckey.ip = htonl(remote);
		cv = policy_lpm_lookup(&p->maps[PM_SG_CIDR], &ckey);
		if (cv) {
			addr = cv->mask;
			world = cv->world_mask;
		}
		for (int j = 0; j < nrg; j++) {
			struct dp_sg_peer_key pkey;
			const uint64_t *pv;

			memset(&pkey, 0, sizeof(pkey));
			pkey.group = groups[i];
			pkey.dir = dir;
			pkey.peer_group = rgroups[j];
			pv = policy_map_find(&p->maps[PM_SG_PEER], &pkey);
			if (pv)
				addr |= *pv;
		}
		if (!addr)
			continue;
		m = addr & port_mask(&p->maps[PM_SG_PORT], groups[i], dir, proto,
				     port);
		matched |= m;
		nonworld |= m & ~world;
	}
	*tracked = nonworld;
	return matched;
}

static uint16_t open_flag(uint8_t dir)
{
	return dir == DP_DIR_INGRESS ? DP_ENI_F_INGRESS_OPEN : DP_ENI_F_EGRESS_OPEN;
}

bool policy_sg_allows(const struct policy *p, const uint16_t *groups, int n,
		      uint16_t eni_flags, const struct policy_query *q,
		      bool *track)
{
	uint8_t dir = (uint8_t)q->dir, other = dir ^ 1;
	int nrg = q->n_remote_groups < DP_MAX_SGS ? q->n_remote_groups : DP_MAX_SGS;
	bool ports = q->proto == 6 || q->proto == 17;
	uint64_t matched, tracked;
	bool t = true;

	if (n > DP_MAX_SGS)
		n = DP_MAX_SGS;
	matched = sg_match(p, groups, n, dir, q->remote_ip, q->remote_groups, nrg,
			   q->proto, rule_port(q), &tracked);
	if (matched && !tracked && ports) {
		if (eni_flags & open_flag(other))
			t = false;
		else if ((eni_flags & open_flag(dir)) &&
			 sg_match(p, groups, n, other, q->remote_ip,
				  q->remote_groups, nrg, q->proto, q->sport,
				  &tracked) && !tracked)
			t = false;
	}
	if (track)
		*track = t;
	return matched != 0;
}

bool policy_sg_rule(const struct policy *p, const uint16_t *groups, int n,
		    const struct policy_query *q, int *group, int *rule)
{
	int nrg = q->n_remote_groups < DP_MAX_SGS ? q->n_remote_groups : DP_MAX_SGS;
	uint64_t m, tracked;

	*group = *rule = -1;
	for (int i = 0; i < n && i < DP_MAX_SGS; i++) {
		m = sg_match(p, &groups[i], 1, (uint8_t)q->dir, q->remote_ip,
			     q->remote_groups, nrg, q->proto, rule_port(q), &tracked);
		if (m) {
			*group = i;
			*rule = __builtin_ctzll(m);
			return true;
		}
	}
	return false;
}

int nacl_eval(const struct policy *p, uint16_t nacl,
	      const struct policy_query *q, bool *allow)
{
	uint8_t dir = (uint8_t)q->dir;
	struct dp_nacl_cidr_key ckey;
	const struct dp_nacl *acl;
	const struct policy_nacl *info;
	const uint64_t *v;
	uint32_t idx = nacl;
	uint64_t match;
	int bit;

	*allow = false;
	memset(&ckey, 0, sizeof(ckey));
	ckey.prefixlen = 64;
	ckey.nacl = nacl;
	ckey.dir = dir;
	ckey.ip = htonl(q->remote_ip);
	v = policy_lpm_lookup(&p->maps[PM_NACL_CIDR], &ckey);
	if (!v)
		return 0;
	match = *v & port_mask(&p->maps[PM_NACL_PORT], nacl, dir, q->proto,
			       rule_port(q));
	acl = policy_map_find(&p->maps[PM_NACLS], &idx);
	info = nacl_info(p, nacl);
	if (!match || !acl || !info)
		return 0;
	bit = __builtin_ctzll(match);
	*allow = (acl->allow_mask[dir] >> bit) & 1;
	return bit < info->n[dir] ? info->number[dir][bit] : 0;
}
