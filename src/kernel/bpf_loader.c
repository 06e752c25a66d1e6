/* The data plane's life cycle in the kernel: load and pin, open pins, fill
 * maps, unpin (attaching: kernel/eni.c). See kernel/bpf_loader.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/magic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel/bpf_loader.h"
#include "util/err.h"
#include "util/fs.h"

#include "dataplane.skel.h"

#define DP_NAME_MAP(id, name) [DP_MAP_##id] = #name,
#define DP_NAME_PROG(id, name) [DP_PROG_##id] = #name,
const char *const dp_map_names[DP_MAP__COUNT] = { DP_MAPS(DP_NAME_MAP) };
const char *const dp_prog_names[DP_PROG__COUNT] = { DP_PROGS(DP_NAME_PROG) };

/* The skeleton's handle of map or program i. */
static struct bpf_map *skel_map(struct dataplane_bpf *s, int i)
{
#define DP_SKEL_MAP(id, name) [DP_MAP_##id] = s->maps.name,
	struct bpf_map *m[DP_MAP__COUNT] = { DP_MAPS(DP_SKEL_MAP) };

	return m[i];
}

static struct bpf_program *skel_prog(struct dataplane_bpf *s, int i)
{
#define DP_SKEL_PROG(id, name) [DP_PROG_##id] = s->progs.name,
	struct bpf_program *p[DP_PROG__COUNT] = { DP_PROGS(DP_SKEL_PROG) };

	return p[i];
}

static struct dataplane *dp_new(const char *pin_dir)
{
	struct dataplane *dp = calloc(1, sizeof(*dp));

	if (!dp)
		return NULL;
	for (int i = 0; i < DP_MAP__COUNT; i++)
		dp->map_fd[i] = -1;
	for (int i = 0; i < DP_PROG__COUNT; i++)
		dp->prog_fd[i] = -1;
	snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s", pin_dir);
	return dp;
}

void dp_close(struct dataplane *dp)
{
	if (!dp)
		return;
	if (dp->skel) {
		dataplane_bpf__destroy(dp->skel);  /* owns the fds */
	} else {
		for (int i = 0; i < DP_MAP__COUNT; i++)
			if (dp->map_fd[i] >= 0)
				close(dp->map_fd[i]);
		for (int i = 0; i < DP_PROG__COUNT; i++)
			if (dp->prog_fd[i] >= 0)
				close(dp->prog_fd[i]);
	}
	free(dp);
}

