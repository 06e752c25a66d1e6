/* The executor: runs a plan's steps against the kernel with a journal. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/paths.h"
#include "model/dns.h"
#include "model/hosts.h"
#include "model/names.h"
#include "kernel/nat.h"
#include "state/apply.h"
#include "kernel/eni.h"
#include "kernel/rtnl.h"
#include "kernel/proc.h"
#include "kernel/responder.h"
#include "state/dns_steps.h"
#include "state/engine_steps.h"
#include "state/sweep.h"
#include "kernel/tc.h"
#include "state/vpc_dataplane.h"

struct maker;

struct exec {
	const struct layout *L;
	const struct plan *P;
	const struct apply_opts *o;
	struct journal *J;
	struct netns **ns;         /* plan namespace index -> open handle */
	struct maker *maker;       /* makes node namespaces ahead (see below) */
	struct dataplane **dp;     /* per VPC, once loaded */
	struct policy *pol;        /* per VPC, compiled with its data plane */
	struct loader *loader;     /* loads the data planes in the background */
	struct hosts_cache hosts;
	char **hosts_link;         /* per view (VPC + 1): its first node's link */
	struct proc_id *resolvers; /* per DNS view (model/dns.h), started */
	bool pins_journaled;
};

/* A router forwards, never sends redirects, filters nothing by reverse
 * path (asymmetric paths through NAT are normal here), and carries no IPv6.
 * IPv4 conf defaults of a new namespace are copied from the host's, so they
 * are set explicitly. */
static const char *const router_sysctls[][2] = {
	{ "ipv4/ip_forward", "1" },
	{ "ipv4/conf/all/rp_filter", "0" },
	{ "ipv4/conf/default/rp_filter", "0" },
	{ "ipv4/conf/all/send_redirects", "0" },
	{ "ipv4/conf/default/send_redirects", "0" },
	{ "ipv6/conf/all/disable_ipv6", "1" },
	{ "ipv6/conf/default/disable_ipv6", "1" },
};

/* A node answers every probe at once: ICMP errors (port unreachable) are
 * not rate-limited per destination, so a burst of probes sees every
 * refusal. */
static const char *const node_sysctls[][2] = {
	{ "ipv4/icmp_ratelimit", "0" },
	{ "ipv6/conf/default/disable_ipv6", "1" }, /* eth0 comes later */
};

/* A NAT gateway node forwards like a router. */
static const char *const nat_node_sysctls[][2] = {
	{ "ipv4/icmp_ratelimit", "0" },
	{ "ipv6/conf/all/disable_ipv6", "1" },
	{ "ipv6/conf/default/disable_ipv6", "1" },
	{ "ipv4/ip_forward", "1" },
	{ "ipv4/conf/all/rp_filter", "0" },
	{ "ipv4/conf/default/rp_filter", "0" },
	{ "ipv4/conf/all/send_redirects", "0" },
	{ "ipv4/conf/default/send_redirects", "0" },
};

#define N_KV(a) ((int)(sizeof(a) / sizeof(*(a))))

static int create_ns(struct exec *x, int i, const char *const kv[][2], int n)
{
	const char *name = plan_ns_name(x->L, i);
	int err = netns_create(name, kv, n, &x->ns[i]);

	if (err < 0)
		return err;
	return journal_add(x->J, J_NETNS, name);
}

static int step_router(struct exec *x, const struct step *s)
{
	return create_ns(x, s->ns, router_sysctls, N_KV(router_sysctls));
}

/* A node's namespace, not journaled (the maker's thread makes it). */
static int node_ns_make(struct exec *x, const struct step *s)
{
	const char *name = plan_ns_name(x->L, s->ns);

	if (x->L->nodes[s->ref].kind == NODE_NAT || x->L->nodes[s->ref].kind == NODE_HYPERPLANE)
		return netns_create(name, nat_node_sysctls, N_KV(nat_node_sysctls), &x->ns[s->ns]);
	return netns_create(name, node_sysctls, N_KV(node_sysctls), &x->ns[s->ns]);
}

