/* The CNI commands against a topology that is up, under the topology lock:
 * the container becomes a resource of the saved topology (topology_cni.c)
 * and an ENI of its subnet (kernel/eni.c, the VPC's data plane), so
 * status, flows, reach, graph, probe and exec see it and `down` removes
 * it. The saved file changes last, by a rename, once the kernel side is
 * done; a failure before undoes the kernel side (as `vpcsim sg` does). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni/cni.h"
#include "kernel/eni.h"
#include "kernel/netns.h"
#include "kernel/rtnl.h"
#include "lambda/env.h"
#include "model/dns.h"
#include "model/names.h"
#include "state/dns_steps.h"
#include "state/state.h"
#include "state/vpc_dataplane.h"
#include "util/cidr.h"
#include "util/err.h"
#include "util/fs.h"

/* The live topology of c->topology, locked. 1: not up (nothing opened). */
static int live_of(const struct cni_call *c, struct live *lv)
{
	if (state_lock() < 0)
		return cni_fail(CNI_ERR_IO, "taking vpcsim's lock: %s", err_msg());
	if (!state_is_up(c->topology))
		return 1;
	if (live_open(c->topology, lv) < 0)
		return cni_fail(CNI_ERR_IO, "%s", err_msg());
	return 0;
}

static bool is_container(const struct layout *L, int node)
{
	return node >= 0 && L->nodes[node].kind == NODE_RESOURCE &&
	       L->t->resources[L->nodes[node].index].cni;
}

/* The layout node of resource r, or -1. */
static int node_of(const struct layout *L, int r)
{
	for (int n = 0; n < L->n_nodes; n++)
		if (L->nodes[n].kind == NODE_RESOURCE && L->nodes[n].index == r)
			return n;
	return -1;
}

static bool ip_used(const struct live *lv, const struct env_set *s, int vpc, uint32_t ip)
{
	for (int i = 0; i < lv->L.n_atts; i++)
		if (lv->L.atts[i].vpc == vpc && lv->L.atts[i].ip == ip)
			return true;
	for (int i = 0; i < s->n; i++)
		if (s->e[i].vpc == vpc && s->e[i].ip == ip)
			return true;
	return false;
}

/* The configuration's "ip", or the lowest free address of the subnet. */
static int pick_ip(const struct cni_call *c, const struct live *lv, const struct env_set *s,
		   int v, int sn, uint32_t *out)
{
	struct cidr cidr = lv->t->vpcs[v].subnets[sn].cidr;
	uint32_t first = cidr.addr + 4, last = cidr_last(cidr) - 1, ip;

	if (c->ip[0]) {
		if (!ip4_parse(c->ip, &ip))
			return cni_fail(CNI_ERR_CONFIG, "\"ip\" '%s' is not an IPv4 address", c->ip);
		if (ip < first || ip > last)
			return cni_fail(CNI_ERR_CONFIG, "\"ip\" %s is not an address subnet %s hands "
					"out (its first four and last are reserved)", c->ip, c->subnet);
		if (ip_used(lv, s, v, ip))
			return cni_fail(CNI_ERR_NO_ADDRESS, "\"ip\" %s is in use in subnet %s; omit "
					"\"ip\" for the lowest free address", c->ip, c->subnet);
		*out = ip;
		return 0;
	}
	for (ip = first; ip <= last; ip++)
		if (!ip_used(lv, s, v, ip)) {
			*out = ip;
			return 0;
		}
	return cni_fail(CNI_ERR_NO_ADDRESS, "subnet %s has no free address left for container %s",
			c->subnet, c->container_id);
}

/* The router end e<k>: above the attachments `up` made, used by no
 * container, environment or lingering link. */
static int pick_link(const struct live *lv, const struct env_set *s, int router,
		     struct netns *rns, int *out)
{
	const struct layout *L = &lv->L;
	int first = 0;