int dp_bpffs_ensure(void)
{
	struct statfs st;

	if (statfs(DP_BPFFS, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", DP_BPFFS, "bpf", 0, "mode=0700"))
		return errf(errno, "mounting bpffs at %s: %s", DP_BPFFS,
			    strerror(errno));
	return 0;
}

static int pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	if (snprintf(buf, len, "%s/%s", dir, name) >= (int)len)
		return errf(ENAMETOOLONG, "pin path %s/%s too long", dir, name);
	return 0;
}

/* bpffs mounted, pin_dir made, and no data plane pinned there yet. */
static int pin_dir_ready(const char *pin_dir)
{
	char path[320];
	int rc;

	if ((rc = dp_bpffs_ensure()) || (rc = mkdir_p(pin_dir, 0700)))
		return rc;
	rc = pin_path(path, sizeof(path), pin_dir, dp_map_names[DP_MAP_ENIS]);
	if (rc)
		return rc;
	if (access(path, F_OK) == 0)
		return errf(EEXIST, "loading the data plane into %s: already pinned there",
			    pin_dir);
	return 0;
}

/* libbpf pins every map as it creates it (and unpins them if the load
 * fails): PIN_DIR/<map name>. */
static int maps_pin_at_load(struct dataplane *dp)
{
	char path[320];
	int rc;

	for (int i = 0; i < DP_MAP__COUNT; i++) {
		if ((rc = pin_path(path, sizeof(path), dp->pin_dir, dp_map_names[i])))
			return rc;
		rc = bpf_map__set_pin_path(skel_map(dp->skel, i), path);
		if (rc)
			return errf(rc, "pinning map %s at %s: %s", dp_map_names[i],
				    path, strerror(-rc));
	}
	return 0;
}

/* The fds of the loaded maps and programs; libbpf pins every program at
 * PIN_DIR/<program name> (and removes them again if one fails). */
static int progs_pin(struct dataplane *dp)
{
	int rc;

	for (int i = 0; i < DP_MAP__COUNT; i++)
		dp->map_fd[i] = bpf_map__fd(skel_map(dp->skel, i));
	for (int i = 0; i < DP_PROG__COUNT; i++)
		dp->prog_fd[i] = bpf_program__fd(skel_prog(dp->skel, i));
	rc = bpf_object__pin_programs(dp->skel->obj, dp->pin_dir);
	if (rc)
		return errf(rc, "pinning the data plane programs in %s: %s",
			    dp->pin_dir, strerror(-rc));
	return 0;
}

int dp_load(uint32_t vpc_id, uint32_t dns_ip, uint32_t vpc_net, uint8_t vpc_len,
	    const char *pin_dir, struct dataplane **out)
{
	struct dataplane *dp;
	int rc;

	if ((rc = pin_dir_ready(pin_dir)))
		return rc;
	dp = dp_new(pin_dir);
	if (!dp)
		return errf(ENOMEM, "loading the data plane");
	dp->skel = dataplane_bpf__open();
	if (!dp->skel) {
		rc = errf(errno, "opening the data plane BPF object: %s",
			  strerror(errno));
		goto fail;
	}
	dp->skel->rodata->vpc_id = vpc_id;
	dp->skel->rodata->vpc_dns_ip = htonl(dns_ip);
	{
		uint32_t mask = vpc_len ? ~0u << (32 - vpc_len) : 0;

		dp->skel->rodata->vpc_net = htonl(vpc_net & mask);
		dp->skel->rodata->vpc_mask = htonl(mask);
	}
	if ((rc = maps_pin_at_load(dp)))
		goto fail;
	rc = dataplane_bpf__load(dp->skel);
	if (rc) {
		rc = errf(rc, "loading the data plane BPF programs for VPC %u (verifier log above): %s",
			  vpc_id, strerror(-rc));
		goto fail;
	}
	if ((rc = progs_pin(dp)))
		goto fail_unpin;
	*out = dp;
	return 0;

fail_unpin:
	dp_unpin(pin_dir);
fail:
	dp_close(dp);
	rmdir(pin_dir);  /* only if empty: nothing of ours is left in it */
	return rc;
}

int dp_open(const char *pin_dir, struct dataplane **out)
{
	struct dataplane *dp = dp_new(pin_dir);
	char path[320];
	int rc;

	if (!dp)
		return errf(ENOMEM, "opening the data plane at %s", pin_dir);
	for (int i = 0; i < DP_MAP__COUNT + DP_PROG__COUNT; i++) {
		const char *name = i < DP_MAP__COUNT ? dp_map_names[i]
						     : dp_prog_names[i - DP_MAP__COUNT];
		int fd;

		if ((rc = pin_path(path, sizeof(path), pin_dir, name)))
			goto fail;
		fd = bpf_obj_get(path);
		if (fd < 0) {
			rc = errf(errno, "opening pinned %s: %s", path,
				  strerror(errno));
			goto fail;
		}
		if (i < DP_MAP__COUNT)
			dp->map_fd[i] = fd;
		else
			dp->prog_fd[i - DP_MAP__COUNT] = fd;
	}
	*out = dp;
	return 0;
fail:
	dp_close(dp);
	return rc;
}

int dp_unpin(const char *pin_dir)
{
	char path[320];
	int rc;

	for (int i = 0; i < DP_MAP__COUNT + DP_PROG__COUNT; i++) {
		const char *name = i < DP_MAP__COUNT ? dp_map_names[i]
						     : dp_prog_names[i - DP_MAP__COUNT];

		if ((rc = pin_path(path, sizeof(path), pin_dir, name)))
			return rc;
		if (unlink(path) && errno != ENOENT)
			return errf(errno, "unpinning %s: %s", path, strerror(errno));
	}
	if (rmdir(pin_dir) && errno != ENOENT)
		return errf(errno, "removing pin directory %s: %s%s", pin_dir,
			    strerror(errno),
			    errno == ENOTEMPTY ? " (holds files vpcsim did not pin; left alone)" : "");
	return 0;
}

static int map_index(const char *name)
{
	for (int i = 0; i < DP_MAP__COUNT; i++)
		if (!strcmp(dp_map_names[i], name))
			return i;
	return -1;
}

/* Offset of the dir byte (which carries the generation) in a policy map's
 * key, or -1 for the nacls array (generation in the index). */
static int key_dir_offset(int pm)
{
	switch (pm) {
	case PM_SG_CIDR:
		return offsetof(struct dp_sg_cidr_key, dir);
	case PM_SG_PEER:
		return offsetof(struct dp_sg_peer_key, dir);
	case PM_SG_PORT:
	case PM_NACL_PORT:
		return offsetof(struct dp_port_key, dir);
	case PM_NACL_CIDR:
		return offsetof(struct dp_nacl_cidr_key, dir);
	default:
		return -1;
	}
}

/* A compiled key (generation 0) moved to generation gen. */
static void key_in_gen(int pm, const uint8_t *key, size_t size, uint8_t gen,
		       uint8_t *out)
{
	int off = key_dir_offset(pm);

	memcpy(out, key, size);
	if (off >= 0) {
		out[off] = DP_KEY_DIR(key[off] & 1, gen);
	} else {
		uint32_t idx;

		memcpy(&idx, key, sizeof(idx));
		idx = DP_NACL_INDEX(idx % DP_NACLS_MAX, gen);
		memcpy(out, &idx, sizeof(idx));
	}
}

/* Zeroes the NACL array entries of generation gen. The array is read in
 * one batch: a lookup per slot would cost thousands of syscalls per write. */
static int nacls_purge(struct dataplane *dp, int fd, uint8_t gen)
{
	static uint32_t keys[2 * DP_NACLS_MAX];
	static struct dp_nacl vals[2 * DP_NACLS_MAX];
	struct dp_nacl zero = { { 0, 0 } };
	uint32_t count = 2 * DP_NACLS_MAX, out_batch;

	if (bpf_map_lookup_batch(fd, NULL, &out_batch, keys, vals, &count, NULL) &&
	    errno != ENOENT)
		return errf(errno, "reading %s/nacls: %s", dp->pin_dir, strerror(errno));
	for (uint32_t i = 0; i < count; i++) {
		if (DP_NACL_INDEX(keys[i] % DP_NACLS_MAX, gen) != keys[i] ||
		    !(vals[i].allow_mask[0] || vals[i].allow_mask[1]))
			continue;
		if (bpf_map_update_elem(fd, &keys[i], &zero, BPF_ANY))
			return errf(errno, "clearing %s/nacls[%u]: %s", dp->pin_dir, keys[i],
				    strerror(errno));
	}
	return 0;
}

/* Deletes every entry of generation gen from the policy maps. */
static int policy_gen_purge(struct dataplane *dp, uint8_t gen)
{
	for (int pm = 0; pm < PM__COUNT; pm++) {
		int fd = dp->map_fd[map_index(policy_map_names[pm])];
		int off = key_dir_offset(pm), n = 0, cap = 0, rc = 0;
		uint8_t cur[16], next[16], *doomed = NULL;
		size_t ks = policy_map_key_size(pm);
		void *prev = NULL;

		if (off < 0) {
			rc = nacls_purge(dp, fd, gen);
			if (rc)
				return rc;
			continue;
		}
		while (bpf_map_get_next_key(fd, prev, next) == 0) {
			if (DP_KEY_GEN(next[off]) == gen) {
				if (n == cap) {
					uint8_t *grown;

					cap = cap ? 2 * cap : 256;
					grown = realloc(doomed, cap * ks);
					if (!grown) {
						free(doomed);
						return errf(ENOMEM, "purging %s",
							    policy_map_names[pm]);
					}
					doomed = grown;
				}
				memcpy(doomed + n++ * ks, next, ks);
			}
			memcpy(cur, next, ks);
			prev = cur;
		}
		for (int i = 0; i < n && !rc; i++)
			if (bpf_map_delete_elem(fd, doomed + i * ks) && errno != ENOENT)
				rc = errf(errno, "deleting an old entry of %s/%s: %s",
					  dp->pin_dir, policy_map_names[pm],
					  strerror(errno));
		free(doomed);
		if (rc)
			return rc;
	}
	return 0;
}

int dp_policy_write(struct dataplane *dp, const struct policy *p)
{
	uint32_t zero = 0, cur = 0, next;
	int rc;

	if (bpf_map_lookup_elem(dp->map_fd[DP_MAP_POLICY_GEN], &zero, &cur))
		return errf(errno, "reading %s/policy_gen: %s", dp->pin_dir,
			    strerror(errno));
	cur &= 1;
	next = cur ^ 1;
	/* leftovers of a write that failed half way */
	rc = policy_gen_purge(dp, (uint8_t)next);
	if (rc)
		return rc;
	for (int i = 0; i < PM__COUNT; i++) {
		const struct policy_map *m = &p->maps[i];
		int fd = dp->map_fd[map_index(policy_map_names[i])];
		uint8_t key[16];

		for (int k = 0; k < m->n; k++) {
			key_in_gen(i, m->keys + k * m->key_size, m->key_size,
				   (uint8_t)next, key);
			if (bpf_map_update_elem(fd, key, m->values + k * m->value_size,
						BPF_ANY))
				return errf(errno, "writing entry %d of map %s in %s: %s",
					    k, policy_map_names[i], dp->pin_dir,
					    strerror(errno));
		}
	}
	if (bpf_map_update_elem(dp->map_fd[DP_MAP_POLICY_GEN], &zero, &next, BPF_ANY))
		return errf(errno, "switching %s/policy_gen to %u: %s", dp->pin_dir,
			    next, strerror(errno));
	/* A program that read the old generation finishes within microseconds;
	 * nothing in user space can wait for it exactly, so give it 2 ms. */
	usleep(2000);
	return policy_gen_purge(dp, (uint8_t)cur);
}

/* A new, empty tracking table of `allowance` entries (0: the default):
 * an fd, or -errno with a message. */
static int ct_table_new(uint32_t ifindex, uint32_t allowance)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd;

	if (!allowance)
		allowance = DP_CT_ALLOWANCE_DEFAULT;
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "ct_eni", sizeof(struct dp_ct_key),
			    sizeof(struct dp_ct_val), allowance, &opts);
	if (fd < 0)
		return errf(errno, "creating the tracking table of ifindex %u (%u entries): %s",
			    ifindex, allowance, strerror(errno));
	return fd;
}

