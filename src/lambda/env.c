/* Execution environments with their network attachment; see env.h. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lambda/env.h"
#include "lambda/env_index.h"
#include "lambda/env_internal.h"
#include "util/err.h"
#include "util/clock.h"
#include "util/paths.h"
#include "util/fs.h"
#include "model/dns.h"
#include "model/hosts.h"
#include "model/names.h"
#include "state/dns_steps.h"
#include "state/journal.h"
#include "kernel/eni.h"
#include "kernel/rtnl.h"
#include "lambda/sandbox.h"
#include "state/vpc_dataplane.h"
#include "lambda/supervisor.h"
#include "state/sweep.h"

#define ENV_PATH_MAX (STATE_PATH_MAX + 128)

/* As every node: ICMP errors not rate-limited, no IPv6. */
static const char *const env_sysctls[][2] = {
	{ "ipv4/icmp_ratelimit", "0" },
	{ "ipv6/conf/default/disable_ipv6", "1" },
};

static const char *const mode_names[] = {
	[ENV_SERVICE] = "service", [ENV_HYPERPLANE] = "hyperplane",
	[ENV_PER_SANDBOX] = "per-sandbox",
};

const char *env_mode_str(enum env_mode m)
{
	return mode_names[m];
}

static void envs_dir(const struct live *lv, char out[ENV_PATH_MAX])
{
	snprintf(out, ENV_PATH_MAX, "%s/envs", lv->dir);
}

static void env_file(const struct live *lv, const char *id, const char *file,
		     char out[ENV_PATH_MAX])
{
	char dir[ENV_PATH_MAX];

	path_env_dir(dir, sizeof(dir), lv->name, id);
	snprintf(out, ENV_PATH_MAX, "%s/%s", dir, file);
}

/* ---- meta ------------------------------------------------------------- */

static int meta_write(const struct live *lv, const struct env_meta *m)
{
	char path[ENV_PATH_MAX], tmp[ENV_PATH_MAX + 8], ip[IP4_STRLEN];
	FILE *f;

	env_file(lv, m->id, "meta", path);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f)
		return errf(errno, "creating %s: %s", tmp, strerror(errno));
	fprintf(f, "function %s\nmode %s\nnetns %s\nrouter %s\nk %d\nip %s\neni %s\n"
		"vpc %d\nsubnet %d\ncreated %lld\n", m->function, mode_names[m->mode],
		m->netns, m->router, m->k, ip4_str(m->ip, ip), m->eni_id[0] ? m->eni_id : "-",
		m->vpc, m->subnet, m->created);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return errf(errno, "writing %s: %s", path, strerror(errno));
	return 0;
}

int env_meta_parse(FILE *f, struct env_meta *m)
{
	char key[32], val[NETNS_NAME_MAX];

	m->vpc = m->subnet = -1;
	while (fscanf(f, "%31s %127s", key, val) == 2) {
		if (!strcmp(key, "function"))
			snprintf(m->function, sizeof(m->function), "%s", val);
		else if (!strcmp(key, "mode")) {
			for (int i = 0; i <= ENV_PER_SANDBOX; i++)
				if (!strcmp(val, mode_names[i]))
					m->mode = (enum env_mode)i;
		}
		else if (!strcmp(key, "netns"))
			snprintf(m->netns, sizeof(m->netns), "%s", val);
		else if (!strcmp(key, "router"))
			snprintf(m->router, sizeof(m->router), "%s", val);
		else if (!strcmp(key, "k"))
			m->k = atoi(val);
		else if (!strcmp(key, "ip"))
			ip4_parse(val, &m->ip);
		else if (!strcmp(key, "eni") && strcmp(val, "-"))
			snprintf(m->eni_id, sizeof(m->eni_id), "%s", val);
		else if (!strcmp(key, "vpc"))
			m->vpc = atoi(val);
		else if (!strcmp(key, "subnet"))
			m->subnet = atoi(val);
		else if (!strcmp(key, "created"))
			m->created = atoll(val);
	}
	return m->function[0] && m->netns[0] ? 0 : -EINVAL;
}

/* A meta file is only believed about its own topology: the namespace it
 * names must be this topology's (names.h), its VPC and subnet in range. */
static bool meta_fits(const struct live *lv, const struct env_meta *m)
{
	const struct topology *t = lv->L.t;

	if (!ns_owned_by(m->netns, lv->name) || m->vpc < -1 || m->vpc >= t->n_vpcs)
		return false;
	if (m->vpc >= 0 && (m->subnet < -1 || m->subnet >= t->vpcs[m->vpc].n_subnets))
		return false;
	return true;
}