	for (int i = 0; i < L->n_atts; i++)
		if (L->atts[i].router == router && !is_container(L, L->atts[i].node) &&
		    L->atts[i].ifindex - IFINDEX_ATT_BASE >= first)
			first = L->atts[i].ifindex - IFINDEX_ATT_BASE + 1;
	for (int k = first; k <= CNI_LINK_MAX; k++) {
		bool used = false;

		for (int i = 0; !used && i < L->n_atts; i++)
			used = L->atts[i].router == router && L->atts[i].ifindex == IFINDEX_ATT_BASE + k;
		for (int i = 0; !used && i < s->n; i++)
			used = s->e[i].k == k && !strcmp(s->e[i].router, L->routers[router].netns);
		if (!used && rt_link_exists(rns, IFINDEX_ATT_BASE + k) == 0) {
			*out = k;
			return 0;
		}
	}
	return cni_fail(CNI_ERR_NO_ADDRESS, "no free link number left on %s",
			L->routers[router].netns);
}

static bool name_taken(const struct layout *L, const char *name)
{
	return layout_find_node(L, name) >= 0 || layout_find_function(L, name) >= 0;
}

/* K8S_POD_NAME as a node name (lowercased, other characters '-'), else
 * "ctr-" and the container id's first 12 characters. */
static int pick_name(const struct cni_call *c, const struct layout *L, char out[NAME_MAX_LEN + 1])
{
	const char *src[2] = { c->pod_name, c->container_id };

	for (int k = 0; k < 2; k++) {
		size_t n = 0;

		if (k == 1)
			n = (size_t)snprintf(out, NAME_MAX_LEN + 1, "ctr-");
		for (const char *p = src[k]; *p && n < (k ? 16u : NAME_MAX_LEN); p++)
			out[n++] = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '-';
		out[n] = 0;
		if (ns_component_ok(out, NAME_MAX_LEN) && !name_taken(L, out))
			return 0;
	}
	return cni_fail(CNI_ERR_EXISTS, "the name %s is taken in topology %s (a resource, host or "
			"function)", out, L->t->name);
}

static int find_subnet(const struct cni_call *c, const struct topology *t, int *v, int *s)
{
	for (*v = 0; *v < t->n_vpcs; (*v)++)
		if ((*s = vpc_find_subnet(&t->vpcs[*v], c->subnet)) >= 0)
			return 0;
	return cni_fail(CNI_ERR_CONFIG, "\"subnet\" '%s' is no subnet of topology %s "
			"(`vpcsim status %s` lists them)", c->subnet, t->name, t->name);
}

static bool vpcsim_made(const char *name)
{
	return ns_owned_by(name, NULL) && !ns_is_container(name);
}

/* The container's namespace, opened safely, and not one of vpcsim's. */
static int open_container_ns(const struct cni_call *c, int *fd)
{
	char bound[NETNS_NAME_MAX];

	if (netns_open_foreign(c->netns, fd) < 0)
		return cni_fail(CNI_ERR_NETNS, "CNI_NETNS: %s", err_msg());
	if (netns_name_of_fd(*fd, vpcsim_made, bound) == 1) {
		close(*fd);
		return cni_fail(CNI_ERR_NETNS, "CNI_NETNS %.200s is vpcsim's own namespace %s, not "
				"a container's", c->netns, bound);
	}
	return 0;
}

/* The saved topology text with `spec` added (or `remove` taken out),
 * written beside it as TMP and opened as *nlv. */
static int edited_live(const struct live *lv, const struct container_spec *spec,
		       const char *remove, const char *tmp, struct live *nlv)
{
	char path[STATE_PATH_MAX + 32], *text, *edited;
	struct diags d = { 0 };
	size_t len;
	int err;

	snprintf(path, sizeof(path), "%s/topology.json", lv->dir);
	text = file_read(path, &len);
	edited = text ? topology_cni_edit(text, len, spec, remove) : NULL;
	free(text);
	if (!edited)
		return cni_fail(CNI_ERR_IO, "%s", err_msg());
	err = file_write_private(tmp, edited, strlen(edited), 0);
	free(edited);
	if (err < 0)
		return cni_fail(CNI_ERR_IO, "%s", err_msg());
	*nlv = *lv;
	nlv->t = topology_open(tmp, &nlv->L, &d);
	if (!nlv->t) {
		cni_fail(CNI_ERR_CONFIG, "the network configuration does not fit topology %s: %s: "
			 "%s: %s", lv->name, d.n ? d.items[0].path : "", d.n ? d.items[0].code : "?",
			 d.n ? d.items[0].message : "?");
		diags_free(&d);
		unlink(tmp);
		return -1;
	}
	diags_free(&d);
	return 0;
}