static bool ct_table_exists(struct dataplane *dp, uint32_t ifindex)
{
	uint32_t id;

	return bpf_map_lookup_elem(dp->map_fd[DP_MAP_CT_ENIS], &ifindex, &id) == 0;
}

static int ct_table_fd(struct dataplane *dp, uint32_t ifindex);

/* Give ENI ifindex a tracking table of `allowance` entries unless it has
 * one of that size (one kept from an earlier ENI of the ifindex may have
 * another: it is replaced). */
static int ct_table_ensure(struct dataplane *dp, uint32_t ifindex, uint32_t allowance)
{
	int fd = ct_table_fd(dp, ifindex), rc = 0;

	if (!allowance)
		allowance = DP_CT_ALLOWANCE_DEFAULT;
	if (fd >= 0) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);

		rc = bpf_obj_get_info_by_fd(fd, &info, &len);
		close(fd);
		if (rc == 0 && info.max_entries == allowance)
			return 0;
		rc = 0;
	}
	fd = ct_table_new(ifindex, allowance);
	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(dp->map_fd[DP_MAP_CT_ENIS], &ifindex, &fd, BPF_ANY))
		rc = errf(errno, "adding the tracking table of ifindex %u to %s/ct_enis: %s",
			  ifindex, dp->pin_dir, strerror(errno));
	close(fd);
	return rc;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int dp_ct_tables_add(struct dataplane *dp, const uint32_t *ifindex, int n, uint32_t allowance)
{
	/* Batches take no BPF_NOEXIST (only BPF_F_LOCK): tables that exist
	 * are left out below instead. */
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint32_t *keys = calloc((size_t)n + 1, sizeof(*keys));
	int *fds = calloc((size_t)n + 1, sizeof(*fds));
	__u32 count = 0;
	int rc = 0;

	if (!keys || !fds) {
		free(keys);
		free(fds);
		return errf(ENOMEM, "making %d tracking tables in %s", n, dp->pin_dir);
	}
	memcpy(keys, ifindex, (size_t)n * sizeof(*keys));
	qsort(keys, (size_t)n, sizeof(*keys), u32_cmp);
	for (int i = 0; i < n && !rc; i++) {
		uint32_t k = keys[i];

		if ((count && keys[count - 1] == k) || ct_table_exists(dp, k))
			continue;
		fds[count] = ct_table_new(k, allowance);
		if (fds[count] < 0)
			rc = fds[count];
		else
			keys[count++] = k;
	}
	if (!rc && count) {
		__u32 done = count;

		/* One grace period for the whole batch. */
		if (bpf_map_update_batch(dp->map_fd[DP_MAP_CT_ENIS], keys, fds, &done, &opts))
			rc = errf(errno, "adding %u tracking tables to %s/ct_enis "
				  "(%u added, then ifindex %u): %s", count, dp->pin_dir, done,
				  keys[done < count ? done : count - 1], strerror(errno));
	}
	/* ct_enis holds its own references; ours go. */
	for (__u32 i = 0; i < count; i++)
		close(fds[i]);
	free(keys);
	free(fds);
	return rc;
}