static int meta_read(const struct live *lv, const char *id, struct env_meta *m)
{
	char path[ENV_PATH_MAX];
	FILE *f;
	int err;

	memset(m, 0, sizeof(*m));
	snprintf(m->id, sizeof(m->id), "%s", id);
	env_file(lv, id, "meta", path);
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	err = env_meta_parse(f, m);
	fclose(f);
	if (!err && !meta_fits(lv, m))
		err = -EINVAL;
	return err;
}

int env_lock_try(const struct live *lv, const char *id)
{
	char path[ENV_PATH_MAX];
	struct stat st;
	int fd;

	env_file(lv, id, "lock", path);
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : errf(errno, "opening %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -EBUSY;
	}
	if (fstat(fd, &st) < 0 || st.st_nlink == 0) { /* removed while we opened it */
		close(fd);
		return -ENOENT;
	}
	return fd;
}

/* A new environment's lock, made and taken. */
static int lock_create(const struct live *lv, const char *id)
{
	char path[ENV_PATH_MAX];
	int fd;

	env_file(lv, id, "lock", path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errf(errno, "creating %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return errf(errno, "locking %s: %s", path, strerror(errno));
	}
	return fd;
}

static int cmp_meta(const void *a, const void *b)
{
	const struct env_meta *x = a, *y = b;
	int c = strcmp(x->function, y->function);
	int nx = atoi(strrchr(x->id, '-') + 1), ny = atoi(strrchr(y->id, '-') + 1);

	return c ? c : nx - ny;
}

int env_list(const struct live *lv, struct env_set *out)
{
	char dir[ENV_PATH_MAX];
	struct dirent *de;
	DIR *d;

	memset(out, 0, sizeof(*out));
	envs_dir(lv, dir);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct env_meta m, *grown;
		int fd;

		if (de->d_name[0] == '.' || !strchr(de->d_name, '-') ||
		    meta_read(lv, de->d_name, &m) < 0)
			continue;
		fd = env_lock_try(lv, m.id);
		if (fd == -ENOENT) /* being removed */
			continue;
		err_clear();
		m.busy = fd == -EBUSY;
		if (fd >= 0) {
			struct stat st;

			if (fstat(fd, &st) == 0)
				m.last_used = st.st_mtim.tv_sec * 1000LL + st.st_mtim.tv_nsec / 1000000;
			close(fd);
		}
		grown = realloc(out->e, (size_t)(out->n + 1) * sizeof(*grown));
		if (!grown) {
			closedir(d);
			env_set_free(out);
			return errf(ENOMEM, "listing environments");
		}
		out->e = grown;
		out->e[out->n++] = m;
	}
	closedir(d);
	if (out->n)
		qsort(out->e, (size_t)out->n, sizeof(*out->e), cmp_meta);
	return 0;
}

void env_set_free(struct env_set *s)
{
	free(s->e);
	memset(s, 0, sizeof(*s));
}

/* ---- function state --------------------------------------------------- */

static void fn_state_path(const struct live *lv, const char *fn, char out[ENV_PATH_MAX])
{
	snprintf(out, ENV_PATH_MAX, "%s/fnstate-%s", lv->dir, fn);
}

static void fn_state_set(const struct live *lv, const char *fn, const char *reason)
{
	char path[ENV_PATH_MAX];
	FILE *f;

	fn_state_path(lv, fn, path);
	if (!reason) {
		unlink(path);
		return;
	}
	f = fopen(path, "we");
	if (f) {
		fprintf(f, "%s\n", reason);
		fclose(f);
	}
}

void env_fn_state_reason(const struct live *lv, const char *fn, char *out, size_t len)
{
	char path[ENV_PATH_MAX];
	FILE *f;

	out[0] = '\0';
	fn_state_path(lv, fn, path);
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(out, (int)len, f))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/* ---- allocation ------------------------------------------------------- */

static bool k_used(const struct env_used *u, const char *router, int k)
{
	if (u->ix)
		return env_index_k_used(u->ix, router, k);
	for (int i = 0; i < u->s->n; i++)
		if (u->s->e[i].k == k && !strcmp(u->s->e[i].router, router))
			return true;
	return false;
}

static bool ip_used(const struct env_used *u, int vpc, uint32_t ip)
{
	if (u->ix)
		return env_index_ip_used(u->ix, vpc, ip);
	for (int i = 0; i < u->s->n; i++)
		if (u->s->e[i].ip == ip && u->s->e[i].vpc == vpc)
			return true;
	return false;
}

/* Lowest k at or above `first` that no environment in `router` uses. */
static int free_k(const struct env_used *u, const char *router, int first)
{
	int k = first;

	while (k_used(u, router, k))
		k++;
	return k;
}

/* 1 when e<k> of router is still there: the link of a detached
 * environment, which the kernel removes with its namespace a little later
 * (env_destroy). 0 when free, or -errno. */