/* Node namespaces are made ahead of the plan by a second thread, the
 * maker. Making a namespace is mostly the kernel's work (each subsystem's
 * per-namespace setup, sysfs, sysctl tables) and copy_net_ns() lets two
 * run at once, so while the maker makes node n+1 the main thread wires
 * node n up (veth, addresses, routes, programs). The maker touches only
 * its nodes' handles (x->ns[i], handed over under the lock). The main
 * thread journals each namespace when its step comes; whatever the maker
 * made beyond a failure is journaled before the undo (maker_finish), and a
 * crash in between leaves namespaces that `down` finds by their names. */
struct maker {
	pthread_t tid;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int *steps;          /* plan indexes of the STEP_NODE steps, in order */
	int *err;            /* per node step, once made */
	char (*msg)[512];
	int n, made, taken;  /* made: by the maker; taken: by the main thread */
	bool stop;
};

static void *maker_run(void *arg)
{
	struct exec *x = arg;
	struct maker *m = x->maker;

	for (int i = 0; i < m->n; i++) {
		bool stop;
		int err;

		pthread_mutex_lock(&m->lock);
		stop = m->stop;
		pthread_mutex_unlock(&m->lock);
		if (stop)
			break;
		err = node_ns_make(x, &x->P->steps[m->steps[i]]);
		pthread_mutex_lock(&m->lock);
		m->err[i] = err;
		if (err < 0)
			snprintf(m->msg[i], sizeof(m->msg[i]), "%s", err_msg());
		m->made = i + 1;
		pthread_cond_signal(&m->cond);
		pthread_mutex_unlock(&m->lock);
		if (err < 0)
			break;
	}
	return NULL;
}

static void maker_free(struct maker *m)
{
	if (!m)
		return;
	free(m->steps);
	free(m->err);
	free(m->msg);
	free(m);
}

/* Start the maker on every STEP_NODE of the plan (called at the first,
 * when the routers are made: the namespace helpers' one-time setup is
 * done by then in this thread). */
static int maker_start(struct exec *x)
{
	struct maker *m = calloc(1, sizeof(*m));
	int n = 0, err;

	for (int k = 0; k < x->P->n; k++)
		n += x->P->steps[k].op == STEP_NODE;
	if (m) {
		m->steps = calloc((size_t)n + 1, sizeof(*m->steps));
		m->err = calloc((size_t)n + 1, sizeof(*m->err));
		m->msg = calloc((size_t)n + 1, sizeof(*m->msg));
	}
	if (!m || !m->steps || !m->err || !m->msg) {
		maker_free(m);
		return errf(ENOMEM, "starting the namespace maker");
	}
	for (int k = 0; k < x->P->n; k++)
		if (x->P->steps[k].op == STEP_NODE)
			m->steps[m->n++] = k;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->cond, NULL);
	x->maker = m;
	err = pthread_create(&m->tid, NULL, maker_run, x);
	if (err) {
		x->maker = NULL;
		maker_free(m);
		return errf(err, "starting the namespace maker: %s", strerror(err));
	}
	m->running = true;
	return 0;
}

/* Stop the maker, wait for it, and journal what it made that no step
 * took, so the undo removes it. Safe without a maker. */
static void maker_finish(struct exec *x)
{
	struct maker *m = x->maker;

	if (!m)
		return;
	if (m->running) {
		pthread_mutex_lock(&m->lock);
		m->stop = true;
		pthread_mutex_unlock(&m->lock);
		pthread_join(m->tid, NULL);
		m->running = false;
	}
	for (int i = m->taken; i < m->made; i++)
		if (m->err[i] == 0)
			journal_add(x->J, J_NETNS, plan_ns_name(x->L, x->P->steps[m->steps[i]].ns));
	m->taken = m->made;
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->cond);
	maker_free(m);
	x->maker = NULL;
}

