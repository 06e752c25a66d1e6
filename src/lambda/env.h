/* Lambda execution environments with their network attachment, made on
 * demand by attach, invoke, probe and exec (functions get none at `up`).
 *
 * An environment ENV (id FN-N, N the lowest unused) of topology T lives in
 * /run/vpcsim/T/envs/ENV/: `meta` (what it is, below, as "key value"
 * lines), `lock` (an invoke holds flock(LOCK_EX) on it for its whole run:
 * busy = locked, and a killed invoke frees it by dying) and the sandbox's
 * /tmp (sandbox.h). Its network namespace is vpcsim-T.env.ENV (model/names.h), with a
 * veth whose far end e<k> sits in
 *   - the Lambda service router (functions without vpc_config): eth0 has
 *     an address of service_cidr;
 *   - the function's hyperplane node (hyperplane mode): eth0 has an address
 *     of service_cidr, and the hyperplane source-NATs it onto its ENI;
 *   - the VPC router (per-sandbox mode): eth0 is the environment's own
 *     ENI, an address of one of the function's subnets, with its entry in
 *     the VPC's BPF maps.
 * Addresses and k are the lowest free ones, not used by the layout nor by
 * another environment (read from the metas), so every choice happens
 * under the topology's allocation lock (envs/.alloc, held for the choice
 * and the meta's write only); the build (namespace, veth, cgroup, /tmp)
 * runs after it, beside other builds, holding a shared lock that `down`
 * takes exclusively (env_builds_stop). A per-sandbox environment changes
 * its VPC's data plane as `sg` does: its maker holds state_lock() too. */
#ifndef VPCSIM_ENV_H
#define VPCSIM_ENV_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include "model/layout.h"
#include "state/state.h"

#define ENV_ID_MAX 48

enum env_mode {
	ENV_SERVICE,               /* no vpc_config: Lambda service VPC */
	ENV_HYPERPLANE,
	ENV_PER_SANDBOX,
};

struct env_meta {
	char id[ENV_ID_MAX];
	char function[ENV_ID_MAX];
	enum env_mode mode;
	char netns[NETNS_NAME_MAX];
	char router[NETNS_NAME_MAX]; /* namespace of the far end e<k> */
	int k;                       /* e<k>, ifindex IFINDEX_ATT_BASE + k */
	uint32_t ip;
	char eni_id[ENI_ID_LEN];     /* per-sandbox, else "" */
	int vpc, subnet;             /* per-sandbox, else -1 */
	long long created;           /* unix time */
	bool busy;                   /* env_list(): an invoke holds it */
	long long last_used;         /* env_list(), idle ones: unix ms when
				      * an invoke last let it go (its lock's
				      * mtime, env_release) */
};

struct env_set {
	struct env_meta *e;
	int n;
};

/* Every environment of the topology, sorted by id, busy or not. */
int env_list(const struct live *lv, struct env_set *out);
/* Parse one environment's meta file ("KEY VALUE" lines, as written at
 * create) into *m (zeroed by the caller); -EINVAL unless it names a
 * function and a namespace. Fuzzed: tests/fuzz/fuzz_state.c. */
int env_meta_parse(FILE *f, struct env_meta *m);
void env_set_free(struct env_set *s);
const char *env_mode_str(enum env_mode m);

/* An environment held by this process: its lock is held until
 * env_release() (or the exit). */
struct env_handle {
	struct env_meta m;
	int lock_fd;
	bool indexed;              /* taken through this process's registry */
	bool cold;
	double init_ms;            /* cold: time to create it */
};

/* An idle environment of function fn, or a new one (state_lock() held
 * when fn's environments are per-sandbox ENIs).
 * With `limits`, the account's concurrency_limit and the function's
 * reserved_concurrency are checked first: -EAGAIN and a message starting
 * "TooManyRequestsException". A per-sandbox function whose subnets are
 * full: -ENOSPC, "SubnetIPAddressLimitReachedException". */
int env_acquire(const struct live *lv, int fn, bool limits, struct env_handle *h);
/* A new environment of fn (attach), held; state_lock() as env_acquire. */
int env_create(const struct live *lv, int fn, struct env_handle *h);
void env_release(struct env_handle *h);
/* Remove environment m unless an invoke holds it, deciding under its own
 * lock (taken without waiting, and held through the removal): a listing
 * that said idle may be old, and serve takes environments without the
 * topology lock. 0, -EBUSY (held: left as it is), -ENOENT (gone already),
 * or env_destroy()'s error. */
int env_destroy_idle(const struct live *lv, const struct env_meta *m);
/* Take environment id's lock without waiting and without making its file
 * (a removal under way must not find one made again, nor a symlink be
 * followed): its fd, -EBUSY (an invoke holds it), -ENOENT (removed, or
 * being removed), or another error with err_msg(). */
int env_lock_try(const struct live *lv, const char *id);
/* env_acquire() without limits, taking and releasing the topology lock
 * around it: what probe and exec from a function use. */
int env_take(const struct live *lv, int fn, struct env_handle *h);
/* Remove the environments whose supervisor reclaimed them for idleness
 * and that no invoke holds. */
void env_reap_reclaimed(const struct live *lv);
/* For `down`: wait for the builds of topo's environments under way and
 * let no other start (the lock lasts until the process exits). An fd
 * (or 0 when none was ever made), or < 0. */
int env_builds_stop(const char *topo);
/* Remove an environment: its network, its BPF entries, hosts file, cgroup,
 * /tmp and state. Absent parts are success. */
int env_destroy(const struct live *lv, const struct env_meta *m);

/* The per-sandbox ENIs of environments in VPC `vpc`, as attachments
 * (ifindex, ip, subnet, groups; node -1), malloc'ed: for `sg`, which
 * refreshes their entries as it does the layout's. */
int env_vpc_enis(const struct live *lv, int vpc, struct attachment **out, int *n);

/* The reason a function cannot get environments ("SubnetOutOfIPAddresses"),
 * or "" when none. */
void env_fn_state_reason(const struct live *lv, const char *fn, char *out, size_t len);

#endif