static int commit(const struct live *lv, const char *tmp)
{
	char path[STATE_PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/topology.json", lv->dir);
	if (rename(tmp, path) < 0)
		return cni_fail(CNI_ERR_IO, "replacing %s: %s", path, strerror(errno));
	return 0;
}

static void tmp_path(const struct live *lv, char out[STATE_PATH_MAX + 32])
{
	snprintf(out, STATE_PATH_MAX + 32, "%s/topology.json.cni-tmp", lv->dir);
}

/* The ENI's entry, programs and group memberships in its VPC's maps. */
static int eni_install(const struct layout *L, struct netns *router, int att)
{
	const struct attachment *a = &L->atts[att];
	struct dataplane *dp = NULL;
	struct policy pol;
	struct dp_eni eni;
	int err;

	err = vpc_dp_compile(L, a->vpc, &pol);
	if (!err)
		err = vpc_dp_open(L, a->vpc, &dp);
	if (!err) {
		vpc_dp_eni(L, &pol, att, &eni);
		err = vpc_dp_members_add(L, a);
	}
	if (!err)
		err = eni_dataplane_attach(router, dp, a->ifindex, &eni);
	dp_close(dp);
	policy_free(&pol);
	return err;
}

/* Undo of attach: the ENI's maps, the veth, our name of the namespace. */
static int detach_node(const struct layout *L, int node)
{
	const struct attachment *a = &L->atts[L->nodes[node].att];
	int err;

	vpc_dp_eni_leave(L, a);
	err_clear();
	err = container_detach(L->routers[a->router].netns, L->nodes[node].netns, a->ip,
			       a->ifindex);
	return err < 0 ? cni_fail(CNI_ERR_IO, "%s", err_msg()) : 0;
}

/* The kernel side of ADD for node `node` of the new layout. */
static int attach_node(const struct live *nlv, int node, int fd, const char *ifname,
		       struct cni_added *out)
{
	const struct layout *L = &nlv->L;
	const struct attachment *a = &L->atts[L->nodes[node].att];
	struct netns *ctr = NULL, *router = NULL;
	struct container_end end = { 0 };
	char alias[128];
	int err;

	snprintf(alias, sizeof(alias), "vpcsim:%s:%s", nlv->name, a->eni_id);
	err = netns_attach_fd(L->nodes[node].netns, fd, &ctr);
	if (!err)
		err = netns_open(L->routers[a->router].netns, &router);
	if (!err)
		err = attach_container(router, ctr, a, alias, ifname, &end);
	if (!err)
		err = eni_install(L, router, L->nodes[node].att);
	netns_close(router);
	netns_close(ctr);
	if (err < 0) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", err_msg());
		detach_node(L, node);
		return cni_fail(CNI_ERR_IO, "attaching container %s: %s", L->nodes[node].name, msg);
	}
	memcpy(out->mac, end.mac, 6);
	out->ip = a->ip;
	out->gateway = a->gateway;
	out->prefix = a->prefix;
	out->mtu = a->mtu;
	out->dns = dns_view_resolver(L, dns_view_of_vpc(L, a->vpc));
	return 0;
}

/* The VPC resolvers' records of lv's nodes, a container included (after
 * ADD) or gone (after DEL): the file of `up` (DNS_FILE_NODES) written anew
 * in every view, which the resolver re-reads at the rename. The kernel
 * side is done by then: a failure here is reported on stderr only. */
static void publish_names(const struct live *lv)
{
	int fd = dns_lock(lv->dir);

	for (int v = 0; fd >= 0 && v < dns_n_views(&lv->L); v++) {
		char *text;

		if (!dns_view_serves(&lv->L, v))
			continue;
		text = dns_records_render(&lv->L, v);
		if (!text || dns_view_file_write(&lv->L, v, lv->dir, DNS_FILE_NODES, text) < 0)
			fprintf(stderr, "vpcsim-cni: the resolver's records of %s: %s\n", lv->name,
				text ? err_msg() : "out of memory");
		free(text);
	}
	if (fd < 0)
		fprintf(stderr, "vpcsim-cni: %s\n", err_msg());
	else
		close(fd);
}

