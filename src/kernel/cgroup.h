/* Control groups of execution environments: one per environment, under a
 * `vpcsim` folder of each hierarchy used, never anywhere else.
 *
 * The memory controller may sit on cgroup v2 (a pure-v2 host: the cgroup2
 * mount at /sys/fs/cgroup, or /sys/fs/cgroup/unified when it has memory) or
 * on cgroup v1 (/sys/fs/cgroup/memory, as on hybrid hosts); which one is
 * found at run time. Killing every process of an environment uses, in this
 * order of preference, v2's cgroup.kill (also on a hybrid host, in a
 * controller-less group of the v2 mount that mirrors the v1 one), the v1
 * freezer (freeze, SIGKILL each member, thaw), or SIGKILL to each member
 * until none is left. Every signal goes through a pidfd of a process that
 * was checked to be a member after the pidfd was opened, so a pid reused by
 * an outsider is never signalled. */
#ifndef VPCSIM_CGROUP_H
#define VPCSIM_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#define CG_PATH_MAX 256
#define CG_NAME_MAX 64  /* topology and environment names */

enum cg_kill {
	CG_KILL_AUTO = 0,  /* only for cgroup_force_kill(): no forcing */
	CG_KILL_V2,        /* write 1 to cgroup.kill (Linux >= 5.14) */
	CG_KILL_FREEZER,   /* v1 freezer: freeze, kill the members, thaw */
	CG_KILL_SIGNAL,    /* SIGKILL each member until the group is empty */
};

struct cgroup {
	int mem_version;           /* 1 or 2: where the memory controller is */
	char mem[CG_PATH_MAX];     /* the environment's memory cgroup */
	enum cg_kill kill;
	char track[CG_PATH_MAX];   /* the group cgroup_kill_all() empties:
				    * mem, a v2 group, or a v1 freezer group */
	char rel[CG_PATH_MAX];     /* "/vpcsim/TOPO/ENV", as /proc/PID/cgroup
				    * names it in every hierarchy */
	int peak_fd;               /* v2 memory.peak with a local reset, or -1 */
	int cpu_version;           /* 1 or 2: where the cpu controller is; 0 none */
	char cpu[CG_PATH_MAX];     /* the environment's cpu cgroup (may be mem) */
	/* Control files cgroup_keep_files() opened once, each used in place
	 * (pread, write) instead of opened by path on every use; only when
	 * `kept` (a zeroed struct keeps none), each -1 when it could not be. */
	bool kept;
	int freeze_fd;             /* cgroup.freeze, or v1 freezer.state */
	int state_fd;              /* cgroup.events, or v1 freezer.state */
	int oom_fd;                /* memory.events, or v1 memory.oom_control */
	int max_use_fd;            /* v1 memory.max_usage_in_bytes, or -1 */
};

/* Names that may become a cgroup or state directory: 1..CG_NAME_MAX-1
 * bytes of [A-Za-z0-9._-], not starting with '.'. */
bool cgroup_name_ok(const char *name);

/* Fill *cg for environment ENV of topology TOPO; with `create`, make the
 * groups (and the vpcsim/TOPO folders above them) if absent, else fail
 * with -ENOENT when they are missing. Errors name the path. */
int cgroup_open(const char *topo, const char *env, bool create, struct cgroup *cg);
/* Release what cgroup_open() and cgroup_keep_files() hold (the peak fd,
 * the kept files); the groups stay. */
void cgroup_close(struct cgroup *cg);
/* Keep the control files a warm invoke uses open (the freeze, the frozen
 * state, the OOM count, v1's peak), for a process that uses them on every
 * invoke (the supervisor): each use is then one pread or write, not a
 * path walk, an open and a close. A file that cannot be opened is used
 * by its path as before. */
void cgroup_keep_files(struct cgroup *cg);

/* memory.max / memory.limit_in_bytes = bytes, swap for the group off where
 * the kernel lets us (memory.swap.max = 0, memory.memsw.limit_in_bytes =
 * the limit, memory.swappiness = 0), so the limit bites. */
int cgroup_set_memory_limit(const struct cgroup *cg, long long bytes);

/* CPU bandwidth: `millicpus` thousandths of one CPU per period (Lambda's
 * share for the function's memory, lambda/sandbox.c), as v2 cpu.max
 * "QUOTA 100000" or v1 cpu.cfs_quota_us / cpu.cfs_period_us. The cpu
 * controller is looked for like the memory one: a cgroup2 mount that
 * offers it (passed down to the environment's group), else the v1
 * hierarchy at /sys/fs/cgroup/cpu. `millicpus` <= 0 lifts the limit.
 * -ENOTSUP, naming both, without one. */
int cgroup_set_cpu(const struct cgroup *cg, long millicpus);

/* Move the calling process into the environment's groups. Uses only
 * open/write/close: fine in a forked child. */
int cgroup_join(const struct cgroup *cg);

/* Move process `pid` (of the caller's PID namespace; 0: the caller) into
 * the environment's groups. On a v1 hierarchy the first move after a quiet
 * spell waits for an RCU grace period (cgroup_threadgroup_rwsem taken for
 * writing: 10 ms and more on a loaded machine), so a parent that moves
 * its child lets the child do its other work meanwhile. */
int cgroup_attach(const struct cgroup *cg, pid_t pid);

/* Restart the high-water mark of memory use (v1: write 0 to
 * memory.max_usage_in_bytes; v2: write "reset" to an fd of memory.peak,
 * Linux >= 6.12; older v2 kernels keep the peak since creation) and read
 * it back. */
int cgroup_peak_reset(struct cgroup *cg);
int cgroup_peak_read(const struct cgroup *cg, long long *bytes);

/* The memory the group holds now (v1 memory.usage_in_bytes, v2
 * memory.current): its processes' pages, its tmpfs, kernel objects
 * charged to it. */
int cgroup_usage_read(const struct cgroup *cg, long long *bytes);

/* How many processes of the group the OOM killer has ended so far
 * ("oom_kill" of memory.oom_control on v1, of memory.events on v2). */
int cgroup_oom_kills(const struct cgroup *cg, long long *n);


/* Kill every process of the environment and wait (up to 5 s) until the
 * group is empty. Touches nothing outside the group. */
int cgroup_kill_all(const struct cgroup *cg);

/* Kill what is left, remove the environment's groups, then the TOPO and
 * vpcsim folders when they are empty. Absent groups are success. */
int cgroup_remove(const char *topo, const char *env);

/* Tests only: use `how` instead of the best method found (CG_KILL_AUTO
 * restores the choice). A method the host lacks makes cgroup_open fail. */
void cgroup_force_kill(enum cg_kill how);

/* Tests only: take `dir` for a cgroup2 mount with the memory controller,
 * without looking at the file system type, so the v2 file handling can be
 * checked on a host whose memory controller is on v1. NULL: the real
 * hierarchies again. */
void cgroup_fake_v2_root(const char *dir);

#endif
