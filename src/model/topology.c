/* Topology file parsing: JSON text to the model of vpcsim/topology.h.
 *
 * The file is read in passes because objects refer to each other by name:
 *   1. top level, lambda, internet hosts;
 *   2. every VPC's own objects and names (subnets, table/NAT/group names,
 *      NACLs, which refer to nothing);
 *   3. peerings (they name VPCs);
 *   4. what refers to names: routes (NATs, peerings), subnet tables and
 *      NACLs, security group rules (groups of peered VPCs);
 *   5. resources, functions, expectations (they name subnets, groups, nodes);
 *   6. topology_check(): rules spanning objects, on the model alone.
 * Each pass reports only what it reads, so a problem is reported once.
 * Every problem is collected; none stops the parse. Elements keep their
 * position in the file (a broken element leaves a zeroed slot), so an index
 * in the model is also the index in the JSON path of a diagnostic.
 *
 * topology_model.c holds what needs no JSON (diagnostics, freeing, lookups);
 * topology_json.c the generic reading of JSON values (typed getters with
 * paths, allowed keys, the document itself), which topology_db.c,
 * topology_dns.c and topology_aws.c share through topology_internal_json.h.
 *
 * Allocation failure aborts: the input is a small file read once at start,
 * and threading ENOMEM through every helper would hide the rules. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "model/topology.h"
#include "model/topology_internal.h"
#include "util/fs.h"
#include "vpcsim/dataplane.h"
#include "model/topology_internal_json.h"
#include "model/topology_code.h"

#define CODE_LAMBDA "InvalidParameterValueException"

/* ---- values ---- */

static bool name_valid(const char *s, int max)
{
	int n = 0;

	if (!(*s >= 'a' && *s <= 'z'))
		return false;
	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return n <= max;
}

/* The name member of an object; stored even when malformed (reported) so
 * references to it do not add follow-on errors. */
char *get_name(struct parse *p, const cJSON *obj, const char *path,
		      const char *what)
{
	const char *s;
	char kp[PATH_LEN];

	if (get_str(p, obj, path, "name", true, &s) != 1)
		return NULL;
	if (!name_valid(s, NAME_MAX_LEN))
		ERR(p, path_key(kp, path, "name"), CODE_PARAM,
		    "The %s name '%s' is invalid: use 1 to %d characters, a lowercase letter first, then lowercase letters, digits or '-'",
		    what, s, NAME_MAX_LEN);
	return topo_strdup(s);
}

/* A CIDR string member. Strict: host bits are an error (VPCs, subnets,
 * routes). Otherwise they are cleared with a warning, as AWS does for rule
 * CIDRs. Returns true with a canonical *out; on failure *out is CIDR_BAD. */
static bool get_cidr(struct parse *p, const cJSON *obj, const char *path,
		     const char *key, bool required, bool strict, struct cidr *out)
{
	const char *s;
	char kp[PATH_LEN], cb[CIDR_STRLEN];
	bool canonical;

	out->len = CIDR_BAD;
	if (get_str(p, obj, path, key, required, &s) != 1)
		return false;
	path_key(kp, path, key);
	if (!cidr_parse(s, out, &canonical)) {
		out->len = CIDR_BAD;
		ERR(p, kp, CODE_PARAM,
		    "The CIDR '%s' is invalid: expected a.b.c.d/n (decimal octets without leading zeros, n from 0 to 32)", s);
		return false;
	}
	if (canonical)
		return true;
	if (strict) {
		ERR(p, kp, CODE_PARAM, "The CIDR '%s' has host bits set; did you mean '%s'?",
		    s, cidr_str(cidr_canonical(*out), cb));
		out->len = CIDR_BAD;
		return false;
	}
	*out = cidr_canonical(*out);
	topo_warning(p->d, kp, "NonCanonicalCidr",
		     "The CIDR '%s' has host bits set; it is used as '%s'", s, cidr_str(*out, cb));
	return true;
}

/* Ranges that are not the unicast internet (docs/TOPOLOGY.md lists the first six;
 * 0/8, multicast and reserved can never be a host either). */
static const char *special_range(uint32_t ip)
{
	static const struct { const char *c; uint32_t addr; uint8_t len; } r[] = {
		{ "10.0.0.0/8", 0x0a000000, 8 },     { "172.16.0.0/12", 0xac100000, 12 },
		{ "192.168.0.0/16", 0xc0a80000, 16 }, { "100.64.0.0/10", 0x64400000, 10 },
		{ "127.0.0.0/8", 0x7f000000, 8 },    { "169.254.0.0/16", 0xa9fe0000, 16 },
		{ "0.0.0.0/8", 0x00000000, 8 },      { "224.0.0.0/3", 0xe0000000, 3 },
	};

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (cidr_contains_ip((struct cidr){ r[i].addr, r[i].len }, ip))
			return r[i].c;
	return NULL;
}

/* A public IPv4 address given as string member `key`; 0 when invalid. */
static uint32_t get_public_ip(struct parse *p, const char *path, const char *key,
			      const char *s)
{
	const char *range;
	char kp[PATH_LEN];
	uint32_t ip;

	path_key(kp, path, key);
	if (!ip4_parse(s, &ip)) {
		ERR(p, kp, CODE_PARAM, "The address '%s' is not a valid IPv4 address", s);
		return 0;
	}
	range = special_range(ip);
	if (range) {
		ERR(p, kp, CODE_PARAM,
		    "The address '%s' is not public (it is in %s); use a public address such as 203.0.113.10", s, range);
		return 0;
	}
	return ip;
}

static bool parse_port_num(const char *s, const char *end, long *out)
{
	long v = 0;

	if (s == end || end - s > 5)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return v <= 65535;
}

/* "N", "N-M" (N <= M), "all", or a plain JSON number N. */
static bool parse_ports(struct parse *p, const cJSON *j, const char *path,
			struct port_range *out)
{
	const char *s = cJSON_GetStringValue(j), *dash;
	long lo, hi;

	if (json_int(j, 0, 65535, &lo)) {
		*out = (struct port_range){ (uint16_t)lo, (uint16_t)lo };
		return true;
	}
	if (s && !strcmp(s, "all")) {
		*out = (struct port_range){ 0, 65535 };
		return true;
	}
	if (!s) {
		ERR(p, path, CODE_TYPE, "'ports' must be a string such as \"443\", \"1024-65535\" or \"all\", not %s",
		    json_type(j));
		return false;
	}
	dash = strchr(s, '-');
	if (!dash) {
		dash = s + strlen(s);
		hi = -1;
	}
	if (!parse_port_num(s, dash, &lo) || (*dash && !parse_port_num(dash + 1, dash + strlen(dash), &hi))) {
		ERR(p, path, CODE_PARAM,
		    "The ports '%s' are invalid: use \"N\", \"N-M\" or \"all\" with ports 0 to 65535", s);
		return false;
	}
	if (!*dash)
		hi = lo;
	if (lo > hi) {
		ERR(p, path, CODE_PARAM, "The port range '%s' is invalid: the first port must not exceed the last", s);
		return false;
	}
	*out = (struct port_range){ (uint16_t)lo, (uint16_t)hi };
	return true;
}

/* tcp, udp, icmp, all, or an IP protocol number 0..255 (number or numeric
 * string); -1 means all, as in the EC2 API. */
static bool parse_proto(struct parse *p, const cJSON *j, const char *path, int *out)
{
	static const struct { const char *s; int v; } names[] = {
		{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "all", PROTO_ALL }, { "-1", PROTO_ALL },
	};
	const char *s = cJSON_GetStringValue(j);
	long v;

	if (json_int(j, -1, 255, &v)) {
		*out = v < 0 ? PROTO_ALL : (int)v;
		return true;
	}
	for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].s)) {
			*out = names[i].v;
			return true;
		}
	}
	if (s && parse_port_num(s, s + strlen(s), &v) && v <= 255) {
		*out = (int)v;
		return true;
	}
	if (s)
		ERR(p, path, CODE_PARAM,
		    "The protocol '%s' is invalid: use tcp, udp, icmp, all or an IP protocol number 0 to 255", s);
	else if (cJSON_IsNumber(j))
		ERR(p, path, CODE_PARAM,
		    "The protocol %g is invalid: use tcp, udp, icmp, all or an IP protocol number 0 to 255",
		    j->valuedouble);
	else
		ERR(p, path, CODE_TYPE, "'proto' must be a string or a number, not %s", json_type(j));
	return false;
}

/* The match part shared by security group and NACL rules: proto, ports,
 * icmp_type, icmp_code. Ports are 0-65535 unless proto is tcp or udp. */
