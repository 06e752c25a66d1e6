/* Freezing environments; see freezer.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernel/freezer.h"
#include "util/err.h"
#include "util/fs.h"

#define FREEZE_WAIT_MS 2000

/* The file that says whether the group is frozen, and the text that
 * means it is (v2: "frozen 1" in cgroup.events; v1: freezer.state). */
static bool state_is(const struct cgroup *cg, bool frozen)
{
	char path[CG_PATH_MAX + 32], buf[512];

	if (cg->kill == CG_KILL_V2) {
		snprintf(path, sizeof(path), "%s/cgroup.events", cg->track);
		if (file_get(path, buf, sizeof(buf)) < 0)
			return false;
		return strstr(buf, frozen ? "frozen 1" : "frozen 0") != NULL;
	}
	snprintf(path, sizeof(path), "%s/freezer.state", cg->track);
	if (file_get(path, buf, sizeof(buf)) < 0)
		return false;
	return !strncmp(buf, frozen ? "FROZEN" : "THAWED", 6);
}

bool cgroup_frozen(const struct cgroup *cg)
{
	if (cg->kill != CG_KILL_V2 && cg->kill != CG_KILL_FREEZER)
		return false;
	return state_is(cg, true);
}

int cgroup_freeze(const struct cgroup *cg, bool frozen)
{
	char path[CG_PATH_MAX + 32];
	struct timespec tick = { 0, 500000 };
	int err;

	if (cg->kill == CG_KILL_V2) {
		snprintf(path, sizeof(path), "%s/cgroup.freeze", cg->track);
		err = file_put(path, frozen ? "1" : "0");
	} else if (cg->kill == CG_KILL_FREEZER) {
		snprintf(path, sizeof(path), "%s/freezer.state", cg->track);
		err = file_put(path, frozen ? "FROZEN" : "THAWED");
	} else {
		return errf(ENOTSUP, "freezing %s: no cgroup2 group nor v1 freezer to freeze "
			    "it with", cg->mem);
	}
	if (err < 0)
		return errf(err, "writing %s to %s: %s", frozen ? "freeze" : "thaw", path,
			    strerror(-err));
	for (int waited = 0; !state_is(cg, frozen); waited++) {
		if (waited * 0.5 > FREEZE_WAIT_MS)
			return errf(ETIMEDOUT, "%s: the group did not become %s", path,
				    frozen ? "frozen" : "thawed");
		nanosleep(&tick, NULL);
	}
	return 0;
}