static int step_node(struct exec *x, const struct step *s)
{
	struct maker *m;
	int i, err;

	if (!x->maker && (err = maker_start(x)) < 0)
		return err;
	m = x->maker;
	i = m->taken;
	if (i >= m->n || x->P->steps[m->steps[i]].ns != s->ns)
		return errf(EINVAL, "node step for %s out of the maker's order",
			    plan_ns_name(x->L, s->ns));
	pthread_mutex_lock(&m->lock);
	while (m->made <= i)
		pthread_cond_wait(&m->cond, &m->lock);
	err = m->err[i];
	pthread_mutex_unlock(&m->lock);
	m->taken++;
	if (err < 0)
		return errf(err, "%s", m->msg[i]);
	return journal_add(x->J, J_NETNS, plan_ns_name(x->L, s->ns));
}

static int step_attach(struct exec *x, const struct step *s)
{
	const struct layout *L = x->L;
	const struct attachment *a = &L->atts[s->ref];
	char alias[128];

	snprintf(alias, sizeof(alias), "vpcsim:%s:%s", L->t->name,
		 a->eni_id[0] ? a->eni_id : L->nodes[a->node].name);
	return attach_veth(x->ns[s->ns], x->ns[plan_ns_node(L, a->node)], a, alias);
}

static int step_link(struct exec *x, const struct step *s)
{
	const struct router_link *k = &x->L->links[s->ref];
	struct netns *a = x->ns[plan_ns_router(k->router[0])];
	struct netns *b = x->ns[plan_ns_router(k->router[1])];
	static const char *const kind[] = { [LINK_IGW] = "igw", [LINK_PEERING] = "peering",
					    [LINK_LAMBDA] = "lambda", [LINK_VPCE] = "vpce",
					    [LINK_VPCE_ZONE] = "vpce-zone" };
	char alias[128];
	struct veth_spec v = {
		.name = k->ifname[0], .ifindex = k->ifindex[0], .alias = alias,
		.peer_ns = b, .peer_name = k->ifname[1], .peer_ifindex = k->ifindex[1],
		.mtu = k->mtu,
	};
	int err;

	snprintf(alias, sizeof(alias), "vpcsim:%s:%s", x->L->t->name, kind[k->kind]);
	err = rt_link_veth_add(a, &v);
	if (!err)
		err = rt_link_set_up(b, k->ifindex[1]);
	if (!err)
		err = rt_addr_add(a, k->ifindex[0], k->ip[0], 30, 0);
	if (!err)
		err = rt_addr_add(b, k->ifindex[1], k->ip[1], 30, 0);
	return err;
}

static int step_nat(struct exec *x, const struct step *s)
{
	const struct layout *L = x->L;
	struct netns *ns = x->ns[s->ns];
	struct nat_spec spec = { 0 };
	struct nat_map *maps = NULL;
	struct mnl_socket *nl;
	int err, n = 0;

	if (s->ns >= L->n_routers) {          /* a NAT gateway or hyperplane */
		spec.snat_oif = "eth0";
		spec.snat_to = L->atts[L->nodes[s->ref].att].ip;
		/* No connection into a function: not from the VPC (eth0),
		 * nor between the environments behind it (e<k>). */
		if (L->nodes[s->ref].kind == NODE_HYPERPLANE) {
			spec.drop_new_in = "eth0";
			spec.only_new_out = "eth0";
		}
	} else if (L->routers[s->ns].role == ROUTER_VPCE) {
		/* A gateway endpoint: onto its own address towards the zone. */
		spec.snat_oif = L->links[s->ref].ifname[0];
		spec.snat_to = L->links[s->ref].ip[0];
	} else if (L->routers[s->ns].role == ROUTER_LAMBDA) {
		spec.snat_oif = L->links[s->ref].ifname[0];
		spec.snat_to = L->lambda_egress_ip;
		/* Environments of default functions hang off e<k>: no
		 * connection into one, from another or from the internet. */
		spec.only_new_out = L->links[s->ref].ifname[0];
	} else {                                        /* internet gateway */
		int v = L->links[s->ref].ref;

		maps = calloc((size_t)L->n_atts + 1, sizeof(*maps));
		if (!maps)
			return errf(ENOMEM, "NAT maps of %s", ns->name);
		for (int i = 0; i < L->n_atts; i++)
			if (L->atts[i].vpc == v && L->atts[i].public_ip)
				maps[n++] = (struct nat_map){ L->atts[i].ip, L->atts[i].public_ip };
		spec.static_if = L->links[s->ref].ifname[0];
		spec.static_maps = maps;
		spec.n_static = n;
	}
	nl = netns_nf(ns);
	err = nl ? nat_install(nl, &spec) : -EIO;
	free(maps);
	return err;
}