static void parse_match(struct parse *p, const cJSON *r, const char *path, int *proto,
			struct port_range *ports, int *icmp_type, int *icmp_code)
{
	static const char *const icmp_keys[] = { "icmp_type", "icmp_code" };
	const cJSON *m;
	char kp[PATH_LEN];
	int *icmp[] = { icmp_type, icmp_code };

	*proto = PROTO_ALL;
	*ports = (struct port_range){ 0, 65535 };
	*icmp_type = *icmp_code = ICMP_ANY;
	m = member(p, r, path, "proto", true);
	if (!m || !parse_proto(p, m, path_key(kp, path, "proto"), proto))
		return;
	m = member(p, r, path, "ports", false);
	path_key(kp, path, "ports");
	if (*proto == 6 || *proto == 17) {
		if (!m)
			ERR(p, kp, CODE_MISSING,
			    "The key 'ports' is required for tcp and udp: \"443\", \"1024-65535\" or \"all\"");
		else
			parse_ports(p, m, kp, ports);
	} else if (m && *proto == PROTO_ALL) {
		struct port_range ignored;

		parse_ports(p, m, kp, &ignored); /* AWS ignores ports for all */
	} else if (m) {
		ERR(p, kp, CODE_PARAM,
		    "'ports' applies only to tcp and udp; for icmp use icmp_type and icmp_code");
	}
	for (int i = 0; i < 2; i++) {
		if (!cJSON_GetObjectItemCaseSensitive(r, icmp_keys[i]))
			continue;
		if (*proto != 1) {
			ERR(p, path_key(kp, path, icmp_keys[i]), CODE_PARAM,
			    "'%s' applies only to proto icmp", icmp_keys[i]);
			continue;
		}
		get_int(p, r, path, icmp_keys[i], false, -1, 255, CODE_PARAM, icmp[i]);
	}
}

/* listen: [{proto tcp|udp, port 1..65535}] */
static void parse_listen(struct parse *p, const cJSON *obj, const char *path,
			 struct listen_port **out, int *n_out)
{
	static const char *const keys[] = { "proto", "port", NULL };
	const cJSON *arr, *e;
	char ap[PATH_LEN], ep[PATH_LEN], kp[PATH_LEN];
	int i = 0;

	if (get_array(p, obj, path, "listen", false, &arr) != 1)
		return;
	path_key(ap, path, "listen");
	*n_out = cJSON_GetArraySize(arr);
	*out = topo_calloc((size_t)*n_out, sizeof(**out));
	cJSON_ArrayForEach(e, arr) {
		struct listen_port *l = &(*out)[i];
		const char *proto = "tcp";
		int port;

		path_idx(ep, ap, i++);
		if (!as_object(p, e, ep, "listen entry", keys))
			continue;
		if (get_str(p, e, ep, "proto", false, &proto) >= 0) {
			if (!strcmp(proto, "tcp") || !strcmp(proto, "udp"))
				l->proto = proto[0] == 't' ? 6 : 17;
			else
				ERR(p, path_key(kp, ep, "proto"), CODE_PARAM,
				    "The listen protocol '%s' is invalid: use tcp or udp", proto);
		}
		if (get_int(p, e, ep, "port", true, 1, 65535, CODE_PARAM, &port) == 1)
			l->port = (uint16_t)port;
	}
}

/* ---- top level ---- */

static void parse_lambda(struct parse *p, const cJSON *j)
{
	static const char *const keys[] = { "eni_mode", "concurrency_limit", "service_cidr", NULL };
	struct topology *t = p->t;
	const char *mode;
	char cb[CIDR_STRLEN];

	if (!as_object(p, j, "lambda", "lambda section", keys))
		return;
	if (get_str(p, j, "lambda", "eni_mode", false, &mode) == 1) {
		if (!strcmp(mode, "per-sandbox"))
			t->eni_mode = ENI_MODE_PER_SANDBOX;
		else if (strcmp(mode, "hyperplane"))
			ERR(p, "lambda.eni_mode", CODE_PARAM,
			    "The ENI mode '%s' is invalid: use hyperplane or per-sandbox", mode);
	}
	get_int(p, j, "lambda", "concurrency_limit", false, 1, 1000000, CODE_LAMBDA,
		&t->concurrency_limit);
	if (!member(p, j, "lambda", "service_cidr", false))
		return;
	if (!get_cidr(p, j, "lambda", "service_cidr", false, true, &t->service_cidr)) {
		t->service_cidr = (struct cidr){ 0x64400000, 16 };
		return;
	}
	if (t->service_cidr.len < 16 || t->service_cidr.len > 28 ||
	    cidr_overlaps(t->service_cidr, (struct cidr){ 0xa9fe0000, 16 }))
		ERR(p, "lambda.service_cidr", CODE_PARAM,
		    "The service CIDR '%s' is invalid: use a /16 to /28 outside 169.254.0.0/16",
		    cidr_str(t->service_cidr, cb));
}

static void parse_hosts(struct parse *p, const cJSON *j)
{
	static const char *const keys[] = { "hosts", NULL };
	static const char *const host_keys[] = { "name", "ip", "listen", "dns_name", NULL };
	const cJSON *arr, *e;
	char ep[PATH_LEN];
	int i = 0;

	if (!as_object(p, j, "internet", "internet section", keys) ||
	    get_array(p, j, "internet", "hosts", false, &arr) != 1)
		return;
	p->t->n_hosts = cJSON_GetArraySize(arr);
	p->t->hosts = topo_calloc((size_t)p->t->n_hosts, sizeof(*p->t->hosts));
	cJSON_ArrayForEach(e, arr) {
		struct internet_host *h = &p->t->hosts[i];
		const char *ip;

		path_idx(ep, "internet.hosts", i++);
		if (!as_object(p, e, ep, "internet host", host_keys))
			continue;
		h->name = get_name(p, e, ep, "host");
		if (get_str(p, e, ep, "ip", true, &ip) == 1)
			h->ip = get_public_ip(p, ep, "ip", ip);
		parse_listen(p, e, ep, &h->listen, &h->n_listen);
		parse_dns_name(p, e, ep, h);
	}
}