static int link_lingers(const char *router, int k)
{
	struct netns *ns;
	int err = netns_open(router, &ns);

	if (err < 0)
		return err;
	err = rt_link_exists(ns, IFINDEX_ATT_BASE + k);
	netns_close(ns);
	return err;
}

/* Lowest free address of `c` (a subnet: its 5 reserved skipped; else the
 * network, router and broadcast addresses skipped), 0 if none. Subnets of
 * different VPCs may overlap, so for a subnet only that VPC's users count. */
static uint32_t free_ip(const struct live *lv, const struct env_used *u, struct cidr c,
			bool subnet, int vpc)
{
	uint32_t last = cidr_last(c) - 1;

	for (uint32_t ip = c.addr + (subnet ? 4 : 2); ip <= last; ip++) {
		bool used = ip_used(u, vpc, ip);

		for (int i = 0; i < lv->L.n_atts && !used; i++)
			used = lv->L.atts[i].ip == ip && lv->L.atts[i].vpc == vpc;
		if (!used)
			return ip;
	}
	return 0;
}

static int next_id(const struct live *lv, const struct env_used *u, const char *fn,
		   char out[ENV_ID_MAX])
{
	char path[ENV_PATH_MAX];

	for (int n = 1; n < 100000; n++) {
		if (u->ix && env_index_id_used(u->ix, fn, n))
			continue;
		snprintf(out, ENV_ID_MAX, "%s-%d", fn, n);
		env_file(lv, out, "", path);
		if (access(path, F_OK) < 0)
			return 0;
	}
	return errf(ENOSPC, "no environment id left for %s", fn);
}

/* Where the environment of fn attaches, and with which address: *a is
 * filled as a layout attachment would be (router, ifname, ifindex, ip,
 * gateway, prefix; for per-sandbox also vpc, subnet, groups, ENI id). */
static int env_place(const struct live *lv, const struct env_used *s, int fn,
		     struct env_meta *m, struct attachment *a)
{
	const struct layout *L = &lv->L;
	const struct topology *t = L->t;
	const struct function *f = &t->functions[fn];
	int first = 0;

	memset(a, 0, sizeof(*a));
	a->node = -1;
	a->vpc = a->subnet = -1;
	m->vpc = m->subnet = -1;
	if (!f->has_vpc || t->eni_mode == ENI_MODE_HYPERPLANE) {
		int h = layout_fn_hyperplane(L, fn, 0);

		m->mode = f->has_vpc ? ENV_HYPERPLANE : ENV_SERVICE;
		if (f->has_vpc && h < 0)
			return errf(EINVAL, "function %s has no hyperplane ENI", f->name);
		if (f->has_vpc) {
			snprintf(m->router, sizeof(m->router), "%s", L->nodes[L->hpls[h].node].netns);
		} else {
			snprintf(m->router, sizeof(m->router), "%s", L->routers[L->lambda].netns);
			first = L->routers[L->lambda].n_attachments;
		}
		a->ip = free_ip(lv, s, t->service_cidr, false, -1);
		if (!a->ip)
			return errf(ENOSPC, "the Lambda service CIDR has no address left for "
				    "function %s; use a larger service_cidr or detach environments",
				    f->name);
		a->gateway = subnet_router(t->service_cidr);
		a->prefix = t->service_cidr.len;
	} else {
		const struct vpc *v = &t->vpcs[f->vpc];
		int r = L->vpc_router[f->vpc];

		m->mode = ENV_PER_SANDBOX;
		for (int i = 0; i < f->n_subnets && !a->ip; i++) {
			a->ip = free_ip(lv, s, v->subnets[f->subnets[i]].cidr, true, f->vpc);
			a->subnet = f->subnets[i];
		}
		if (!a->ip) {
			fn_state_set(lv, f->name, "SubnetOutOfIPAddresses");
			return errf(ENOSPC, "SubnetIPAddressLimitReachedException: Lambda was not "
				    "able to create an ENI in the VPC of the Lambda function %s because "
				    "the limit for Network Interfaces has been reached: no free address "
				    "left in its subnets (state reason SubnetOutOfIPAddresses); "
				    "`vpcsim detach %s` frees one", f->name, f->name);
		}
		fn_state_set(lv, f->name, NULL);
		a->vpc = m->vpc = f->vpc;
		m->subnet = a->subnet;
		a->gateway = subnet_router(v->subnets[a->subnet].cidr);
		a->prefix = v->subnets[a->subnet].cidr.len;
		memcpy(a->sgs, f->sgs, (size_t)f->n_sgs * sizeof(*a->sgs));
		a->n_sgs = f->n_sgs;
		snprintf(m->router, sizeof(m->router), "%s", L->routers[r].netns);
		first = L->routers[r].n_attachments;
	}
	m->k = free_k(s, m->router, first);
	for (int lingers; (lingers = link_lingers(m->router, m->k)) != 0;) {
		if (lingers < 0)
			return lingers;
		m->k = free_k(s, m->router, m->k + 1);
	}
	m->ip = a->ip;
	/* A VPC function's path is the VPC's; a default function's is the
	 * Lambda service VPC's to the internet. */
	a->mtu = f->has_vpc ? MTU_VPC : MTU_INTERNET;
	snprintf(a->ifname, sizeof(a->ifname), "e%d", m->k);
	a->ifindex = IFINDEX_ATT_BASE + m->k;
	if (m->mode == ENV_PER_SANDBOX) {
		char desc[256];

		snprintf(desc, sizeof(desc), "%s/%s/function/%s", t->vpcs[a->vpc].name,
			 t->vpcs[a->vpc].subnets[a->subnet].name, m->id);
		eni_id_make(t->name, desc, a->eni_id);
		snprintf(m->eni_id, sizeof(m->eni_id), "%s", a->eni_id);
	}
	return 0;
}

