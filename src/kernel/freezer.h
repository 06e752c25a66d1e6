/* Freezing an environment's processes between invokes, as Lambda does:
 * nothing of the function runs while it is frozen.
 *
 * The group frozen is the one cgroup_open() tracks processes in: with
 * CG_KILL_V2 a cgroup2 group (cgroup.freeze, Linux >= 5.2; also in the
 * controller-less unified hierarchy of a hybrid host), with
 * CG_KILL_FREEZER the v1 freezer group (freezer.state). A host with
 * neither (CG_KILL_SIGNAL) cannot freeze: -ENOTSUP. */
#ifndef VPCSIM_FREEZER_H
#define VPCSIM_FREEZER_H

#include <stdbool.h>

#include "kernel/cgroup.h"

/* Freeze (or thaw) and wait up to 2 s until the kernel says it is done.
 * Errors name the control file. */
int cgroup_freeze(const struct cgroup *cg, bool frozen);
/* The same in two steps, so a caller does other work while the group's
 * processes stop: the freeze (or thaw) asked for, then, for a freeze,
 * the wait until every process has stopped. */
int cgroup_freeze_begin(const struct cgroup *cg, bool frozen);
int cgroup_freeze_wait(const struct cgroup *cg);

/* Whether the group is frozen now. */
bool cgroup_frozen(const struct cgroup *cg);

#endif