static int ct_table_empty(struct dataplane *dp, uint32_t ifindex);

int dp_eni_add(struct dataplane *dp, uint32_t ifindex, const struct dp_eni *eni)
{
	struct dp_eni old;
	uint8_t used;
	int rc;

	if (eni->n_sgs > DP_MAX_SGS)
		return errf(E2BIG, "adding ENI %u: %u groups, at most %d",
			    eni->eni_id, eni->n_sgs, DP_MAX_SGS);
	if (eni->ct_allowance > DP_CT_ALLOWANCE_MAX)
		return errf(E2BIG, "adding ENI %u: tracking allowance %u, at most %u",
			    eni->eni_id, eni->ct_allowance, DP_CT_ALLOWANCE_MAX);
	/* An ENI that has its entry keeps its table and flows (a change of
	 * its groups). */
	if (bpf_map_lookup_elem(dp->map_fd[DP_MAP_ENIS], &ifindex, &old) == 0)
		goto entry;
	/* The table first: the programs drop new flows of an ENI without one. */
	rc = ct_table_ensure(dp, ifindex, eni->ct_allowance);
	if (rc)
		return rc;
	/* A new ENI on a kept table: empty it again if a packet the last
	 * ENI's programs were still handling added an entry after
	 * dp_eni_remove() emptied it (the programs marked it used). */
	if (bpf_map_lookup_elem(dp->map_fd[DP_MAP_CT_USED], &ifindex, &used) == 0 &&
	    (rc = ct_table_empty(dp, ifindex)) < 0)
		return rc;
entry:
	if (bpf_map_update_elem(dp->map_fd[DP_MAP_ENIS], &ifindex, eni, BPF_ANY))
		return errf(errno, "adding ENI %u (ifindex %u) to %s/enis: %s",
			    eni->eni_id, ifindex, dp->pin_dir, strerror(errno));
	return 0;
}