/* The attachment an environment's meta describes (for its removal). */
static void att_of_meta(const struct live *lv, const struct env_meta *m, struct attachment *a)
{
	const struct function *f = NULL;

	memset(a, 0, sizeof(*a));
	a->node = -1;
	a->vpc = m->vpc;
	a->subnet = m->subnet;
	a->ip = m->ip;
	a->ifindex = IFINDEX_ATT_BASE + m->k;
	int fn = layout_find_function(&lv->L, m->function);

	if (fn >= 0)
		f = &lv->L.t->functions[fn];
	if (f && f->has_vpc) {
		memcpy(a->sgs, f->sgs, (size_t)f->n_sgs * sizeof(*a->sgs));
		a->n_sgs = f->n_sgs;
	}
}

/* ---- create / destroy --------------------------------------------------- */

static int write_hosts(const struct live *lv, const struct env_meta *m, int vpc)
{
	char dir[ENV_PATH_MAX], path[ENV_PATH_MAX + 8], *text;
	int err;

	if (mkdir(ETC_NETNS, 0755) < 0 && errno != EEXIST)
		return errf(errno, "creating %s: %s", ETC_NETNS, strerror(errno));
	path_etc_netns(dir, sizeof(dir), m->netns, NULL);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return errf(errno, "creating %s: %s", dir, strerror(errno));
	text = hosts_render_view(&lv->L, vpc);
	if (!text)
		return errf(ENOMEM, "rendering the hosts file of %s", m->id);
	snprintf(path, sizeof(path), "%s/hosts", dir);
	err = file_write(path, text);
	free(text);
	if (err < 0)
		return err;
	/* A VPC function asks its VPC's resolver; a default one the Lambda
	 * service VPC's. */
	text = dns_resolv_conf_view(&lv->L, vpc >= 0 ? dns_view_of_vpc(&lv->L, vpc)
						      : dns_view_lambda(&lv->L));
	if (!text)
		return errf(ENOMEM, "rendering resolv.conf of %s", m->id);
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	err = file_write(path, text);
	free(text);
	return err;
}

/* The ip- names of the environments' own ENIs (per-sandbox mode) in the
 * VPC resolvers: listed and written under the records' lock, so that
 * environments made or removed at once all count. */
static int dns_publish(const struct live *lv)
{
	struct env_set s;
	uint32_t *ips;
	int fd, err, n = 0;

	if (lv->L.t->eni_mode != ENI_MODE_PER_SANDBOX)
		return 0;
	fd = dns_lock(lv->dir);
	if (fd == -ENOENT) /* the topology is going down: no resolver to tell */
		return err_clear(), 0;
	if (fd < 0)
		return fd;
	err = env_list(lv, &s);
	ips = err < 0 ? NULL : calloc((size_t)s.n + 1, sizeof(*ips));
	if (!err && !ips)
		err = errf(ENOMEM, "DNS records of environments");
	for (int i = 0; ips && i < s.n; i++)
		if (s.e[i].mode == ENV_PER_SANDBOX && s.e[i].vpc >= 0)
			ips[n++] = s.e[i].ip;
	if (ips)
		err = dns_envs_publish(&lv->L, lv->dir, ips, n);
	free(ips);
	env_set_free(&s);
	close(fd);
	return err;
}