/* ADD's choices on the live topology: subnet, groups, address, link,
 * name; then the edited topology opened as *nlv. */
static int add_plan(const struct cni_call *c, const struct live *lv, const char *tmp,
		    struct live *nlv)
{
	char name[NAME_MAX_LEN + 1], ipbuf[16];
	const char *sgs[CNI_SG_MAX];
	struct netns *rns = NULL;
	struct env_set s;
	int v = -1, sn = -1, link = 0, err;
	uint32_t ip = 0;

	if (find_subnet(c, lv->t, &v, &sn) < 0)
		return -1;
	if (env_list(lv, &s) < 0)
		return cni_fail(CNI_ERR_IO, "%s", err_msg());
	err = pick_ip(c, lv, &s, v, sn, &ip);
	if (!err && netns_open(lv->L.routers[lv->L.vpc_router[v]].netns, &rns) < 0)
		err = cni_fail(CNI_ERR_IO, "%s", err_msg());
	if (!err)
		err = pick_link(lv, &s, lv->L.vpc_router[v], rns, &link);
	netns_close(rns);
	env_set_free(&s);
	if (!err)
		err = pick_name(c, &lv->L, name);
	if (err < 0)
		return -1;
	for (int i = 0; i < c->n_sgs; i++)
		sgs[i] = c->sgs[i];
	struct container_spec spec = {
		.name = name, .subnet = c->subnet, .ip = ip4_str(ip, ipbuf), .sgs = sgs,
		.n_sgs = c->n_sgs, .container_id = c->container_id, .ifname = c->ifname,
		.network = c->network, .link = link,
	};
	return edited_live(lv, &spec, NULL, tmp, nlv);
}

int cni_add(const struct cni_call *c, struct cni_added *out)
{
	char tmp[STATE_PATH_MAX + 32];
	struct live lv, nlv = { 0 };
	int fd = -1, node, err;

	err = live_of(c, &lv);
	if (err)
		return err < 0 ? -1 : cni_fail(CNI_ERR_NOT_UP, "topology %s is not up: `vpcsim up` "
					       "it before containers join it", c->topology);
	if (topology_find_container(lv.t, c->container_id, c->ifname) >= 0)
		err = cni_fail(CNI_ERR_EXISTS, "container %.64s already has interface %s in topology "
			       "%s (ADD twice; DEL it first)", c->container_id, c->ifname, lv.name);
	if (!err)
		err = open_container_ns(c, &fd);
	tmp_path(&lv, tmp);
	if (!err)
		err = add_plan(c, &lv, tmp, &nlv);
	if (!err) {
		node = node_of(&nlv.L, topology_find_container(nlv.t, c->container_id, c->ifname));
		err = attach_node(&nlv, node, fd, c->ifname, out);
		if (!err && (err = commit(&lv, tmp)) < 0)
			detach_node(&nlv.L, node);
		if (!err)
			publish_names(&nlv);
		if (err < 0)
			unlink(tmp);
	}
	snprintf(out->ifname, sizeof(out->ifname), "%s", c->ifname);
	snprintf(out->sandbox, sizeof(out->sandbox), "%s", c->netns);
	if (fd >= 0)
		close(fd);
	live_close(&nlv);
	live_close(&lv);
	return err;
}

/* Remove container resource r of lv: the kernel side, then the file. */
static int remove_container(struct live *lv, int r)
{
	char tmp[STATE_PATH_MAX + 32];
	struct live nlv = { 0 };
	int node = node_of(&lv->L, r), err;

	tmp_path(lv, tmp);
	err = edited_live(lv, NULL, lv->t->resources[r].name, tmp, &nlv);
	if (!err && node >= 0)
		err = detach_node(&lv->L, node);
	if (!err)
		err = commit(lv, tmp);
	else
		unlink(tmp);
	if (!err)
		publish_names(&nlv);
	live_close(&nlv);
	return err;
}