/* Loading a VPC's data plane is mostly the verifier's time (tenths of a
 * second per VPC). Threads, one per VPC, do it while the main thread makes
 * the namespaces and links; STEP_DATAPLANE waits for its VPC's. A thread
 * touches only BPF objects and its own results: no namespace, no journal
 * (the pin folder is journaled before they start). */
struct loader;

/* One thread per VPC: the verifier's work is per object, and the machine
 * has more than one core. */
struct loader_job {
	struct loader *l;
	int vpc;
	pthread_t tid;
	bool running;
	int err;
	char msg[512];
};

struct loader {
	const struct layout *L;
	struct dataplane **dp;
	struct policy *pol;
	struct loader_job *jobs;   /* per VPC */
};

static void *loader_run(void *arg)
{
	struct loader_job *j = arg;
	const struct layout *L = j->l->L;
	int v = j->vpc;

	j->err = vpc_dp_compile(L, v, &j->l->pol[v]);
	if (!j->err)
		j->err = vpc_dp_install(L, v, &j->l->pol[v], &j->l->dp[v]);
	if (j->err)
		snprintf(j->msg, sizeof(j->msg), "%s", err_msg());
	return NULL;
}

/* Wait for every loader thread; safe to call more than once and without
 * a loader. */
static void loader_join(struct exec *x)
{
	for (int v = 0; x->loader && v < x->L->t->n_vpcs; v++) {
		struct loader_job *j = &x->loader->jobs[v];

		if (j->running) {
			pthread_join(j->tid, NULL);
			j->running = false;
		}
	}
}

static void loader_free(struct exec *x)
{
	loader_join(x);
	if (x->loader)
		free(x->loader->jobs);
	free(x->loader);
	x->loader = NULL;
}

static int loader_start(struct exec *x)
{
	const struct layout *L = x->L;
	char dir[VPC_DP_PATH_MAX];
	struct loader *l;
	int err;

	if (L->t->n_vpcs == 0)
		return 0;
	vpc_dp_topo_dir(L->t->name, dir);
	err = journal_add(x->J, J_PIN, dir);
	if (err < 0)
		return err;
	l = calloc(1, sizeof(*l));
	if (l)
		l->jobs = calloc((size_t)L->t->n_vpcs, sizeof(*l->jobs));
	if (!l || !l->jobs) {
		free(l);
		return errf(ENOMEM, "starting the data plane loaders");
	}
	l->L = L;
	l->dp = x->dp;
	l->pol = x->pol;
	x->loader = l;
	for (int v = 0; v < L->t->n_vpcs; v++) {
		struct loader_job *j = &l->jobs[v];

		j->l = l;
		j->vpc = v;
		err = pthread_create(&j->tid, NULL, loader_run, j);
		if (err)
			return errf(err, "starting the data plane loader of VPC %s: %s",
				    L->t->vpcs[v].name, strerror(err));
		j->running = true;
	}
	return 0;
}

static int step_dataplane(struct exec *x, const struct step *s)
{
	int v = s->ref;

	struct loader_job *j;

	if (!x->loader)
		return errf(EINVAL, "no data plane loader for VPC %s", x->L->t->vpcs[v].name);
	j = &x->loader->jobs[v];
	if (j->running) {
		pthread_join(j->tid, NULL);
		j->running = false;
	}
	if (j->err)
		return errf(j->err, "%s", j->msg);
	return 0;
}

static int step_eni_dataplane(struct exec *x, const struct step *s)
{
	const struct attachment *a = &x->L->atts[s->ref];
	struct dp_eni eni;

	vpc_dp_eni(x->L, &x->pol[a->vpc], s->ref, &eni);
	return eni_dataplane_attach(x->ns[s->ns], x->dp[a->vpc], a->ifindex, &eni);
}

