/* The executor: runs a plan's steps (model/plan.h) against the kernel and
 * journals every object that outlives its namespace (namespaces, files,
 * directories, processes, pins). Objects inside a namespace we created
 * (links, addresses, routes, rules, nftables tables) need no journal entry:
 * removing the namespace removes them. A failure at step k undoes the
 * journal in reverse, so nothing of the failed `up` remains. */
#ifndef VPCSIM_APPLY_H
#define VPCSIM_APPLY_H

#include "model/plan.h"
#include "state/journal.h"

struct apply_opts {
	const char *state_dir;   /* logs go to STATE_DIR/logs */
	int fail_at;             /* testing: step fail_at (1-based) fails; 0 none */
	int kill_at;             /* testing: SIGKILL ourselves right after step
				  * kill_at (1-based) is done; 0 none. A crash
				  * at that point, for the recovery tests. */
};

/* Run every step; on failure undo the journal and return the error with
 * "step K/N (description)" in the message. */
int plan_apply(const struct layout *L, const struct plan *P, struct journal *J,
	       const struct apply_opts *o);

#endif