/* DEL is idempotent: a topology that is down, or a container it does not
 * have, is success (CNI SPEC.md). */
int cni_del(const struct cni_call *c)
{
	struct live lv;
	int r, err = live_of(c, &lv);

	if (err)
		return err < 0 ? -1 : 0;
	r = topology_find_container(lv.t, c->container_id, c->ifname);
	if (r >= 0)
		err = remove_container(&lv, r);
	live_close(&lv);
	return err;
}

static bool still_valid(const struct cni_call *c, const struct resource_cni *k)
{
	for (int i = 0; i < c->n_valid; i++)
		if (!strcmp(c->valid[i][0], k->container_id) && !strcmp(c->valid[i][1], k->ifname))
			return true;
	return false;
}

/* GC: every container of this network that the runtime no longer lists. */
int cni_gc(const struct cni_call *c)
{
	struct live lv;
	int err = live_of(c, &lv);

	if (err)
		return err < 0 ? -1 : 0;
	for (int r = 0; !err && r < lv.t->n_resources; r++) {
		const struct resource_cni *k = lv.t->resources[r].cni;

		if (!k || strcmp(k->network, c->network) || still_valid(c, k))
			continue;
		err = remove_container(&lv, r);
		live_close(&lv);
		if (!err && live_open(c->topology, &lv) < 0)
			return cni_fail(CNI_ERR_IO, "%s", err_msg());
		r = -1; /* the list changed: start again */
	}
	live_close(&lv);
	return err;
}

/* CHECK: the container's namespace is the one ADD attached, its interface
 * is there, and its ENI has its entry in the VPC's data plane. */
static int check_node(const struct cni_call *c, const struct live *lv, int node)
{
	const struct attachment *a = &lv->L.atts[lv->L.nodes[node].att];
	struct dataplane *dp = NULL;
	struct netns *ns = NULL;
	struct dp_eni eni;
	uint8_t mac[6];
	bool same;
	int fd, err;

	if (open_container_ns(c, &fd) < 0)
		return -1;
	same = netns_is(fd, lv->L.nodes[node].netns);
	close(fd);
	if (!same)
		return cni_fail(CNI_ERR_CHECK, "CNI_NETNS %.200s is not the namespace ADD attached "
				"(%s)", c->netns, lv->L.nodes[node].netns);
	err = netns_open(lv->L.nodes[node].netns, &ns);
	if (!err && (err = rt_link_by_name(ns, c->ifname, mac)) == 0)
		err = cni_fail(CNI_ERR_CHECK, "interface %s is gone from the container", c->ifname);
	netns_close(ns);
	if (err < 0)
		return err == -1 ? -1 : cni_fail(CNI_ERR_IO, "%s", err_msg());
	if (vpc_dp_open(&lv->L, a->vpc, &dp) < 0)
		return cni_fail(CNI_ERR_IO, "%s", err_msg());
	err = dp_eni_get(dp, (uint32_t)a->ifindex, &eni);
	dp_close(dp);
	if (err < 0)
		return cni_fail(CNI_ERR_CHECK, "ENI %s has no entry in its VPC's data plane",
				a->eni_id);
	return 0;
}

int cni_check(const struct cni_call *c)
{
	struct live lv;
	int r, err = live_of(c, &lv);

	if (err)
		return err < 0 ? -1 : cni_fail(CNI_ERR_NOT_UP, "topology %s is not up", c->topology);
	r = topology_find_container(lv.t, c->container_id, c->ifname);
	if (r < 0)
		err = cni_fail(CNI_ERR_CONTAINER, "container %.64s has no interface %s in topology %s",
			       c->container_id, c->ifname, lv.name);
	else
		err = check_node(c, &lv, node_of(&lv.L, r));
	live_close(&lv);
	return err;
}

int cni_status(const struct cni_call *c)
{
	if (!state_is_up(c->topology))
		return cni_fail(CNI_ERR_UNAVAILABLE, "topology %s is not up: `vpcsim up` it first",
				c->topology);
	return 0;
}