/* The per-sandbox ENI's data plane: entry, programs, group membership. */
static int eni_install(const struct live *lv, struct netns *router, const struct attachment *a)
{
	struct dataplane *dp = NULL;
	struct policy pol;
	struct dp_eni eni;
	int err;

	err = vpc_dp_compile(&lv->L, a->vpc, &pol);
	if (!err)
		err = vpc_dp_open(&lv->L, a->vpc, &dp);
	if (!err) {
		vpc_dp_eni_of(&lv->L, &pol, a, &eni);
		err = vpc_dp_members_add(&lv->L, a);
	}
	if (!err)
		err = eni_dataplane_attach(router, dp, a->ifindex, &eni);
	dp_close(dp);
	policy_free(&pol);
	return err;
}

static int sandbox_of(const struct live *lv, int fn, const struct env_meta *m)
{
	const struct function *f = &lv->L.t->functions[fn];
	struct sandbox sb = {
		.topo = lv->name, .env_id = m->id, .netns = m->netns,
		.limits = { f->memory_mb, f->timeout_s, f->ephemeral_storage_mb },
	};

	return sandbox_create(&sb);
}

static int build(const struct live *lv, int fn, const struct env_meta *m,
		 const struct attachment *a)
{
	const struct function *f = &lv->L.t->functions[fn];
	struct netns *router = NULL, *node = NULL;
	char alias[128];
	int err;

	err = netns_create(m->netns, env_sysctls, 2, &node);
	if (!err)
		err = netns_open(m->router, &router);
	snprintf(alias, sizeof(alias), "vpcsim:%s:%s", lv->name, m->eni_id[0] ? m->eni_id : m->id);
	if (!err)
		err = attach_veth(router, node, a, alias);
	/* Used at once, unlike links made by `up`: wait for both ends. */
	if (!err)
		err = rt_link_wait_ready(node, IFINDEX_NODE_ETH0, 1000);
	if (!err)
		err = rt_link_wait_ready(router, a->ifindex, 1000);
	if (!err && m->mode == ENV_PER_SANDBOX)
		err = eni_install(lv, router, a);
	if (!err)
		err = write_hosts(lv, m, f->has_vpc ? f->vpc : -1);
	if (!err && m->mode == ENV_PER_SANDBOX)
		err = dns_publish(lv);
	if (!err)
		err = sandbox_of(lv, fn, m);
	netns_close(router);
	netns_close(node);
	return err;
}

/* ---- locks ------------------------------------------------------------
 * Beside the global state_lock() (which a per-sandbox environment's build
 * still takes: it changes the VPC's data plane, as `sg` does), each
 * topology has two, so that environments are made at once:
 *   envs/.alloc  exclusive and brief: the count against the limits, the
 *                choice of an idle environment, or the id, address and
 *                e<k> of a new one and its meta written (env_reserve);
 *   .builds      shared by every build under way, exclusive by `down`
 *                (env_builds_stop): builds overlap, down waits for them. */