/* resolv.conf beside the hosts file: the resolver of the node's VPC (an
 * internet host: the internet's). */
static int resolv_conf_write(struct exec *x, const char *dir, int vpc)
{
	char path[600], *text = dns_resolv_conf_view(x->L, dns_view_of_vpc(x->L, vpc));
	int err;

	if (!text)
		return errf(ENOMEM, "rendering resolv.conf in %s", dir);
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	err = journal_add(x->J, J_FILE, path);
	if (!err)
		err = file_write(path, text);
	free(text);
	return err;
}

/* The hosts file the nodes of asker's view share, in its own folder
 * /etc/netns/<folder> (vpcsim-T.hosts[.VPC]), written and journaled for the
 * view's first node. */
static int hosts_view_write(struct exec *x, int asker, const char *folder)
{
	char dir[512], path[600];
	const char *text;
	int err;

	path_etc_netns(dir, sizeof(dir), folder, NULL);
	if (mkdir(dir, 0755) < 0)
		return errf(errno, "creating %s: %s", dir, strerror(errno));
	err = journal_add(x->J, J_DIR, dir);
	if (err < 0)
		return err;
	text = hosts_cached(&x->hosts, asker);
	if (!text)
		return errf(ENOMEM, "rendering the hosts file of %s", x->L->nodes[asker].name);
	snprintf(path, sizeof(path), "%s/hosts", dir);
	err = file_write(path, text);
	if (err == 0)
		err = journal_add(x->J, J_FILE, path);
	return err < 0 ? err : resolv_conf_write(x, dir, x->L->nodes[asker].vpc);
}

/* /etc/netns/<node> is a symbolic link to its view's folder: the text
 * grows with the topology, so a copy per node would make `up` quadratic,
 * and a folder per node costs a disk block (and a discard when removed).
 * The first node of a view gets the link (and writes the folder); the
 * others get hard links to that link, which allocate no inode (see
 * kernel/netns.c for why that matters). */
static int step_hosts(struct exec *x, const struct step *s)
{
	const struct layout *L = x->L;
	const char *name = plan_ns_name(L, s->ns);
	int vpc = L->nodes[s->ref].vpc, err;
	char folder[NS_NAME_MAX], link_path[512];
	char **first = &x->hosts_link[vpc + 1];

	static bool etc_netns_ready;

	if (!etc_netns_ready && mkdir(ETC_NETNS, 0755) < 0 && errno != EEXIST)
		return errf(errno, "creating %s: %s", ETC_NETNS, strerror(errno));
	etc_netns_ready = true;
	ns_name(folder, sizeof(folder), L->t->name, "hosts",
		vpc >= 0 ? L->t->vpcs[vpc].name : NULL, NULL, NULL);
	if (!*first && (err = hosts_view_write(x, s->ref, folder)) < 0)
		return err;
	path_etc_netns(link_path, sizeof(link_path), name, NULL);
	if (*first && link(*first, link_path) == 0)
		return journal_add(x->J, J_FILE, link_path);
	if (symlink(folder, link_path) < 0)
		return errf(errno, "linking %s to %s: %s", link_path, folder, strerror(errno));
	err = journal_add(x->J, J_FILE, link_path);
	if (err == 0 && !*first && !(*first = strdup(link_path)))
		err = errf(ENOMEM, "hosts link of %s", name);
	return err;
}

static void add_ports(struct responder_port *ports, int *n, const char *netns,
		      const struct listen_port *l, int count)
{
	for (int i = 0; i < count; i++)
		ports[(*n)++] = (struct responder_port){ netns, l[i].proto, l[i].port };
}

