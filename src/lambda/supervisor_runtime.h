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

/* Reap the ended runtime; *how gets Lambda's wording ("exit status 1",
 * "signal: killed"). Returns the wait status. */
int runtime_reap(struct runtime_proc *rp, char *how, size_t size);

#endif