static int topo_lock(const struct live *lv, const char *file, int op)
{
	char path[ENV_PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", lv->dir, file);
	return file_lock(path, op, true);
}

int env_alloc_lock(const struct live *lv)
{
	char dir[ENV_PATH_MAX];

	envs_dir(lv, dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return errf(errno, "creating %s: %s", dir, strerror(errno));
	return topo_lock(lv, "envs/.alloc", LOCK_EX);
}

int env_builds_stop(const char *topo)
{
	char path[STATE_PATH_MAX + 16];
	int fd;

	path_state_dir(path, STATE_PATH_MAX, topo);
	strcat(path, "/.builds");
	fd = file_lock(path, LOCK_EX, false);
	return fd == -ENOENT ? 0 : fd; /* absent: no environment was ever made */
}

/* ---- the generation --------------------------------------------------
 * envs/.gen counts, under the alloc lock, every change an index of the
 * environments (env_index.h) must learn of: an environment made (bumped
 * before its directory and meta appear, so a maker killed half way still
 * counts) and an environment taken by an invoke, by any process. An
 * indexed process that finds the count as it left it knows its index is
 * whole; else it lists again. Removals need no count: an index meets a
 * removed environment when it tries its lock (gone) and forgets it, and
 * until then only keeps its id, e<k> and address from reuse. */
static void gen_path(const struct live *lv, char out[ENV_PATH_MAX])
{
	snprintf(out, ENV_PATH_MAX, "%s/envs/.gen", lv->dir);
}

long long env_gen_read(const struct live *lv, const struct env_kept *k)
{
	char path[ENV_PATH_MAX], buf[32] = "";
	int fd = k ? k->gen : -1;

	if (!k) {
		gen_path(lv, path);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0)
		return 0;
	if (pread(fd, buf, sizeof(buf) - 1, 0) < 0)
		buf[0] = '\0';
	if (!k)
		close(fd);
	return atoll(buf); /* an empty file (just made): 0 */
}

/* Under the alloc lock: the count + 1, written in place (fixed width). */
long long env_gen_bump(const struct live *lv, const struct env_kept *k)
{
	char path[ENV_PATH_MAX], buf[32];
	long long g = env_gen_read(lv, k) + 1;
	int fd = k ? k->gen : -1, n;

	if (!k) {
		gen_path(lv, path);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	n = snprintf(buf, sizeof(buf), "%020lld\n", g);
	if (fd < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		g = -1; /* unreadable: every index lists again */
	if (fd >= 0 && !k)
		close(fd);
	return g;
}

/* ---- the allocation's files kept open ----------------------------------
 * Opening envs/.alloc and envs/.gen by their paths cost serve four opens
 * and closes a warm invoke (2026-12-07: a third of its acquire in perf).
 * Kept, they are used under two checks. The pid: a forked child (the
 * static that holds them is copied) opens its own, for flock belongs to
 * the open file (a child using its parent's would share its lock) and a
 * child may have closed them, their numbers gone to other files; it never
 * closes its parent's. The link count, under the lock: `down` removes the
 * topology's folder (the kept files' count falls to 0) and an `up` of the
 * same name makes new files, opened again; nothing else unlinks or renames
 * them, so a count above 0 means the path still names the kept file. */
static void kept_close(struct env_kept *k)
{
	if (k->pid == getpid()) {
		if (k->alloc >= 0)
			close(k->alloc);
		if (k->gen >= 0)
			close(k->gen);
	}
	k->pid = 0;
	k->alloc = k->gen = -1;
}

static int kept_open(const struct live *lv, struct env_kept *k)
{
	char path[ENV_PATH_MAX];

	envs_dir(lv, path);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return errf(errno, "creating %s: %s", path, strerror(errno));
	strcat(path, "/.alloc");
	k->pid = getpid();
	k->alloc = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (k->alloc >= 0) {
		gen_path(lv, path);
		k->gen = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	if (k->gen < 0) {
		int err = errf(errno, "opening %s: %s", path, strerror(errno));

		kept_close(k);
		return err;
	}
	return 0;
}

static bool kept_removed(int fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 || st.st_nlink == 0;
}

int env_alloc_keep(const struct live *lv, struct env_kept *k)
{
	int fresh = 0, err;

	for (int tries = 0; tries < 4; tries++) {
		if (k->pid != getpid() || k->alloc < 0) {
			kept_close(k);
			if ((err = kept_open(lv, k)) < 0)
				return err;
			fresh = 1;
		}
		if (flock(k->alloc, LOCK_EX) < 0)
			return errf(errno, "locking %s/envs/.alloc: %s", lv->dir, strerror(errno));
		if (!kept_removed(k->alloc) && !kept_removed(k->gen))
			return fresh;
		kept_close(k); /* removed by a `down`: the lock goes with it */
	}
	return errf(EAGAIN, "locking %s/envs/.alloc: removed each time it was opened "
		    "(the topology going down and up again?)", lv->dir);
}

void env_alloc_leave(const struct env_kept *k)
{
	flock(k->alloc, LOCK_UN);
}

void env_alloc_forget(struct env_kept *k)
{
	kept_close(k);
}

/* Under the alloc lock: the id, place and meta of a new environment of
 * fn (u: what environments use now), its lock held. */
int env_reserve(const struct live *lv, const struct env_used *u, int fn,
		struct env_handle *h, struct attachment *a, long long *gen)
{
	const struct function *f = &lv->L.t->functions[fn];
	char dir[ENV_PATH_MAX];
	int err;

	memset(h, 0, sizeof(*h));
	h->lock_fd = -1;
	snprintf(h->m.function, sizeof(h->m.function), "%s", f->name);
	err = next_id(lv, u, f->name, h->m.id);
	if (!err)
		err = env_place(lv, u, fn, &h->m, a);
	if (err < 0)
		return err;
	*gen = env_gen_bump(lv, u->kept);
	ns_name(h->m.netns, sizeof(h->m.netns), lv->name, "env", h->m.id, NULL, NULL);
	h->m.created = (long long)time(NULL);
	env_file(lv, h->m.id, "", dir);
	if (mkdir(dir, 0700) < 0)
		return errf(errno, "creating %s: %s", dir, strerror(errno));
	h->lock_fd = lock_create(lv, h->m.id);
	err = h->lock_fd < 0 ? h->lock_fd : meta_write(lv, &h->m);
	if (err < 0) {
		env_destroy(lv, &h->m);
		env_release(h);
	}
	return err;
}

/* After env_reserve, outside the alloc lock: the network, cgroup and /tmp
 * of h's environment, beside other builds (t0: when the cold start began). */
int env_build(const struct live *lv, int fn, struct env_handle *h,
	      const struct attachment *a, double t0)
{
	int builds = topo_lock(lv, ".builds", LOCK_SH), err;

	err = builds < 0 ? builds : !state_is_up(lv->name) ?
		errf(ESHUTDOWN, "topology %s is going down", lv->name) : build(lv, fn, &h->m, a);
	if (builds >= 0)
		close(builds);
	if (err < 0) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", err_msg());
		env_destroy(lv, &h->m);
		env_release(h);
		return errf(err, "creating environment %s of %s: %s", h->m.id,
			    lv->L.t->functions[fn].name, msg);
	}
	h->cold = true;
	h->init_ms = now_ms() - t0;
	return 0;
}

int env_create(const struct live *lv, int fn, struct env_handle *h)
{
	long long gen;
	double t0 = now_ms();
	struct attachment a;
	struct env_set s;
	int alloc = env_alloc_lock(lv), err;

	if (alloc < 0)
		return alloc;
	err = env_list(lv, &s);
	if (!err)
		err = env_reserve(lv, &(struct env_used){ .s = &s }, fn, h, &a, &gen);
	env_set_free(&s);
	close(alloc);
	return err < 0 ? err : env_build(lv, fn, h, &a, t0);
}

int env_destroy(const struct live *lv, const struct env_meta *m)
{
	char path[ENV_PATH_MAX + 16];
	int first = 0, err;

	/* Lambda's shutdown phase first, while the network is there. */
	env_file(lv, m->id, "", path);
	supervisor_stop(path);
	supervisor_kill(path); /* one that did not end (stopped, wedged) */
	if (m->mode == ENV_PER_SANDBOX && m->vpc >= 0 && m->vpc < lv->L.t->n_vpcs) {
		struct attachment a;

		att_of_meta(lv, m, &a);
		/* The address may go to another function next: no ENI may
		 * keep a flow with it that would pass that function's group. */
		vpc_dp_eni_leave(&lv->L, &a);
		err_clear();
	}
	/* A new environment skips an e<k> that still lingers (env_place). */
	first = eni_detach(m->router, m->netns, m->ip, IFINDEX_ATT_BASE + m->k);
	env_file(lv, m->id, "meta", path);
	unlink(path);
	env_registry_forget(lv, m->id);
	if (m->mode == ENV_PER_SANDBOX && (err = dns_publish(lv)) < 0)
		first = first ? first : err;
	err = sandbox_destroy(lv->name, m->id);
	first = first ? first : err;
	env_file(lv, m->id, "", path);
	supervisor_files_remove(path);
	rmdir(path);
	return first;
}

int env_destroy_idle(const struct live *lv, const struct env_meta *m)
{
	int fd = env_lock_try(lv, m->id), err;

	if (fd < 0)
		return fd == -EBUSY || fd == -ENOENT ? (err_clear(), fd) : fd;
	err = env_destroy(lv, m);
	close(fd);
	return err;
}

void env_release(struct env_handle *h)
{
	if (h->lock_fd >= 0) {
		futimens(h->lock_fd, NULL); /* last used: idle reclaim's order */
		close(h->lock_fd);
		/* After the close: an acquire that finds it idle in the
		 * registry then finds its lock free too. */
		if (h->indexed)
			env_registry_release(h);
	}
	h->lock_fd = -1;
}

/* What every reservation takes out of the account's concurrency. */
static int reserved_total(const struct topology *t)
{
	int sum = 0;

	for (int i = 0; i < t->n_functions; i++)
		sum += t->functions[i].reserved_concurrency > 0 ? t->functions[i].reserved_concurrency : 0;
	return sum;
}

bool env_limits_over(const struct live *lv, int fn, int busy_fn, int busy_unreserved)
{
	const struct topology *t = lv->L.t;
	const struct function *f = &t->functions[fn];

	if (f->reserved_concurrency >= 0)
		return busy_fn >= f->reserved_concurrency;
	return busy_unreserved >= t->concurrency_limit - reserved_total(t);
}

int env_limits_refuse(const struct live *lv, int fn, int busy_fn, int busy_unreserved)
{
	const struct topology *t = lv->L.t;
	const struct function *f = &t->functions[fn];
	int reserved = reserved_total(t);

	if (!env_limits_over(lv, fn, busy_fn, busy_unreserved))
		return 0;
	if (f->reserved_concurrency >= 0)
		return errf(EAGAIN, "TooManyRequestsException: Rate Exceeded. (function %s has "
			    "reserved_concurrency %d, all in use)", f->name,
			    f->reserved_concurrency);
	if (!reserved)
		return errf(EAGAIN, "TooManyRequestsException: Rate Exceeded. (%d concurrent "
			    "executions, the account's concurrency_limit)", busy_unreserved);
	return errf(EAGAIN, "TooManyRequestsException: Rate Exceeded. (%d concurrent executions "
		    "of unreserved functions: the account's concurrency_limit %d less the %d that "
		    "functions reserve)", busy_unreserved, t->concurrency_limit, reserved);
}

/* Whether an environment of function `name` counts in the unreserved
 * pool (no reservation; a function no longer in the topology too). */
static bool fn_unreserved(const struct live *lv, const char *name)
{
	int fn = layout_find_function(&lv->L, name);

	return fn < 0 || lv->L.t->functions[fn].reserved_concurrency < 0;
}

/* Under the alloc lock: the account's and the function's limits. */
static int limits_check(const struct live *lv, const struct env_set *s, int fn)
{
	const char *name = lv->L.t->functions[fn].name;
	int busy_fn = 0, busy_unreserved = 0;

	for (int i = 0; i < s->n; i++) {
		if (!s->e[i].busy)
			continue;
		busy_fn += !strcmp(s->e[i].function, name);
		busy_unreserved += fn_unreserved(lv, s->e[i].function);
	}
	return env_limits_refuse(lv, fn, busy_fn, busy_unreserved);
}

/* Under the alloc lock: an idle environment of fn, held (1), or 0. */
static int pick_idle(const struct live *lv, const struct env_set *s, int fn,
		     struct env_handle *h)
{
	const char *name = lv->L.t->functions[fn].name;

	for (int i = 0; i < s->n; i++) {
		const struct env_meta *m = &s->e[i];
		int fd;

		if (m->busy || strcmp(m->function, name))
			continue;
		fd = env_lock_try(lv, m->id);
		if (fd < 0)
			continue;
		if (!netns_exists(m->netns)) { /* broken by a crash: replace it */
			env_destroy(lv, m);
			close(fd);
			err_clear();
			continue;
		}
		h->m = *m;
		h->lock_fd = fd;
		env_gen_bump(lv, NULL); /* taken: indexes count it busy */
		return 1;
	}
	return 0;
}

int env_acquire(const struct live *lv, int fn, bool limits, struct env_handle *h)
{
	double t0 = now_ms();
	struct attachment a;
	struct env_set s;
	long long gen;
	int alloc, err, warm = 0;

	if (env_registry_on(lv))
		return env_registry_acquire(lv, fn, limits, h);
	memset(h, 0, sizeof(*h));
	h->lock_fd = -1;
	if ((alloc = env_alloc_lock(lv)) < 0)
		return alloc;
	err = env_list(lv, &s);
	if (!err && limits)
		err = limits_check(lv, &s, fn);
	if (!err)
		warm = pick_idle(lv, &s, fn, h);
	if (!err && !warm)
		err = env_reserve(lv, &(struct env_used){ .s = &s }, fn, h, &a, &gen);
	env_set_free(&s);
	close(alloc);
	if (err < 0 || warm)
		return err;
	return env_build(lv, fn, h, &a, t0);
}

/* Environments whose supervisor reclaimed them for idleness: each
 * removed under its own lock (one an invoke took meanwhile is left). */
void env_reap_reclaimed(const struct live *lv)
{
	char path[ENV_PATH_MAX];
	struct env_set s;

	if (env_registry_on(lv)) {
		env_registry_reap(lv);
		return;
	}
	if (env_list(lv, &s) < 0) {
		err_clear();
		return;
	}
	for (int i = 0; i < s.n; i++) {
		int fd;

		env_file(lv, s.e[i].id, SUP_RECLAIMED, path);
		if (s.e[i].busy || access(path, F_OK) < 0 || (fd = env_lock_try(lv, s.e[i].id)) < 0)
			continue;
		env_destroy(lv, &s.e[i]);
		close(fd);
	}
	env_set_free(&s);
	err_clear();
}

int env_take(const struct live *lv, int fn, struct env_handle *h)
{
	int err = state_lock();

	if (err < 0)
		return err;
	err = env_acquire(lv, fn, false, h);
	state_unlock();
	return err;
}

int env_vpc_enis(const struct live *lv, int vpc, struct attachment **out, int *n)
{
	struct env_set s;
	int err = env_list(lv, &s);

	*out = NULL;
	*n = 0;
	if (err < 0)
		return err;
	*out = calloc((size_t)s.n + 1, sizeof(**out));
	if (!*out) {
		env_set_free(&s);
		return errf(ENOMEM, "environment ENIs");
	}
	for (int i = 0; i < s.n; i++)
		if (s.e[i].mode == ENV_PER_SANDBOX && s.e[i].vpc == vpc)
			att_of_meta(lv, &s.e[i], &(*out)[(*n)++]);
	env_set_free(&s);
	return 0;
}