/* An fd of ENI ifindex's tracking table, or -errno (-ENOENT: none). */
static int ct_table_fd(struct dataplane *dp, uint32_t ifindex)
{
	uint32_t id;
	int fd;

	if (bpf_map_lookup_elem(dp->map_fd[DP_MAP_CT_ENIS], &ifindex, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}

int dp_ct_get(struct dataplane *dp, const struct dp_ct_key *key, struct dp_ct_val *out)
{
	int fd = ct_table_fd(dp, key->ifindex), rc = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, key, out))
		rc = -errno;
	close(fd);
	return rc;
}

int dp_ct_put(struct dataplane *dp, const struct dp_ct_key *key, const struct dp_ct_val *v)
{
	int fd = ct_table_fd(dp, key->ifindex), rc = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(fd, key, v, BPF_EXIST))
		rc = -errno;
	close(fd);
	return rc;
}

int dp_ct_count(struct dataplane *dp, uint32_t ifindex)
{
	struct dp_ct_key cur, next;
	int fd = ct_table_fd(dp, ifindex), n = 0;
	void *prev = NULL;

	if (fd < 0)
		return fd;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		cur = next;
		prev = &cur;
		n++;
	}
	close(fd);
	return n;
}

/* Calls fn(dp, table fd, ifindex, ctx) for every ENI's tracking table;
 * a non-zero return stops the walk and is returned. */