static int step_responder(struct exec *x, const struct step *s)
{
	const struct layout *L = x->L;
	const struct topology *t = L->t;
	struct responder_port *ports;
	char log[512];
	int n = 0, total = 0, err;
	pid_t pid;
	unsigned long long start;

	for (int i = 0; i < t->n_resources; i++)
		total += t->resources[i].n_listen;
	for (int i = 0; i < t->n_hosts; i++)
		total += t->hosts[i].n_listen;
	ports = calloc((size_t)total + 1, sizeof(*ports));
	if (!ports)
		return errf(ENOMEM, "responder ports");
	for (int i = 0; i < L->n_nodes; i++) {
		const struct node *nd = &L->nodes[i];

		if (nd->kind == NODE_RESOURCE)
			add_ports(ports, &n, nd->netns, t->resources[nd->index].listen,
				  t->resources[nd->index].n_listen);
		else if (nd->kind == NODE_HOST)
			add_ports(ports, &n, nd->netns, t->hosts[nd->index].listen,
				  t->hosts[nd->index].n_listen);
	}
	snprintf(log, sizeof(log), "%s/logs/responder.log", x->o->state_dir);
	err = responder_start(ports, n, log, &pid);
	free(ports);
	if (err < 0)
		return err;
	if (proc_start_time(pid, &start) < 0)
		start = 0;
	return journal_add_proc(x->J, pid, start, "responder");
}

static int step_command(struct exec *x, const struct step *s)
{
	const struct node *nd = &x->L->nodes[s->ref];
	const struct resource *r = &x->L->t->resources[nd->index];
	struct proc_cred cred;
	struct proc_id p;
	char log[512];
	int err;

	snprintf(log, sizeof(log), "%s/logs/%s.log", x->o->state_dir, nd->name);
	if (r->user && (err = proc_cred_lookup(r->user, &cred)) < 0)
		return errf_prefix(err, "the command of %s", nd->name);
	err = proc_start_in_node(nd->netns, r->command, log, r->user ? &cred : NULL, &p);
	if (err < 0)
		return err;
	return journal_add_proc(x->J, p.pid, p.start_time, nd->name);
}

static int run_step(struct exec *x, const struct step *s)
{
	struct netns *ns = s->ns >= 0 ? x->ns[s->ns] : NULL;

	switch (s->op) {
	case STEP_ROUTER:
		return step_router(x, s);
	case STEP_NODE:
		return step_node(x, s);
	case STEP_GATEWAY_ADDR:
		return rt_addr_add(ns, 1, s->addr, 32, 0);
	case STEP_ATTACH:
		return step_attach(x, s);
	case STEP_LINK:
		return step_link(x, s);
	case STEP_ROUTE:
		return rt_route_add(ns, &s->route);
	case STEP_RULE:
		return rt_rule_add(ns, s->rule.pref, s->rule.src, s->rule.dst, s->rule.table);
	case STEP_NAT:
		return step_nat(x, s);
	case STEP_DATAPLANE:
		return step_dataplane(x, s);
	case STEP_ENI_DATAPLANE:
		return step_eni_dataplane(x, s);
	case STEP_HOSTS:
		return step_hosts(x, s);
	case STEP_RESOLVER:
		return dns_step_resolver(x->L, s->ref, x->o->state_dir, x->J,
					 &x->resolvers[s->ref]);
	case STEP_RESOLVERS_READY:
		return dns_step_ready(x->L, x->o->state_dir, x->resolvers);
	case STEP_RESPONDER:
		return step_responder(x, s);
	case STEP_DB_INIT:
		return engine_step_db_init(x->L, s->ref, x->o->state_dir, x->J);
	case STEP_DB_START:
		return engine_step_db_start(x->L, s->ref, x->o->state_dir, x->J);
	case STEP_PROXY_START:
		return engine_step_proxy_start(x->L, s->ref, x->o->state_dir, x->J);
	case STEP_COMMAND:
		return step_command(x, s);
	}
	return errf(EINVAL, "unknown step %d", s->op);
}

/* VPCSIM_PROFILE=1: where `up` spends its time, by kind of step (for the
 * benchmark; stderr). */
