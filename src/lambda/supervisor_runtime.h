/* The runtime process of an environment, started by the supervisor: in
 * the environment's cgroup, PID 1 of a new PID namespace with its own
 * /proc, in a mount namespace copied from the supervisor's (so /var/task,
 * /var/runtime and /tmp as codefs.h made them; chrooted into an image's
 * root), as the unprivileged sandbox user with no capabilities, stdin
 * /dev/null, stdout and stderr into one pipe, Lambda's variables (the
 * function's own first, reserved names dropped), killed if the
 * supervisor dies. */
#ifndef VPCSIM_SUPERVISOR_RUNTIME_H
#define VPCSIM_SUPERVISOR_RUNTIME_H

#include <stddef.h>
#include <sys/types.h>

#include "kernel/cgroup.h"
#include "lambda/supervisor.h"

struct runtime_proc {
	pid_t pid;
	int pidfd;                 /* readable when it ended */
	int out_fd;                /* its stdout+stderr, non-blocking */
};

/* Start c->argv; setup and exec failures are returned (err_msg()). */
int runtime_spawn(const struct sup_cfg *c, const struct cgroup *cg, struct runtime_proc *rp);

/* Start the external extension /opt/extensions/NAME as the runtime is
 * started (its own PID namespace), with the variables Lambda gives
 * extensions (not _HANDLER, LAMBDA_TASK_ROOT, ...), in /opt, its output
 * into out_w. */
int runtime_spawn_extension(const struct sup_cfg *c, const struct cgroup *cg, const char *name,
			    int out_w, struct runtime_proc *rp);

/* The names in /opt/extensions that are executable regular files (at
 * most max, sorted): the layers' own extensions folders, or an image's
 * /opt/extensions, read as root without following any symlink (a
 * symlinked entry is not started). */
int runtime_extensions(const struct sup_cfg *c, char names[][128], int max);

/* Reap the ended runtime; *how gets Lambda's wording ("exit status 1",
 * "signal: killed"). Returns the wait status. */
int runtime_reap(struct runtime_proc *rp, char *how, size_t size);

#endif