typedef int (*ct_table_fn)(struct dataplane *dp, int fd, uint32_t ifindex, void *ctx);
static int ct_tables_walk(struct dataplane *dp, ct_table_fn fn, void *ctx)
{
	/* Only the tables that ever got an entry (ct_used, marked by the
	 * programs): walking one visits all its buckets, 16,384 by default,
	 * even empty. Their ifindexes come in batches. */
	enum { BATCH = 256 };
	uint32_t keys[BATCH], token = 0;
	uint8_t used[BATCH];
	void *in = NULL;
	int rc = 0;

	for (bool more = true; more && !rc;) {
		__u32 n = BATCH;

		if (bpf_map_lookup_batch(dp->map_fd[DP_MAP_CT_USED], in, &token, keys, used,
					 &n, NULL)) {
			if (errno != ENOENT)
				return errf(errno, "reading %s/ct_used: %s", dp->pin_dir,
					    strerror(errno));
			more = false; /* the last batch; n says how many it holds */
		}
		in = &token;
		for (__u32 i = 0; i < n && !rc; i++) {
			int fd = ct_table_fd(dp, keys[i]);

			if (fd < 0)
				continue;  /* removed meanwhile */
			rc = fn(dp, fd, keys[i], ctx);
			close(fd);
		}
	}
	return rc;
}

/* Deletes the entries of table fd whose remote address is *remote_ip
 * (be32), or every entry when remote_ip is NULL; keys are collected first
 * (deleting while walking restarts the walk). The count deleted, or
 * -errno. */
static int ct_table_purge(int fd, uint32_t ifindex, const uint32_t *remote_ip)
{
	struct dp_ct_key cur, next, *keys = NULL;
	int n = 0, cap = 0, deleted = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		cur = next;
		prev = &cur;
		if (remote_ip && cur.remote_ip != *remote_ip)
			continue;
		if (n == cap) {
			struct dp_ct_key *grown;

			cap = cap ? cap * 2 : 16;
			grown = realloc(keys, (size_t)cap * sizeof(*keys));
			if (!grown) {
				free(keys);
				return errf(ENOMEM, "emptying ifindex %u's tracking table", ifindex);
			}
			keys = grown;
		}
		keys[n++] = cur;
	}
	for (int i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, &keys[i]) == 0)
			deleted++;
	free(keys);
	return deleted;
}

/* Empty ENI ifindex's tracking table, if it has one, and take it out of
 * ct_used. */
static int ct_table_empty(struct dataplane *dp, uint32_t ifindex)
{
	int fd = ct_table_fd(dp, ifindex), rc = 0;

	if (fd >= 0) {
		rc = ct_table_purge(fd, ifindex, NULL);
		close(fd);
	}
	if (rc < 0)
		return rc;
	bpf_map_delete_elem(dp->map_fd[DP_MAP_CT_USED], &ifindex);
	return 0;
}

static int forget_peer_in(struct dataplane *dp, int fd, uint32_t ifindex, void *ctx)
{
	struct { uint32_t ip; int deleted; } *c = ctx;
	int n = ct_table_purge(fd, ifindex, &c->ip);

	(void)dp;
	if (n < 0)
		return n;
	c->deleted += n;
	return 0;
}

int dp_ct_forget_peer(struct dataplane *dp, uint32_t ip)
{
	struct { uint32_t ip; int deleted; } c = { htonl(ip), 0 };
	int rc = ct_tables_walk(dp, forget_peer_in, &c);

	return rc < 0 ? rc : c.deleted;
}

int dp_eni_get(struct dataplane *dp, uint32_t ifindex, struct dp_eni *out)
{
	if (bpf_map_lookup_elem(dp->map_fd[DP_MAP_ENIS], &ifindex, out))
		return errf(errno, "reading ENI of ifindex %u from %s/enis: %s",
			    ifindex, dp->pin_dir, strerror(errno));
	return 0;
}

/* Deletes every entry of a map whose key starts with ifindex (ct and
 * flow_reject keys do). Keys are collected first: deleting while walking
 * would restart the walk. */
