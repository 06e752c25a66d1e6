/* Lambda execution environments: everything of one but its network.
 *
 * An environment of topology TOPO named ENV is a cgroup holding its memory
 * limit (see cgroup.h) and a tmpfs of ephemeral_storage_mb mounted at
 * /run/vpcsim/TOPO/envs/ENV/tmp, which every invoke sees as /tmp, so files
 * survive between warm invokes as on Lambda. Its network namespace (with
 * the ENI) is made by someone else; an invoke gets its name.
 *
 * An invoke runs one command in the node's network namespace, as PID 1 of
 * a new PID namespace, in its own session (no controlling terminal), in a
 * jail (kernel/jail.h: the host's system folders read-only, the node's
 * /etc/netns files, its own /proc, /dev and /dev/shm, the environment's
 * /tmp, nothing of /run, /var, /home), in the cgroup, as the environment's
 * own uid (sandbox_uid()) with no capabilities (bounding set emptied) and
 * PR_SET_NO_NEW_PRIVS, the payload on stdin, Lambda's environment
 * variables, stdout and stderr through pipes that vpcsim copies to its
 * own (kernel/relay.h), every other descriptor closed. At the
 * timeout, or when the kernel's OOM killer ends a process of it, the whole
 * environment's process tree is killed; processes the command leaves
 * behind are killed when it returns (Lambda would freeze them instead).
 *
 * The functions are for one process, not thread-safe (they fork). */
#ifndef VPCSIM_SANDBOX_H
#define VPCSIM_SANDBOX_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "kernel/jail.h"    /* struct jail_bind */
#include "lambda/fn_aws.h"  /* struct fn_aws */
#include "model/topology.h" /* struct env_var */

/* Lambda's bounds are the topology checker's business; these only need
 * to be positive. */
/* CPU in proportion to memory, as Lambda: "At 1,769 MB, a function has the
 * equivalent of one vCPU", up to 6 vCPUs at 10,240 MB. */
#define LAMBDA_MB_PER_VCPU 1769
#define LAMBDA_VCPUS_MAX 6
/* The CPU share of a function of `memory_mb`, in thousandths of a vCPU
 * (128 MB: 72; 1,769 MB: 1000; 10,240 MB: 5788). Every environment's
 * cgroup gets it as CFS bandwidth (kernel/cgroup.h cgroup_set_cpu). */
long sandbox_millicpus(int memory_mb);

struct sandbox_limits {
	int memory_mb;
	int timeout_s;
	int ephemeral_storage_mb;
};

/* One environment: its topology, its name (1..63 bytes of [A-Za-z0-9._-]),
 * the network namespace it runs in, its limits. */
struct sandbox {
	const char *topo;
	const char *env_id;
	const char *netns;
	struct sandbox_limits limits;
	bool locked;               /* the caller holds ENVDIR/lock already
				    * (env.c does, from choosing the
				    * environment on); else the invoke
				    * takes it and fails if it is busy */
	const struct jail_bind *binds; /* extra read-only binds in the jail
				    * (e.g. code at /var/task), may be NULL */
	int n_binds;               /* at most JAIL_BINDS_MAX */
	const struct jail_union *layered; /* the function's layers at /opt, as
				    * its runtime sees them; NULL: none */
	bool beside_runtime;       /* exec into an environment whose Runtime
				    * API runtime lives in the group: leave it
				    * (and what the command starts) running,
				    * thaw the group for the command's time */
	const char *rootfs;        /* an image function's root: the command
				    * runs chrooted in it as the image's
				    * runtime does (lambda/codefs.h), not in
				    * the jail; binds and layered are not
				    * used. NULL:
				    * the jail */
	const char *workdir;       /* with rootfs: the folder it starts in
				    * (the image's WORKDIR), NULL: "/" */
	const struct fn_aws *aws;  /* the function's role keys and the CA
				    * bundle (bound at CODEFS_CA_BUNDLE in
				    * an image; the jail's bind is the
				    * caller's, in binds); NULL: none */
};

/* What the function's code sees. vars are the function's own variables;
 * a variable Lambda reserves (AWS_REGION, AWS_LAMBDA_*, AWS_ACCESS_KEY_ID,
 * TZ, ...) keeps Lambda's value, as Lambda refuses to let configuration
 * set it; sb->aws's CA variables are added unless vars set them. */