static bool digits_only(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void parse_top(struct parse *p, const cJSON *root)
{
	struct topology *t = p->t;
	const char *s;

	if (get_str(p, root, "", "name", true, &s) == 1) {
		t->name = topo_strdup(s);
		/* It prefixes namespace and pin names: no '/', no "..". */
		if (!name_valid(s, TOPO_NAME_MAX_LEN))
			ERR(p, "name", CODE_PARAM,
			    "The topology name '%s' is invalid: use 1 to %d characters, a lowercase letter first, then lowercase letters, digits or '-' (it prefixes kernel object names)",
			    s, TOPO_NAME_MAX_LEN);
	}
	if (get_str(p, root, "", "account_id", false, &s) == 1) {
		free(t->account_id);
		t->account_id = topo_strdup(s);
		if (!digits_only(s, 12))
			ERR(p, "account_id", CODE_PARAM,
			    "The account id '%s' is invalid: it must be 12 digits", s);
	}
	if (get_str(p, root, "", "region", false, &s) == 1) {
		free(t->region);
		t->region = topo_strdup(s);
		if (!*s || strlen(s) > 32 || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(s))
			ERR(p, "region", CODE_PARAM,
			    "The region '%s' is invalid: use lowercase letters, digits and '-', such as us-east-1", s);
	}
	get_int(p, root, "", "conntrack_allowance", false, 1, DP_CT_ALLOWANCE_MAX, CODE_PARAM,
		&t->conntrack_allowance);
	if (member(p, root, "", "lambda", false))
		parse_lambda(p, member(p, root, "", "lambda", false));
	if (member(p, root, "", "internet", false))
		parse_hosts(p, member(p, root, "", "internet", false));
}

/* ---- VPC, pass 2: the VPC's own objects ---- */

static void parse_subnet(struct parse *p, const cJSON *j, const char *path,
			 const struct vpc *v, struct subnet *s)
{
	static const char *const keys[] = { "name", "cidr", "route_table", "network_acl", NULL };
	char kp[PATH_LEN], cb[CIDR_STRLEN], vb[CIDR_STRLEN];
	const char *ref;

	s->cidr.len = CIDR_BAD;
	s->route_table = s->nacl = -1;
	if (!as_object(p, j, path, "subnet", keys))
		return;
	s->name = get_name(p, j, path, "subnet");
	get_str(p, j, path, "route_table", false, &ref); /* resolved in pass 4 */
	get_str(p, j, path, "network_acl", false, &ref);
	if (!get_cidr(p, j, path, "cidr", true, true, &s->cidr))
		return;
	path_key(kp, path, "cidr");
	if (s->cidr.len < 16 || s->cidr.len > 28) {
		ERR(p, kp, "InvalidSubnet.Range",
		    "The CIDR '%s' is invalid: a subnet is a /16 to /28", cidr_str(s->cidr, cb));
		s->cidr.len = CIDR_BAD;
	} else if (cidr_valid(v->cidr) && !cidr_contains(v->cidr, s->cidr)) {
		ERR(p, kp, "InvalidSubnet.Range", "The CIDR '%s' is invalid (%s VPC %s %s)",
		    cidr_str(s->cidr, cb),
		    cidr_overlaps(v->cidr, s->cidr) ? "larger than" : "outside",
		    v->name ? v->name : "?", cidr_str(v->cidr, vb));
		s->cidr.len = CIDR_BAD;
	}
}

/* Checks the VPC CIDR against AWS's size limits and restricted ranges. */
static void check_vpc_cidr(struct parse *p, const char *path, struct vpc *v)
{
	static const struct cidr restricted[] = {
		{ 0x00000000, 8 }, { 0x7f000000, 8 }, { 0xa9fe0000, 16 }, { 0xe0000000, 3 },
	};
	char cb[CIDR_STRLEN], kp[PATH_LEN];

	path_key(kp, path, "cidr");
	if (v->cidr.len < 16 || v->cidr.len > 28) {
		ERR(p, kp, "InvalidVpc.Range",
		    "The CIDR '%s' is invalid: a VPC is a /16 to /28", cidr_str(v->cidr, cb));
		v->cidr.len = CIDR_BAD;
		return;
	}
	for (size_t i = 0; i < sizeof(restricted) / sizeof(restricted[0]); i++) {
		if (!cidr_overlaps(restricted[i], v->cidr))
			continue;
		ERR(p, kp, "InvalidVpc.Range",
		    "The CIDR '%s' is invalid: it is in a restricted range (0/8, 127/8, 169.254/16, multicast); use a private range such as 10.0.0.0/16",
		    cidr_str(v->cidr, cb));
		v->cidr.len = CIDR_BAD;
		return;
	}
}

/* Allocates an array for a file list plus room for one implicit element. */
static const cJSON *vpc_list(struct parse *p, const cJSON *j, const char *path,
			     const char *key, size_t size, void **out, int *n)
{
	const cJSON *arr = NULL;

	get_array(p, j, path, key, false, &arr);
	*n = arr ? cJSON_GetArraySize(arr) : 0;
	*out = topo_calloc((size_t)*n + 1, size);
	return arr;
}

static void parse_route_table_names(struct parse *p, const cJSON *j, const char *path,
				    struct vpc *v)
{
	static const char *const keys[] = { "name", "routes", NULL };
	const cJSON *arr, *e;
	char ap[PATH_LEN], ep[PATH_LEN];
	int i = 0;

	arr = vpc_list(p, j, path, "route_tables", sizeof(*v->route_tables),
		       (void **)&v->route_tables, &v->n_route_tables);
	path_key(ap, path, "route_tables");
	cJSON_ArrayForEach(e, arr) {
		path_idx(ep, ap, i);
		if (as_object(p, e, ep, "route table", keys))
			v->route_tables[i].name = get_name(p, e, ep, "route table");
		i++;
	}
	v->main_table = FIND(v->route_tables, v->n_route_tables, "main");
	if (v->main_table >= 0)
		return;
	/* The main table holds only the local route unless the file defines it. */
	v->main_table = v->n_route_tables++;
	v->route_tables[v->main_table].name = topo_strdup("main");
	v->route_tables[v->main_table].implicit_main = true;
}

static void parse_nat_names(struct parse *p, const cJSON *j, const char *path, struct vpc *v)
{
	static const char *const keys[] = { "name", "subnet", NULL };
	const cJSON *arr, *e;
	char ap[PATH_LEN], ep[PATH_LEN];
	int i = 0;

	arr = vpc_list(p, j, path, "nat_gateways", sizeof(*v->nat_gateways),
		       (void **)&v->nat_gateways, &v->n_nat_gateways);
	path_key(ap, path, "nat_gateways");
	cJSON_ArrayForEach(e, arr) {
		struct nat_gateway *n = &v->nat_gateways[i];
		const char *s;

		n->subnet = -1;
		path_idx(ep, ap, i++);
		if (!as_object(p, e, ep, "NAT gateway", keys))
			continue;
		n->name = get_name(p, e, ep, "NAT gateway");
		get_str(p, e, ep, "subnet", true, &s); /* resolved in pass 4 */
	}
}

static void parse_sg_names(struct parse *p, const cJSON *j, const char *path, struct vpc *v)
{
	static const char *const keys[] = { "name", "description", "ingress", "egress", NULL };
	const cJSON *arr, *e;
	char ap[PATH_LEN], ep[PATH_LEN], kp[PATH_LEN];
	int i = 0;

	arr = vpc_list(p, j, path, "security_groups", sizeof(*v->security_groups),
		       (void **)&v->security_groups, &v->n_security_groups);
	path_key(ap, path, "security_groups");
	cJSON_ArrayForEach(e, arr) {
		struct security_group *g = &v->security_groups[i];
		const char *s;

		path_idx(ep, ap, i++);
		if (!as_object(p, e, ep, "security group", keys))
			continue;
		g->name = get_name(p, e, ep, "security group");
		if (get_str(p, e, ep, "description", false, &s) != 1)
			continue;
		g->description = topo_strdup(s);
		if (strlen(s) > 255)
			ERR(p, path_key(kp, ep, "description"), CODE_PARAM,
			    "The description is too long: at most 255 characters");
	}
	v->default_sg = FIND(v->security_groups, v->n_security_groups, "default");
	if (v->default_sg >= 0)
		return;
	v->default_sg = v->n_security_groups++;
	v->security_groups[v->default_sg].name = topo_strdup("default");
	v->security_groups[v->default_sg].implicit = true;
}

static int nacl_rule_cmp(const void *a, const void *b)
{
	const struct nacl_rule *x = a, *y = b;

	return (x->number > y->number) - (x->number < y->number);
}

/* AWS's default NACL rule: 100, all protocols, 0.0.0.0/0, allow. */
static void nacl_allow_all(struct nacl_rule **rules, int *n)
{
	*rules = topo_calloc(1, sizeof(**rules));
	**rules = (struct nacl_rule){
		.number = 100, .proto = PROTO_ALL, .ports = { 0, 65535 },
		.icmp_type = ICMP_ANY, .icmp_code = ICMP_ANY,
		.cidr = { 0, 0 }, .allow = true,
	};
	*n = 1;
}

static void parse_nacl_rule(struct parse *p, const cJSON *e, const char *path,
			    struct nacl_rule *r)
{
	static const char *const keys[] = {
		"rule", "proto", "ports", "icmp_type", "icmp_code", "cidr", "action", NULL };
	const char *action;
	char kp[PATH_LEN];

	if (!as_object(p, e, path, "NACL rule", keys))
		return;
	get_int(p, e, path, "rule", true, 1, NACL_RULE_NUM_MAX, CODE_PARAM, &r->number);
	parse_match(p, e, path, &r->proto, &r->ports, &r->icmp_type, &r->icmp_code);
	get_cidr(p, e, path, "cidr", true, false, &r->cidr);
	if (get_str(p, e, path, "action", true, &action) != 1)
		return;
	if (!strcmp(action, "allow") || !strcmp(action, "deny")) {
		r->allow = action[0] == 'a';
		return;
	}
	ERR(p, path_key(kp, path, "action"), CODE_PARAM,
	    "The action '%s' is invalid: use allow or deny", action);
}

/* One direction of a NACL. Rule numbers are unique per direction; rules are
 * stored sorted, the order in which they are evaluated. */
/* Rule numbers are unique per direction (0: unreadable, skipped). */
static void nacl_duplicate_numbers(struct parse *p, const struct nacl_rule *rules, int n,
				   const char *ap, const char *key)
{
	uint64_t *nums = topo_calloc((size_t)n + 1, sizeof(*nums));
	bool *skip = topo_calloc((size_t)n + 1, sizeof(*skip));
	int *first = topo_calloc((size_t)n + 1, sizeof(*first));
	char ep[PATH_LEN], kp[PATH_LEN];

	for (int i = 0; i < n; i++) {
		nums[i] = (uint64_t)rules[i].number;
		skip[i] = !rules[i].number;
	}
	topo_first_equal_u64(nums, skip, n, first);
	for (int i = 0; i < n; i++)
		if (first[i] >= 0)
			ERR(p, path_key(kp, path_idx(ep, ap, i), "rule"), "NetworkAclEntryAlreadyExists",
			    "The %s rule number %d is already used by %s[%d]; rule numbers are unique per direction",
			    key, rules[i].number, ap, first[i]);
	free(nums);
	free(skip);
	free(first);
}

static void parse_nacl_rules(struct parse *p, const cJSON *j, const char *path,
			     const char *key, bool is_default,
			     struct nacl_rule **rules, int *n)
{
	const cJSON *arr, *e;
	char ap[PATH_LEN], ep[PATH_LEN];
	int i = 0;

	if (get_array(p, j, path, key, false, &arr) != 1) {
		/* AWS's default NACL keeps its rule unless the file replaces it. */
		if (is_default)
			nacl_allow_all(rules, n);
		return;
	}
	path_key(ap, path, key);
	*n = cJSON_GetArraySize(arr);
	*rules = topo_calloc((size_t)*n, sizeof(**rules));
	if (*n > NACL_RULES_MAX)
		ERR(p, ap, "NetworkAclEntryLimitExceeded",
		    "The NACL has %d %s rules; the limit is %d per direction", *n, key, NACL_RULES_MAX);
	cJSON_ArrayForEach(e, arr) {
		path_idx(ep, ap, i);
		parse_nacl_rule(p, e, ep, &(*rules)[i]);
		i++;
	}
	nacl_duplicate_numbers(p, *rules, *n, ap, key);
	qsort(*rules, (size_t)*n, sizeof(**rules), nacl_rule_cmp);
}

static void parse_nacls(struct parse *p, const cJSON *j, const char *path, struct vpc *v)
{
	static const char *const keys[] = { "name", "ingress", "egress", NULL };
	const cJSON *arr, *e;
	char ap[PATH_LEN], ep[PATH_LEN];
	int i = 0;

	arr = vpc_list(p, j, path, "network_acls", sizeof(*v->nacls), (void **)&v->nacls, &v->n_nacls);
	path_key(ap, path, "network_acls");
	cJSON_ArrayForEach(e, arr) {
		struct nacl *n = &v->nacls[i];
		bool is_default;

		path_idx(ep, ap, i++);
		if (!as_object(p, e, ep, "network ACL", keys))
			continue;
		n->name = get_name(p, e, ep, "network ACL");
		is_default = n->name && !strcmp(n->name, "default");
		parse_nacl_rules(p, e, ep, "ingress", is_default, &n->ingress, &n->n_ingress);
		parse_nacl_rules(p, e, ep, "egress", is_default, &n->egress, &n->n_egress);
	}
	v->default_nacl = FIND(v->nacls, v->n_nacls, "default");
	if (v->default_nacl >= 0)
		return;
	v->default_nacl = v->n_nacls++;
	v->nacls[v->default_nacl].name = topo_strdup("default");
	v->nacls[v->default_nacl].implicit = true;
	nacl_allow_all(&v->nacls[v->default_nacl].ingress, &v->nacls[v->default_nacl].n_ingress);
	nacl_allow_all(&v->nacls[v->default_nacl].egress, &v->nacls[v->default_nacl].n_egress);
}

/* Element parser for parse_list(): `out` is a struct vpc. */
static void parse_vpc(struct parse *p, const cJSON *j, const char *path, void *out)
{
	struct vpc *v = out;
	static const char *const keys[] = {
		"name", "cidr", "internet_gateway", "subnets", "route_tables",
		"nat_gateways", "security_groups", "network_acls",
		"enable_dns_support", "enable_dns_hostnames", "endpoints", NULL };
	const cJSON *arr, *e;
	char ap[PATH_LEN], ep[PATH_LEN];
	int i = 0;

	v->cidr.len = CIDR_BAD;
	if (!as_object(p, j, path, "VPC", keys))
		return;
	v->name = get_name(p, j, path, "VPC");
	if (get_cidr(p, j, path, "cidr", true, true, &v->cidr))
		check_vpc_cidr(p, path, v);
	get_bool(p, j, path, "internet_gateway", &v->internet_gateway);
	parse_vpc_dns(p, j, path, v);
	if (get_array(p, j, path, "subnets", false, &arr) == 1) {
		path_key(ap, path, "subnets");
		v->n_subnets = cJSON_GetArraySize(arr);
		v->subnets = topo_calloc((size_t)v->n_subnets, sizeof(*v->subnets));
		cJSON_ArrayForEach(e, arr) {
			path_idx(ep, ap, i);
			parse_subnet(p, e, ep, v, &v->subnets[i++]);
		}
	}
	parse_route_table_names(p, j, path, v);
	parse_nat_names(p, j, path, v);
	parse_sg_names(p, j, path, v);
	parse_nacls(p, j, path, v);
}

/* ---- pass 3: peerings ---- */

/* Element parser for parse_list(): `out` is a struct peering. */
static void parse_peering(struct parse *p, const cJSON *j, const char *path, void *out)
{
	struct peering *pr = out;
	static const char *const keys[] = { "name", "vpcs", NULL };
	const cJSON *arr, *e;
	char kp[PATH_LEN], ep[PATH_LEN];
	int i = 0;

	pr->vpc[0] = pr->vpc[1] = -1;
	if (!as_object(p, j, path, "peering", keys))
		return;
	pr->name = get_name(p, j, path, "peering");
	if (get_array(p, j, path, "vpcs", true, &arr) != 1)
		return;
	path_key(kp, path, "vpcs");
	if (cJSON_GetArraySize(arr) != 2) {
		ERR(p, kp, CODE_PARAM, "A peering connects exactly two VPCs, not %d",
		    cJSON_GetArraySize(arr));
		return;
	}
	cJSON_ArrayForEach(e, arr) {
		const char *name = cJSON_GetStringValue(e);

		path_idx(ep, kp, i);
		if (!name)
			ERR(p, ep, CODE_TYPE, "A VPC name must be a string, not %s", json_type(e));
		else if ((pr->vpc[i] = topology_find_vpc(p->t, name)) < 0)
			ERR(p, ep, "InvalidVpcID.NotFound", "The VPC '%s' does not exist", name);
		i++;
	}
	if (pr->vpc[0] >= 0 && pr->vpc[0] == pr->vpc[1]) {
		ERR(p, kp, CODE_PARAM, "A peering connects two different VPCs, not '%s' with itself",
		    p->t->vpcs[pr->vpc[0]].name);
		pr->vpc[1] = -1;
	}
}

/* ---- pass 4: references inside a VPC ---- */

static void parse_route(struct parse *p, const cJSON *e, const char *path, int vi,
			struct route *r)
{
	static const char *const keys[] = { "destination", "target", NULL };
	const struct vpc *v = &p->t->vpcs[vi];
	const char *target;
	char kp[PATH_LEN], cb[CIDR_STRLEN], vb[CIDR_STRLEN];

	r->dst.len = CIDR_BAD;
	r->target = -1;
	r->kind = RT_BLACKHOLE;
	if (!as_object(p, e, path, "route", keys))
		return;
	if (get_cidr(p, e, path, "destination", true, true, &r->dst) &&
	    cidr_valid(v->cidr) && cidr_contains(v->cidr, r->dst)) {
		ERR(p, path_key(kp, path, "destination"), CODE_PARAM,
		    "The route to '%s' is more specific than (or equal to) the local route %s of VPC %s; traffic inside the VPC always uses the local route",
		    cidr_str(r->dst, cb), cidr_str(v->cidr, vb), v->name);
		r->dst.len = CIDR_BAD;
	}
	if (get_str(p, e, path, "target", true, &target) != 1)
		return;
	path_key(kp, path, "target");
	if (!strcmp(target, "blackhole"))
		return;
	if (!strcmp(target, "igw")) {
		r->kind = RT_IGW;
		if (!v->internet_gateway)
			ERR(p, kp, "InvalidGatewayID.NotFound",
			    "VPC %s has no internet gateway; set \"internet_gateway\": true in it", v->name);
	} else if (!strncmp(target, "nat:", 4)) {
		r->kind = RT_NAT;
		r->target = FIND(v->nat_gateways, v->n_nat_gateways, target + 4);
		if (r->target < 0)
			ERR(p, kp, "InvalidNatGatewayID.NotFound",
			    "The NAT gateway '%s' does not exist in VPC %s", target + 4, v->name);
	} else if (!strncmp(target, "peering:", 8)) {
		r->kind = RT_PEERING;
		r->target = topo_find_peering(p->t, target + 8);
		if (r->target < 0) {
			ERR(p, kp, "InvalidVpcPeeringConnectionID.NotFound",
			    "The peering '%s' does not exist", target + 8);
		} else if (p->t->peerings[r->target].vpc[0] != vi &&
			   p->t->peerings[r->target].vpc[1] != vi) {
			ERR(p, kp, "InvalidVpcPeeringConnectionID.NotFound",
			    "The peering '%s' does not connect VPC %s", target + 8, v->name);
			r->target = -1;
		}
	} else {
		ERR(p, kp, CODE_PARAM,
		    "The route target '%s' is invalid: use igw, nat:NAME, peering:NAME or blackhole", target);
	}
}

/* One route per destination in a table. */
static void route_duplicates(struct parse *p, const struct route_table *rt, const char *ap)
{
	int n = rt->n_routes, *first = topo_calloc((size_t)n + 1, sizeof(*first));
	uint64_t *dst = topo_calloc((size_t)n + 1, sizeof(*dst));
	bool *skip = topo_calloc((size_t)n + 1, sizeof(*skip));
	char ep[PATH_LEN], kp[PATH_LEN], cb[CIDR_STRLEN];

	for (int i = 0; i < n; i++) {
		dst[i] = (uint64_t)rt->routes[i].dst.addr << 8 | rt->routes[i].dst.len;
		skip[i] = !cidr_valid(rt->routes[i].dst);
	}
	topo_first_equal_u64(dst, skip, n, first);
	for (int i = 0; i < n; i++)
		if (first[i] >= 0)
			ERR(p, path_key(kp, path_idx(ep, ap, i), "destination"), "RouteAlreadyExists",
			    "The route table %s already has a route to %s (%s[%d]); remove one",
			    rt->name, cidr_str(rt->routes[i].dst, cb), ap, first[i]);
	free(first);
	free(dst);
	free(skip);
}

static void parse_routes(struct parse *p, const cJSON *j, const char *path, int vi,
			 struct route_table *rt)
{
	const cJSON *arr, *e;
	char ap[PATH_LEN], ep[PATH_LEN];
	int i = 0;

	if (get_array(p, j, path, "routes", false, &arr) != 1)
		return;
	path_key(ap, path, "routes");
	rt->n_routes = cJSON_GetArraySize(arr);
	rt->routes = topo_calloc((size_t)rt->n_routes, sizeof(*rt->routes));
	cJSON_ArrayForEach(e, arr) {
		struct route *r = &rt->routes[i];

		path_idx(ep, ap, i);
		parse_route(p, e, ep, vi, r);
		i++;
	}
	route_duplicates(p, rt, ap);
}

static void resolve_subnet(struct parse *p, const cJSON *j, const char *path,
			   struct vpc *v, struct subnet *s)
{
	const char *rt = str_quiet(j, "route_table"), *acl = str_quiet(j, "network_acl");
	char kp[PATH_LEN];

	s->route_table = rt ? FIND(v->route_tables, v->n_route_tables, rt) : v->main_table;
	if (s->route_table < 0)
		ERR(p, path_key(kp, path, "route_table"), "InvalidRouteTableID.NotFound",
		    "The route table '%s' does not exist in VPC %s", rt, v->name);
	s->nacl = acl ? FIND(v->nacls, v->n_nacls, acl) : v->default_nacl;
	if (s->nacl < 0)
		ERR(p, path_key(kp, path, "network_acl"), "InvalidNetworkAclID.NotFound",
		    "The network ACL '%s' does not exist in VPC %s", acl, v->name);
	for (int k = 0; s->route_table >= 0 && k < v->route_tables[s->route_table].n_routes; k++)
		if (v->route_tables[s->route_table].routes[k].kind == RT_IGW)
			s->is_public = true;
}

/* sg: a group of this VPC, or VPC/GROUP of a peered VPC. */
static void resolve_sg_peer(struct parse *p, int vi, const char *ref, const char *path,
			    struct sg_rule *r)
{
	const struct topology *t = p->t;
	const char *slash = strchr(ref, '/');
	char vname[NAME_MAX_LEN + 2];

	r->peer_is_sg = true;
	r->peer_vpc = vi;
	if (slash) {
		/* A longer VPC part is no valid name: truncated, it still fails. */
		int n = slash - ref > NAME_MAX_LEN ? NAME_MAX_LEN + 1 : (int)(slash - ref);

		snprintf(vname, sizeof(vname), "%.*s", n, ref);
		r->peer_vpc = topology_find_vpc(t, vname);
		if (r->peer_vpc < 0) {
			ERR(p, path, "InvalidGroup.NotFound",
			    "The security group '%s' does not exist: there is no VPC '%s'", ref, vname);
			return;
		}
		if (r->peer_vpc != vi && !topo_peered(t, vi, r->peer_vpc)) {
			ERR(p, path, "InvalidGroup.NotFound",
			    "The security group '%s' cannot be referenced: VPC %s is not peered with %s; add a peering or use a cidr",
			    ref, vname, t->vpcs[vi].name);
			r->peer_vpc = -1;
			return;
		}
		ref = slash + 1;
	}
	r->peer_sg = vpc_find_sg(&t->vpcs[r->peer_vpc], ref);
	if (r->peer_sg < 0)
		ERR(p, path, "InvalidGroup.NotFound",
		    "The security group '%s' does not exist in VPC %s%s", ref,
		    t->vpcs[r->peer_vpc].name,
		    slash ? "" : " (a group of a peered VPC is written VPC/GROUP)");
}

static void parse_sg_rule(struct parse *p, const cJSON *e, const char *path, int vi,
			  struct sg_rule *r)
{
	static const char *const keys[] = {
		"proto", "ports", "icmp_type", "icmp_code", "cidr", "sg", "description", NULL };
	const char *s;
	bool has_cidr, has_sg;
	char kp[PATH_LEN];

	r->cidr.len = CIDR_BAD;
	r->peer_vpc = r->peer_sg = -1;
	if (!as_object(p, e, path, "security group rule", keys))
		return;
	parse_match(p, e, path, &r->proto, &r->ports, &r->icmp_type, &r->icmp_code);
	get_str(p, e, path, "description", false, &s);
	has_cidr = cJSON_GetObjectItemCaseSensitive(e, "cidr");
	has_sg = cJSON_GetObjectItemCaseSensitive(e, "sg");
	if (has_cidr == has_sg) {
		ERR(p, path, CODE_PARAM,
		    "A rule needs exactly one peer: 'cidr' (such as \"10.0.0.0/16\") or 'sg' (a group name)");
		return;
	}
	if (has_cidr) {
		get_cidr(p, e, path, "cidr", true, false, &r->cidr);
		return;
	}
	if (get_str(p, e, path, "sg", true, &s) == 1)
		resolve_sg_peer(p, vi, s, path_key(kp, path, "sg"), r);
}

static void sg_allow_all(struct sg_rule **rules, int *n, bool from_default, int vi, int sg)
{
	*rules = topo_calloc(1, sizeof(**rules));
	**rules = (struct sg_rule){
		.proto = PROTO_ALL, .ports = { 0, 65535 },
		.icmp_type = ICMP_ANY, .icmp_code = ICMP_ANY,
		.peer_is_sg = from_default, .cidr = { 0, 0 },
		.peer_vpc = from_default ? vi : -1, .peer_sg = from_default ? sg : -1,
	};
	*n = 1;
}

static void parse_sg_rules(struct parse *p, const cJSON *j, const char *path,
			   const char *key, int vi, struct sg_rule **rules, int *n)
{
	const cJSON *arr, *e;
	char ap[PATH_LEN], ep[PATH_LEN];
	int i = 0;

	if (get_array(p, j, path, key, false, &arr) != 1)
		return;
	path_key(ap, path, key);
	*n = cJSON_GetArraySize(arr);
	*rules = topo_calloc((size_t)*n, sizeof(**rules));
	if (*n > SG_RULES_MAX)
		ERR(p, ap, "RulesPerSecurityGroupLimitExceeded",
		    "The group has %d %s rules; the limit is %d per direction", *n, key, SG_RULES_MAX);
	cJSON_ArrayForEach(e, arr) {
		path_idx(ep, ap, i);
		parse_sg_rule(p, e, ep, vi, &(*rules)[i++]);
	}
}

/* Omitted lists get AWS's defaults: egress all to 0.0.0.0/0 for every group
 * (a new group), and for the group named default also ingress all from
 * itself. So a file-defined "default" changes only the lists it gives:
 * {"name": "default", "egress": []} is AWS's default group without egress. */
static void resolve_sg(struct parse *p, const cJSON *j, const char *path, int vi, int gi)
{
	struct security_group *g = &p->t->vpcs[vi].security_groups[gi];
	bool is_default = gi == p->t->vpcs[vi].default_sg;

	if (j) {
		parse_sg_rules(p, j, path, "ingress", vi, &g->ingress, &g->n_ingress);
		parse_sg_rules(p, j, path, "egress", vi, &g->egress, &g->n_egress);
	}
	if (is_default && !array_quiet(j, "ingress") && !g->ingress)
		sg_allow_all(&g->ingress, &g->n_ingress, true, vi, gi);
	if (!array_quiet(j, "egress") && !g->egress)
		sg_allow_all(&g->egress, &g->n_egress, false, vi, gi);
}

static void resolve_vpc(struct parse *p, const cJSON *j, const char *path, int vi)
{
	struct vpc *v = &p->t->vpcs[vi];
	const cJSON *arr, *e;
	char ap[PATH_LEN], ep[PATH_LEN], kp[PATH_LEN];
	int i;

	i = 0;
	path_key(ap, path, "route_tables");
	cJSON_ArrayForEach(e, array_quiet(j, "route_tables")) {
		path_idx(ep, ap, i);
		if (cJSON_IsObject(e))
			parse_routes(p, e, ep, vi, &v->route_tables[i]);
		i++;
	}
	i = 0;
	path_key(ap, path, "subnets");
	cJSON_ArrayForEach(e, array_quiet(j, "subnets")) {
		path_idx(ep, ap, i);
		if (cJSON_IsObject(e))
			resolve_subnet(p, e, ep, v, &v->subnets[i]);
		i++;
	}
	i = 0;
	path_key(ap, path, "nat_gateways");
	cJSON_ArrayForEach(e, array_quiet(j, "nat_gateways")) {
		const char *s = str_quiet(e, "subnet");

		path_idx(ep, ap, i);
		if (s && (v->nat_gateways[i].subnet = vpc_find_subnet(v, s)) < 0)
			ERR(p, path_key(kp, ep, "subnet"), "InvalidSubnetID.NotFound",
			    "The subnet '%s' does not exist in VPC %s", s, v->name);
		i++;
	}
	arr = array_quiet(j, "security_groups");
	e = arr ? arr->child : NULL; /* walked along: GetArrayItem(i) is O(i) */
	for (i = 0; i < v->n_security_groups; i++) {
		const cJSON *g = e;

		e = e ? e->next : NULL;
		path_idx(ep, path_key(ap, path, "security_groups"), i);
		if (!g || cJSON_IsObject(g))
			resolve_sg(p, g, ep, vi, i);
	}
	parse_vpc_endpoints(p, j, path, vi);
}

/* ---- pass 5: resources, functions, expectations ---- */

static bool find_subnet_any(const struct topology *t, const char *name, int *vi, int *si)
{
	for (int i = 0; i < t->n_vpcs; i++) {
		int s = vpc_find_subnet(&t->vpcs[i], name);

		if (s >= 0) {
			*vi = i;
			*si = s;
			return true;
		}
	}
	return false;
}

static bool int_in(const int *v, int n, int x)
{
	for (int i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* A list of group names of VPC vi, 1..ENI_SG_MAX of them, each once. An
 * empty list is reported as `empty_msg`; `code` is the AWS code of the
 * caller's API (EC2 or Lambda). */
void parse_sg_list(struct parse *p, const cJSON *arr, const char *path, int vi,
			  const char *code, const char *empty_msg, int sgs[ENI_SG_MAX], int *n)
{
	const cJSON *e;
	char ep[PATH_LEN];
	int i = 0, count = cJSON_GetArraySize(arr);

	if (count == 0)
		ERR(p, path, code, "%s", empty_msg);
	if (count > ENI_SG_MAX)
		ERR(p, path, "SecurityGroupsPerInterfaceLimitExceeded",
		    "%d security groups are listed; the limit is %d per network interface", count, ENI_SG_MAX);
	cJSON_ArrayForEach(e, arr) {
		const char *name = cJSON_GetStringValue(e);
		int g;

		path_idx(ep, path, i++);
		if (!name) {
			ERR(p, ep, CODE_TYPE, "A security group name must be a string, not %s", json_type(e));
			continue;
		}
		if (vi < 0)
			continue;
		g = vpc_find_sg(&p->t->vpcs[vi], name);
		if (g < 0)
			ERR(p, ep, "InvalidGroup.NotFound",
			    "The security group '%s' does not exist in VPC %s", name, p->t->vpcs[vi].name);
		else if (int_in(sgs, *n, g))
			ERR(p, ep, code, "The security group '%s' is listed twice", name);
		else if (*n < ENI_SG_MAX)
			sgs[(*n)++] = g;
	}
}

/* public_ip "auto" and publicly_accessible ask for an allocated address; a
 * fixed public_ip wins over publicly_accessible (public_ip_auto stays false). */
static void parse_resource_public(struct parse *p, const cJSON *j, const char *path,
				  struct resource *r)
{
	const char *s;
	char kp[PATH_LEN];

	if (get_str(p, j, path, "public_ip", false, &s) == 1) {
		if (!strcmp(s, "auto"))
			r->public_ip_auto = true;
		else
			r->public_ip = get_public_ip(p, path, "public_ip", s);
	}
	get_bool(p, j, path, "publicly_accessible", &r->publicly_accessible);
	if (r->publicly_accessible && !r->public_ip)
		r->public_ip_auto = true;
	if (r->kind == RES_RDS_PROXY && (r->publicly_accessible || member(p, j, path, "public_ip", false)))
		ERR(p, path_key(kp, path, r->publicly_accessible ? "publicly_accessible" : "public_ip"),
		    CODE_PARAM, "An rds-proxy is never publicly accessible; remove %s",
		    r->publicly_accessible ? "publicly_accessible" : "public_ip");
}

/* "user": who runs the command, a user name or a uid of this machine (the
 * one check here that reads the host: its user database). */
static void parse_resource_user(struct parse *p, const cJSON *j, const char *path,
				struct resource *r)
{
	char kp[PATH_LEN], *end;
	const char *s;
	long uid;

	if (get_str(p, j, path, "user", false, &s) != 1)
		return;
	path_key(kp, path, "user");
	r->user = topo_strdup(s);
	errno = 0;
	uid = strtol(s, &end, 10);
	if (!r->command)
		ERR(p, kp, CODE_PARAM, "A user is given but no command to run as '%s': add a "
		    "command or remove the user", s);
	else if (*s && !*end && (errno || uid < 0 || uid > 2147483646))
		ERR(p, kp, CODE_PARAM, "The uid %s is out of range 0..2147483646", s);
	else if ((!*s || *end) && !getpwnam(s))
		ERR(p, kp, CODE_PARAM, "The user '%s' does not exist on this machine: name a user "
		    "of its user database (getent passwd) or give a uid", s);
}

/* Element parser for parse_list(): `out` is a struct resource. */
/* "connection_tracking": {"tcp_established_timeout", "udp_stream_timeout",
 * "udp_timeout"}, AWS's ranges (InvalidParameterValue outside them). */
static void parse_conntrack(struct parse *p, const cJSON *j, const char *path,
			    struct conntrack_spec *c)
{
	static const char *const keys[] = {
		"tcp_established_timeout", "udp_stream_timeout", "udp_timeout", NULL };
	const cJSON *o = member(p, j, path, "connection_tracking", false);
	char kp[PATH_LEN];

	if (!o)
		return;
	path_key(kp, path, "connection_tracking");
	if (!as_object(p, o, kp, "connection_tracking specification", keys))
		return;
	get_int(p, o, kp, "tcp_established_timeout", false, DP_CT_TIMEOUT_TCP_MIN_S,
		(long)DP_CT_TIMEOUT_TCP_S, CODE_PARAM, &c->tcp_established_s);
	get_int(p, o, kp, "udp_stream_timeout", false, DP_CT_TIMEOUT_UDP_STREAM_MIN_S,
		(long)DP_CT_TIMEOUT_UDP_STREAM_S, CODE_PARAM, &c->udp_stream_s);
	get_int(p, o, kp, "udp_timeout", false, DP_CT_TIMEOUT_UDP_MIN_S,
		DP_CT_TIMEOUT_UDP_MAX_S, CODE_PARAM, &c->udp_s);
}

static void parse_resource(struct parse *p, const cJSON *j, const char *path, void *out)
{
	struct resource *r = out;
	static const char *const keys[] = {
		"name", "kind", "subnet", "security_groups", "ip", "public_ip",
		"publicly_accessible", "listen", "command", "user", "connection_tracking",
		"cni", /* topology_cni.c */
		/* topology_db.c */
		"engine", "port", "max_connections", "instance_class", "master_username",
		"master_password",
		"secret", "target", "max_connections_percent", "max_idle_connections_percent",
		"connection_borrow_timeout_s", "idle_client_timeout_s", "require_tls", "auth", "init_query", NULL };
	static const char *const kinds[] = { "generic", "ec2", "rds", "rds-proxy" };
	const cJSON *arr;
	const char *s;
	char kp[PATH_LEN];

	r->vpc = r->subnet = -1;
	if (!as_object(p, j, path, "resource", keys))
		return;
	r->name = get_name(p, j, path, "resource");
	if (get_str(p, j, path, "kind", false, &s) == 1) {
		int k = 0;

		while (k < 4 && strcmp(s, kinds[k]))
			k++;
		if (k == 4)
			ERR(p, path_key(kp, path, "kind"), CODE_PARAM,
			    "The kind '%s' is invalid: use generic, ec2, rds or rds-proxy", s);
		r->kind = k == 4 ? RES_GENERIC : (enum resource_kind)k;
	}
	if (get_str(p, j, path, "subnet", true, &s) == 1 && !find_subnet_any(p->t, s, &r->vpc, &r->subnet))
		ERR(p, path_key(kp, path, "subnet"), "InvalidSubnetID.NotFound",
		    "The subnet '%s' does not exist in any VPC", s);
	if (get_array(p, j, path, "security_groups", false, &arr) == 1)
		parse_sg_list(p, arr, path_key(kp, path, "security_groups"), r->vpc, CODE_PARAM,
			      "A resource needs at least one security group (omit the key for [\"default\"])",
			      r->sgs, &r->n_sgs);
	else if (r->vpc >= 0)
		r->sgs[r->n_sgs++] = p->t->vpcs[r->vpc].default_sg;
	if (get_str(p, j, path, "ip", false, &s) == 1) {
		path_key(kp, path, "ip");
		if (!ip4_parse(s, &r->ip))
			ERR(p, kp, CODE_PARAM, "The address '%s' is not a valid IPv4 address", s);
	}
	parse_resource_public(p, j, path, r);
	parse_conntrack(p, j, path, &r->conntrack);
	parse_listen(p, j, path, &r->listen, &r->n_listen);
	if (get_str(p, j, path, "command", false, &s) == 1)
		r->command = topo_strdup(s);
	parse_resource_user(p, j, path, r);
	parse_resource_db(p, j, path, r);
	parse_resource_cni(p, j, path, r);
}

/* Variables the Lambda runtime sets itself; AWS refuses them. */
static bool env_reserved(const char *key)
{
	static const char *const reserved[] = {
		"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
		"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
		"AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
		"AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
		"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT",
		"LAMBDA_RUNTIME_DIR", NULL };

	for (int i = 0; reserved[i]; i++)
		if (!strcmp(key, reserved[i]))
			return true;
	return false;
}

static bool env_key_valid(const char *k)
{
	if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z')))
		return false;
	return strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(k);
}

static void parse_environment(struct parse *p, const cJSON *j, const char *path, struct function *f)
{
	const cJSON *env = member(p, j, path, "environment", false), *e;
	char ep[PATH_LEN], kp[PATH_LEN];
	size_t bytes = 0;

	if (!env)
		return;
	path_key(ep, path, "environment");
	if (!cJSON_IsObject(env)) {
		ERR(p, ep, CODE_TYPE, "'environment' must be an object of strings, not %s", json_type(env));
		return;
	}
	check_duplicate_keys(p, env, ep, "the environment");
	f->env = topo_calloc((size_t)cJSON_GetArraySize(env), sizeof(*f->env));
	cJSON_ArrayForEach(e, env) {
		path_key(kp, ep, e->string);
		if (!cJSON_IsString(e)) {
			ERR(p, kp, CODE_LAMBDA, "The value of %s must be a string, not %s", e->string, json_type(e));
			continue;
		}
		if (!env_key_valid(e->string))
			ERR(p, kp, CODE_LAMBDA,
			    "The environment variable name '%s' is invalid: a letter first, then letters, digits or '_'", e->string);
		else if (env_reserved(e->string))
			ERR(p, kp, CODE_LAMBDA, "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", e->string);
		bytes += strlen(e->string) + strlen(e->valuestring);
		f->env[f->n_env].key = topo_strdup(e->string);
		f->env[f->n_env++].value = topo_strdup(e->valuestring);
	}
	if (bytes > FN_ENV_MAX_BYTES)
		ERR(p, ep, CODE_LAMBDA,
		    "The environment is %zu bytes (keys plus values); Lambda allows at most %d", bytes, FN_ENV_MAX_BYTES);
}

static void parse_vpc_config(struct parse *p, const cJSON *j, const char *path, struct function *f)
{
	static const char *const keys[] = { "subnets", "security_groups", NULL };
	static const char *coexist = "SubnetIds and SecurityIds must coexist or be both empty list";
	const cJSON *subnets = NULL, *sgs = NULL, *e;
	char kp[PATH_LEN], ep[PATH_LEN];
	int i = 0, ns, ng;

	if (!as_object(p, j, path, "vpc_config", keys))
		return;
	get_array(p, j, path, "subnets", false, &subnets);
	get_array(p, j, path, "security_groups", false, &sgs);
	ns = cJSON_GetArraySize(subnets);
	ng = cJSON_GetArraySize(sgs);
	if (ns == 0 && ng == 0)
		return; /* both empty: no VPC, as in the Lambda API */
	if (ns == 0 || ng == 0) {
		ERR(p, path, CODE_LAMBDA, "%s", coexist);
		return;
	}
	f->has_vpc = true;
	f->vpc = -1;
	path_key(kp, path, "subnets");
	if (ns > FN_SUBNETS_MAX)
		ERR(p, kp, CODE_LAMBDA, "%d subnets are listed; a function allows at most %d", ns, FN_SUBNETS_MAX);
	cJSON_ArrayForEach(e, subnets) {
		const char *name = cJSON_GetStringValue(e);
		int vi, si;

		path_idx(ep, kp, i++);
		if (!name) {
			ERR(p, ep, CODE_TYPE, "A subnet name must be a string, not %s", json_type(e));
		} else if (!find_subnet_any(p->t, name, &vi, &si)) {
			ERR(p, ep, "InvalidSubnetID.NotFound", "The subnet '%s' does not exist in any VPC", name);
		} else if (f->vpc >= 0 && vi != f->vpc) {
			ERR(p, ep, CODE_LAMBDA,
			    "The subnet '%s' is in VPC %s, but the function's first subnet is in VPC %s; all subnets must be in one VPC",
			    name, p->t->vpcs[vi].name, p->t->vpcs[f->vpc].name);
		} else if (int_in(f->subnets, f->n_subnets, si)) {
			ERR(p, ep, CODE_LAMBDA, "The subnet '%s' is listed twice", name);
		} else if (f->n_subnets < FN_SUBNETS_MAX) {
			f->vpc = vi;
			f->subnets[f->n_subnets++] = si;
		}
	}
	parse_sg_list(p, sgs, path_key(kp, path, "security_groups"), f->vpc, CODE_LAMBDA, coexist,
		      f->sgs, &f->n_sgs);
}

static bool level_in(const char *s, const char *const *levels)
{
	for (; *levels; levels++)
		if (!strcmp(s, *levels))
			return true;
	return false;
}

/* logging_config, as Lambda's LoggingConfig: log_format Text|JSON and, with
 * JSON only, application_log_level and system_log_level. */
static void parse_logging_config(struct parse *p, const cJSON *j, const char *path,
				 struct log_config *lc)
{
	static const char *const keys[] = { "log_format", "application_log_level",
					    "system_log_level", NULL };
	static const char *const app[] = { "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", NULL };
	static const char *const sys[] = { "DEBUG", "INFO", "WARN", NULL };
	const char *s;
	char kp[PATH_LEN];

	if (!as_object(p, j, path, "logging_config", keys))
		return;
	if (get_str(p, j, path, "log_format", false, &s) == 1) {
		if (!strcmp(s, "JSON"))
			lc->json = true;
		else if (strcmp(s, "Text"))
			ERR(p, path_key(kp, path, "log_format"), CODE_PARAM,
			    "The log format '%s' is invalid: use Text or JSON", s);
	}
	if (get_str(p, j, path, "application_log_level", false, &s) == 1) {
		if (!level_in(s, app))
			ERR(p, path_key(kp, path, "application_log_level"), CODE_PARAM,
			    "The level '%s' is invalid: use TRACE, DEBUG, INFO, WARN, ERROR or FATAL", s);
		else
			snprintf(lc->app_level, sizeof(lc->app_level), "%s", s);
	}
	if (get_str(p, j, path, "system_log_level", false, &s) == 1) {
		if (!level_in(s, sys))
			ERR(p, path_key(kp, path, "system_log_level"), CODE_PARAM,
			    "The level '%s' is invalid: use DEBUG, INFO or WARN", s);
		else
			snprintf(lc->sys_level, sizeof(lc->sys_level), "%s", s);
	}
	if (!lc->json && (lc->app_level[0] || lc->sys_level[0]))
		ERR(p, path, CODE_PARAM, "Log levels apply to JSON logs only (Lambda's "
		    "ApplicationLogLevel and SystemLogLevel need LogFormat JSON): set "
		    "\"log_format\": \"JSON\" or remove the levels");
	if (lc->json && !lc->app_level[0])
		snprintf(lc->app_level, sizeof(lc->app_level), "INFO");
	if (lc->json && !lc->sys_level[0])
		snprintf(lc->sys_level, sizeof(lc->sys_level), "INFO");
}

/* Element parser for parse_list(): `out` is a struct function. */
static void parse_function(struct parse *p, const cJSON *j, const char *path, void *out)
{
	struct function *f = out;
	static const char *const keys[] = {
		"name", "memory_mb", "timeout_s", "ephemeral_storage_mb", "environment",
		"handler", "reserved_concurrency", "vpc_config",
		"runtime", "code", "image", "image_config", "role", "logging_config", "layers",
		"events", "maximum_retry_attempts", "maximum_event_age_s", NULL };
	const cJSON *m;
	const char *s;

	f->memory_mb = 128;
	f->timeout_s = 3;
	f->ephemeral_storage_mb = 512;
	f->reserved_concurrency = -1;
	f->vpc = -1;
	if (!as_object(p, j, path, "function", keys))
		return;
	f->name = get_name(p, j, path, "function");
	get_int(p, j, path, "memory_mb", false, 128, 10240, CODE_LAMBDA, &f->memory_mb);
	get_int(p, j, path, "timeout_s", false, 1, 900, CODE_LAMBDA, &f->timeout_s);
	get_int(p, j, path, "ephemeral_storage_mb", false, 512, 10240, CODE_LAMBDA,
		&f->ephemeral_storage_mb);
	get_int(p, j, path, "reserved_concurrency", false, 0, p->t->concurrency_limit,
		CODE_LAMBDA, &f->reserved_concurrency);
	parse_environment(p, j, path, f);
	if (get_str(p, j, path, "handler", false, &s) == 1)
		f->handler = topo_strdup(s);
	function_code_parse(j, path, p->t->file, f->handler, &f->code, p->d);
	parse_function_role(p, j, path, f);
	parse_function_events(p, j, path, f);
	m = member(p, j, path, "vpc_config", false);
	if (m) {
		char kp[PATH_LEN];

		parse_vpc_config(p, m, path_key(kp, path, "vpc_config"), f);
	}
	m = member(p, j, path, "logging_config", false);
	if (m) {
		char kp[PATH_LEN];

		parse_logging_config(p, m, path_key(kp, path, "logging_config"), &f->log);
	}
}

/* Element parser for parse_list(): `out` is a struct expectation. */
static void parse_expect(struct parse *p, const cJSON *j, const char *path, void *out)
{
	struct expectation *x = out;
	static const char *const keys[] = { "from", "to", "port", "proto", "result", NULL };
	static const char *const results[] = { "open", "refused", "timeout" };
	const char *s;
	char kp[PATH_LEN];
	uint32_t ip;
	int k;

	x->proto = 6;
	if (!as_object(p, j, path, "expectation", keys))
		return;
	if (get_str(p, j, path, "from", true, &s) == 1) {
		x->from = topo_strdup(s);
		if (!topo_has_node(p->t, s))
			ERR(p, path_key(kp, path, "from"), "InvalidNode.NotFound",
			    "'%s' is not a function, resource or internet host", s);
	}
	if (get_str(p, j, path, "to", true, &s) == 1) {
		x->to = topo_strdup(s);
		if (!topo_has_node(p->t, s) && !ip4_parse(s, &ip) &&
		    !(!strcmp(s, HTTP_API_TARGET) && topo_has_http_api(p->t)))
			ERR(p, path_key(kp, path, "to"), "InvalidNode.NotFound",
			    "'%s' is neither a function, resource or internet host nor an IPv4 address%s",
			    s, topo_has_http_api(p->t) ? " nor http_api (the topology's HTTP API)" : "");
	}
	if (get_str(p, j, path, "proto", false, &s) == 1) {
		if (!strcmp(s, "udp"))
			x->proto = 17;
		else if (!strcmp(s, "icmp"))
			x->proto = 1;
		else if (strcmp(s, "tcp"))
			ERR(p, path_key(kp, path, "proto"), CODE_PARAM,
			    "The protocol '%s' is invalid: use tcp, udp or icmp", s);
	}
	if (x->proto == 1 && member(p, j, path, "port", false))
		ERR(p, path_key(kp, path, "port"), CODE_PARAM, "An icmp expectation has no port; remove it");
	else if (x->proto != 1)
		get_int(p, j, path, "port", true, 1, 65535, CODE_PARAM, &x->port);
	if (get_str(p, j, path, "result", true, &s) != 1)
		return;
	for (k = 0; k < 3 && strcmp(s, results[k]); k++)
		;
	if (k == 3)
		ERR(p, path_key(kp, path, "result"), CODE_PARAM,
		    "The result '%s' is invalid: use open, refused or timeout", s);
	else
		x->result = (enum probe_result)k;
}

/* ---- driver ---- */

static void topology_defaults(struct topology *t, const char *file)
{
	t->file = topo_strdup(file ? file : "-");
	t->account_id = topo_strdup("123456789012");
	t->region = topo_strdup("us-east-1");
	t->eni_mode = ENI_MODE_HYPERPLANE;
	t->concurrency_limit = 1000;
	t->service_cidr = (struct cidr){ 0x64400000, 16 }; /* 100.64.0.0/16 */
}

struct topology *topology_parse(const char *file, const char *text, size_t len,
				struct diags *d)
{
	static const char *const keys[] = {
		"name", "account_id", "region", "conntrack_allowance", "lambda", "internet",
		"vpcs", "peerings", "resources", "functions", "expect", "secrets", "aws",
		"cloudfront", NULL };
	struct parse p = { .t = topo_calloc(1, sizeof(*p.t)), .d = d };
	const cJSON *vpcs, *e;
	cJSON *root = NULL;
	char ep[PATH_LEN];
	int errors = d->n_errors, i;

	topology_defaults(p.t, file);
	root = json_parse(&p, text, len);
	if (!root)
		goto out;
	if (!cJSON_IsObject(root)) {
		ERR(&p, "$", CODE_TYPE, "A topology must be a JSON object, not %s", json_type(root));
		goto out;
	}
	check_keys(&p, root, "", "topology", keys);
	parse_top(&p, root);
	LIST(&p, root, "vpcs", p.t->vpcs, p.t->n_vpcs, parse_vpc);
	LIST(&p, root, "peerings", p.t->peerings, p.t->n_peerings, parse_peering);
	vpcs = array_quiet(root, "vpcs");
	i = 0;
	cJSON_ArrayForEach(e, vpcs) {
		if (cJSON_IsObject(e))
			resolve_vpc(&p, e, path_idx(ep, "vpcs", i), i);
		i++;
	}
	LIST(&p, root, "secrets", p.t->secrets, p.t->n_secrets, parse_secret);
	LIST(&p, root, "resources", p.t->resources, p.t->n_resources, parse_resource);
	resolve_proxy_targets(&p, root);
	LIST(&p, root, "functions", p.t->functions, p.t->n_functions, parse_function);
	LIST(&p, root, "expect", p.t->expects, p.t->n_expects, parse_expect);
	if (member(&p, root, "", "aws", false))
		parse_aws(&p, member(&p, root, "", "aws", false));
	check_endpoint_services(&p);
	check_http_api(&p);
	check_proxy_auth(&p);
	topology_check(p.t, d);
	check_aws_zone(p.t, d);
	check_function_events(p.t, d);
	parse_cloudfront(&p, root);
out:
	cJSON_Delete(root);
	if (d->n_errors == errors)
		return p.t;
	topology_free(p.t);
	return NULL;
}

int topology_parse_sg_rule(const struct topology *t, int vpc, const char *text,
			   size_t len, struct sg_rule *out, struct diags *d)
{
	struct parse p = { .t = (struct topology *)t, .d = d };
	int errors = d->n_errors;
	cJSON *root;

	memset(out, 0, sizeof(*out));
	out->cidr.len = CIDR_BAD;
	out->peer_vpc = out->peer_sg = -1;
	root = json_parse(&p, text, len);
	if (!root)
		return -1;
	/* Only reads p.t: group names resolve against the loaded model. */
	parse_sg_rule(&p, root, "$", vpc, out);
	cJSON_Delete(root);
	return d->n_errors == errors ? 0 : -1;
}

struct topology *topology_load(const char *file, struct diags *d)
{
	struct topology *t;
	size_t len;
	char *text = file_read(file, &len);

	if (!text) {
		topo_error(d, "", "FileNotReadable", "cannot read: %s", strerror(errno));
		return NULL;
	}
	t = topology_parse(file, text, len, d);
	free(text);
	return t;
}