static int flush_ifindex(struct dataplane *dp, int map, uint32_t ifindex,
			 size_t key_size)
{
	int fd = dp->map_fd[map], n = 0, cap = 0, rc = 0;
	uint8_t *keys = NULL, cur[64], next[64];
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		uint32_t k;

		memcpy(&k, next, sizeof(k));
		if (k == ifindex) {
			if (n == cap) {
				uint8_t *grown;

				cap = cap ? cap * 2 : 64;
				grown = realloc(keys, cap * key_size);
				if (!grown) {
					free(keys);
					return errf(ENOMEM, "flushing %s", dp_map_names[map]);
				}
				keys = grown;
			}
			memcpy(keys + n++ * key_size, next, key_size);
		}
		memcpy(cur, next, key_size);
		prev = cur;
	}
	for (int i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, keys + i * key_size) && errno != ENOENT) {
			rc = errf(errno, "flushing ifindex %u from %s/%s: %s", ifindex,
				  dp->pin_dir, dp_map_names[map], strerror(errno));
			break;
		}
	free(keys);
	return rc;
}

int dp_eni_remove(struct dataplane *dp, uint32_t ifindex)
{
	int rc;

	if (bpf_map_delete_elem(dp->map_fd[DP_MAP_ENIS], &ifindex) &&
	    errno != ENOENT)
		return errf(errno, "removing ifindex %u from %s/enis: %s", ifindex,
			    dp->pin_dir, strerror(errno));
	/* The table stays, emptied, for the next ENI of this ifindex:
	 * removing it from the map of maps would cost a grace period
	 * (docs/KERNEL.md), and so would the next ENI's insertion. With the
	 * entry gone above, new packets find no ENI; one already past that
	 * lookup may still add an entry, which the next dp_eni_add() finds
	 * marked and empties. */
	rc = ct_table_empty(dp, ifindex);
	if (rc < 0)
		return rc;
	bpf_map_delete_elem(dp->map_fd[DP_MAP_CT_GC_LAST], &ifindex);
	rc = flush_ifindex(dp, DP_MAP_FLOW_REJECT, ifindex, sizeof(struct dp_flow_key));
	return rc;
}

int dp_member_set(struct dataplane *dp, uint32_t origin, uint32_t ip,
		  const uint16_t *groups, int n)
{
	struct dp_member_key key = { .origin = origin, .ip = htonl(ip) };
	struct dp_member m;

	if (n < 0 || n > DP_MAX_SGS)
		return errf(E2BIG, "setting groups of %08x: %d groups, at most %d",
			    ip, n, DP_MAX_SGS);
	memset(&m, 0, sizeof(m));
	m.n = (uint8_t)n;
	memcpy(m.groups, groups, n * sizeof(*groups));
	if (bpf_map_update_elem(dp->map_fd[DP_MAP_MEMBERS], &key, &m, BPF_ANY))
		return errf(errno, "setting groups of %u.%u.%u.%u (origin %u) in %s/members: %s",
			    ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255, origin,
			    dp->pin_dir, strerror(errno));
	return 0;
}

int dp_member_remove(struct dataplane *dp, uint32_t origin, uint32_t ip)
{
	struct dp_member_key key = { .origin = origin, .ip = htonl(ip) };

	if (bpf_map_delete_elem(dp->map_fd[DP_MAP_MEMBERS], &key) && errno != ENOENT)
		return errf(errno, "removing %u.%u.%u.%u (origin %u) from %s/members: %s",
			    ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255, origin,
			    dp->pin_dir, strerror(errno));
	return 0;
}

int dp_outside_link_add(struct dataplane *dp, uint32_t ifindex)
{
	uint8_t one = 1;

	if (bpf_map_update_elem(dp->map_fd[DP_MAP_OUTSIDE_LINKS], &ifindex, &one,
				BPF_ANY))
		return errf(errno, "adding outside link ifindex %u to %s: %s",
			    ifindex, dp->pin_dir, strerror(errno));
	return 0;
}

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17;
}

static uint32_t eni_id_of(struct dataplane *dp, uint32_t ifindex)
{
	struct dp_eni e;

	if (bpf_map_lookup_elem(dp->map_fd[DP_MAP_ENIS], &ifindex, &e))
		return 0;
	return e.eni_id;
}