struct sandbox_env {
	const struct env_var *vars;
	int n;
	const char *function_name;
	const char *region;        /* NULL: "us-east-1" */
	const char *handler;       /* run by /bin/sh -c when argv is NULL;
				    * also exported as _HANDLER */
};

struct invoke_result {
	char request_id[37];       /* uuid v4, lower case */
	int exit_status;           /* the command's exit code, or -1 */
	int term_signal;           /* the signal that ended it, or 0 */
	bool timed_out;
	bool out_of_memory;        /* the OOM killer ended a process of it */
	double duration_ms;        /* command start to end; the timeout on a
				    * timeout, as Lambda reports it */
	long long billed_ms;       /* ceil(duration_ms): billed per 1 ms */
	double init_ms;            /* < 0: warm start, no Init Duration */
	int max_memory_used_mb;    /* peak of the cgroup during the invoke */
	int memory_mb;             /* the limits the invoke ran under, for */
	int timeout_s;             /* invoke_report_print() */
};

/* Make (or keep: idempotent) the environment's cgroup with the memory
 * limit, swap off for it, and its /tmp tmpfs. A second call with other
 * limits applies them to what exists, keeping /tmp's files. netns is not
 * used. Needs root. */
int sandbox_create(const struct sandbox *sb);

/* Kill whatever runs in the environment, remove its cgroups, unmount its
 * /tmp and remove its state folder. Absent parts are success. */
int sandbox_destroy(const char *topo, const char *env_id);

/* Destroy every environment of topology `topo` (NULL: of every topology)
 * found by its marks, whatever state survived: folders under
 * /run/vpcsim/TOPO/envs/ and groups under the vpcsim folders of the cgroup
 * hierarchies. For `down` and `clean`, before they remove /run/vpcsim/TOPO
 * (a mounted /tmp would make that fail). Returns how many environments it
 * destroyed, or the first error after trying them all. */
int sandbox_sweep(const char *topo);

/* Run one invocation in the environment made by sandbox_create(): argv
 * (PATH searched) or, when argv is NULL, `/bin/sh -c env->handler`, with
 * `payload` (may be NULL: empty) on stdin. init_ms is the cold start's
 * Init Duration the caller measured, < 0 for a warm start. Returns 0 when
 * the invoke ran, whatever its outcome (r says: exit status, timeout, out
 * of memory); < 0 when it could not run (err_msg() says why; a command
 * that does not exist is an exit status 127 with its message, as sh). */
int sandbox_invoke(const struct sandbox *sb, const struct sandbox_env *env,
		   const char *payload, char *const argv[], double init_ms,
		   struct invoke_result *r);

/* Run argv (PATH searched) in the environment as an invoke runs it (same
 * namespaces, jail, cgroup, uid, variables), without a timeout, with our
 * stdin relayed to it (/dev/null when reading it would stop us): for
 * `vpcsim exec` into a function. *status is its exit code, 128 + N when
 * signal N ended it. Returns 0 when it ran, < 0 when it could not. */
int sandbox_exec(const struct sandbox *sb, const struct sandbox_env *env,
		 char *const argv[], int *status);

/* The uid (and gid) the environment's processes run as, owner of its
 * /tmp: 0x70000000 + the low 24 bits of FNV-1a("TOPO/ENV"), a range no
 * distribution or systemd allocates; the same for the same names. */
uid_t sandbox_uid(const char *topo, const char *env_id);

/* Lambda's closing lines for the invoke: "Task timed out after N.NN
 * seconds" on a timeout, "Error: Runtime exited with error: signal:
 * killed" and a line naming the memory limit when memory ran out, then
 *   REPORT RequestId: ID\tDuration: X.XX ms\tBilled Duration: N ms\t
 *   Memory Size: M MB\tMax Memory Used: U MB[\tInit Duration: Z.ZZ ms]
 * (one line). */
void invoke_report_print(FILE *out, const struct invoke_result *r);

/* Lambda bills per 1 ms, rounding up: ceil(duration_ms), at least 1. */
long long invoke_billed_ms(double duration_ms);

/* A random request id, UUID v4, lower case. */
void sandbox_uuid_v4(char out[37]);

/* The /tmp mount point of an environment. */
void sandbox_tmp_dir(const char *topo, const char *env_id, char *out, size_t size);

#endif