static void profile_print(const double *us, const int *n)
{
	static const char *const names[] = {
		[STEP_ROUTER] = "router", [STEP_NODE] = "node", [STEP_GATEWAY_ADDR] = "gateway addr",
		[STEP_ATTACH] = "attach", [STEP_LINK] = "link", [STEP_ROUTE] = "route",
		[STEP_RULE] = "rule", [STEP_NAT] = "nat", [STEP_DATAPLANE] = "dataplane load",
		[STEP_ENI_DATAPLANE] = "eni dataplane", [STEP_HOSTS] = "hosts file",
		[STEP_RESOLVER] = "resolver", [STEP_RESOLVERS_READY] = "resolvers ready",
		[STEP_RESPONDER] = "responder", [STEP_DB_INIT] = "db init",
		[STEP_DB_START] = "db start", [STEP_PROXY_START] = "proxy start",
		[STEP_COMMAND] = "command",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (n[i])
			fprintf(stderr, "profile: %-15s %6d steps %10.1f ms %8.1f us/step\n",
				names[i], n[i], us[i] / 1e3, us[i] / n[i]);
}

int plan_apply(const struct layout *L, const struct plan *P, struct journal *J,
	       const struct apply_opts *o)
{
	double prof_us[STEP_COMMAND + 1] = { 0 };
	int prof_n[STEP_COMMAND + 1] = { 0 };
	bool profile = getenv("VPCSIM_PROFILE") != NULL;
	int n_ns = L->n_routers + L->n_nodes, err = 0, k;
	struct exec x = { .L = L, .P = P, .o = o, .J = J };
	char what[512], msg[1024];

	x.ns = calloc((size_t)n_ns, sizeof(*x.ns));
	x.dp = calloc((size_t)L->t->n_vpcs + 1, sizeof(*x.dp));
	x.pol = calloc((size_t)L->t->n_vpcs + 1, sizeof(*x.pol));
	x.hosts_link = calloc((size_t)L->t->n_vpcs + 1, sizeof(*x.hosts_link));
	x.resolvers = calloc((size_t)dns_n_views(L), sizeof(*x.resolvers));
	if (!x.ns || !x.dp || !x.pol || !x.hosts_link || !x.resolvers) {
		free(x.resolvers);
		free(x.ns);
		free(x.dp);
		free(x.pol);
		free(x.hosts_link);
		return errf(ENOMEM, "namespace handles");
	}
	hosts_cache_init(&x.hosts, L);
	err = loader_start(&x);
	if (err < 0) {
		snprintf(msg, sizeof(msg), "%s", err_msg());
		loader_join(&x);
		journal_undo(J);
		errf(err, "%s", msg);
		goto out;
	}
	for (k = 0; k < P->n; k++) {
		double t0 = profile ? now_ms() : 0;

		err = o->fail_at == k + 1
			? errf(EIO, "injected failure (VPCSIM_FAIL_STEP=%d)", k + 1)
			: run_step(&x, &P->steps[k]);
		if (profile) {
			prof_us[P->steps[k].op] += (now_ms() - t0) * 1e3;
			prof_n[P->steps[k].op]++;
		}
		if (err < 0)
			break;
		if (o->kill_at == k + 1)
			raise(SIGKILL); /* VPCSIM_KILL_STEP: a crash right here */
	}
	if (profile)
		profile_print(prof_us, prof_n);
	/* The loader may still be pinning and the maker making: both are
	 * done before anything is undone or closed. */
	loader_join(&x);
	maker_finish(&x);
	if (err < 0) {
		plan_step_describe(L, &P->steps[k], what, sizeof(what));
		errf_prefix(err, "step %d/%d (%s)", k + 1, P->n, what);
		snprintf(msg, sizeof(msg), "%s", err_msg());
		journal_undo(J);
		errf(err, "%s", msg);
	}
out:
	for (int i = 0; i < n_ns; i++)
		netns_close(x.ns[i]);
	for (int v = 0; v < L->t->n_vpcs; v++) {
		dp_close(x.dp[v]);
		policy_free(&x.pol[v]);
	}
	free(x.ns);
	free(x.dp);
	free(x.pol);
	hosts_cache_free(&x.hosts);
	for (int v = 0; v <= L->t->n_vpcs; v++)
		free(x.hosts_link[v]);
	free(x.hosts_link);
	free(x.resolvers);
	loader_free(&x);
	return err;
}