/* Both directions of one conntrack entry. */
static int ct_records(struct dataplane *dp, const struct dp_ct_key *k,
		      const struct dp_ct_val *v, dp_flow_cb cb, void *ctx)
{
	struct dp_flow_record r;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	r.ifindex = k->ifindex;
	r.eni_id = eni_id_of(dp, k->ifindex);
	r.accept = true;
	r.proto = k->proto;
	r.first_ns = v->created_ns;
	r.last_ns = v->last_seen_ns;
	if (v->packets_out) {
		r.src = ntohl(k->local_ip);
		r.dst = ntohl(k->remote_ip);
		r.sport = has_ports(k->proto) ? ntohs(k->local_port) : 0;
		r.dport = has_ports(k->proto) ? ntohs(k->remote_port) : 0;
		r.packets = v->packets_out;
		r.bytes = v->bytes_out;
		rc = cb(&r, ctx);
	}
	if (!rc && v->packets_in) {
		r.src = ntohl(k->remote_ip);
		r.dst = ntohl(k->local_ip);
		r.sport = has_ports(k->proto) ? ntohs(k->remote_port) : 0;
		r.dport = has_ports(k->proto) ? ntohs(k->local_port) : 0;
		r.packets = v->packets_in;
		r.bytes = v->bytes_in;
		rc = cb(&r, ctx);
	}
	return rc;
}

static int reject_record(struct dataplane *dp, const struct dp_flow_key *k,
			 const struct dp_flow_val *v, dp_flow_cb cb, void *ctx)
{
	struct dp_flow_record r;

	memset(&r, 0, sizeof(r));
	r.ifindex = k->ifindex;
	r.eni_id = eni_id_of(dp, k->ifindex);
	r.proto = k->proto;
	r.src = ntohl(k->src);
	r.dst = ntohl(k->dst);
	r.sport = has_ports(k->proto) ? ntohs(k->sport) : 0;
	r.dport = has_ports(k->proto) ? ntohs(k->dport) : 0;
	r.packets = v->packets;
	r.bytes = v->bytes;
	r.first_ns = v->first_ns;
	r.last_ns = v->last_ns;
	return cb(&r, ctx);
}

struct flows_ctx {
	dp_flow_cb cb;
	void *ctx;
};

static int ct_table_records(struct dataplane *dp, int fd, uint32_t ifindex, void *ctx)
{
	struct flows_ctx *f = ctx;
	struct dp_ct_key cur, next;
	struct dp_ct_val val;
	void *prev = NULL;
	int rc;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		cur = next;
		prev = &cur;
		if (bpf_map_lookup_elem(fd, &cur, &val))
			continue;  /* expired meanwhile */
		rc = ct_records(dp, &cur, &val, f->cb, f->ctx);
		if (rc)
			return rc;
	}
	return 0;
}

int dp_flows_read(struct dataplane *dp, dp_flow_cb cb, void *ctx)
{
	struct flows_ctx f = { cb, ctx };
	int fd = dp->map_fd[DP_MAP_FLOW_REJECT], rc;
	struct dp_flow_key cur, next;
	struct dp_flow_val val;
	void *prev = NULL;

	rc = ct_tables_walk(dp, ct_table_records, &f);
	if (rc)
		return rc;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		cur = next;
		prev = &cur;
		if (bpf_map_lookup_elem(fd, &cur, &val))
			continue;  /* evicted meanwhile */
		rc = reject_record(dp, &cur, &val, cb, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

int dp_drop_counters_read(struct dataplane *dp,
			  struct dp_counter out[DP_DROP__MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	struct dp_counter *percpu;

	if (ncpu <= 0)
		return errf(ncpu ? ncpu : EINVAL, "counting possible CPUs");
	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return errf(ENOMEM, "reading drop counters");
	for (uint32_t r = 0; r < DP_DROP__MAX; r++) {
		out[r].packets = out[r].bytes = 0;
		if (bpf_map_lookup_elem(dp->map_fd[DP_MAP_DROP_COUNTERS], &r, percpu)) {
			int e = errno;

			free(percpu);
			return errf(e, "reading %s/drop_counters[%u]: %s",
				    dp->pin_dir, r, strerror(e));
		}
		for (int c = 0; c < ncpu; c++) {
			out[r].packets += percpu[c].packets;
			out[r].bytes += percpu[c].bytes;
		}
	}
	free(percpu);
	return 0;
}
