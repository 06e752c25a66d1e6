/* Freezing environments; see freezer.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernel/freezer.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/fs.h"

#define FREEZE_WAIT_MS 2000

/* The file that says whether the group is frozen, and the text that
 * means it is (v2: "frozen 1" in cgroup.events; v1: freezer.state). */
static bool state_is(const struct cgroup *cg, bool frozen)
{
	char path[CG_PATH_MAX + 32], buf[512];
	ssize_t r;

	if (cg->kept && cg->state_fd >= 0) { /* cgroup_keep_files() */
		if ((r = pread(cg->state_fd, buf, sizeof(buf) - 1, 0)) < 0)
			return false;
		buf[r] = '\0';
	} else {
		snprintf(path, sizeof(path), "%s/%s", cg->track,
			 cg->kill == CG_KILL_V2 ? "cgroup.events" : "freezer.state");
		if (file_get(path, buf, sizeof(buf)) < 0)
			return false;
	}
	if (cg->kill == CG_KILL_V2)
		return strstr(buf, frozen ? "frozen 1" : "frozen 0") != NULL;
	return !strncmp(buf, frozen ? "FROZEN" : "THAWED", 6);
}

/* The freeze or thaw written: to the kept file when there is one. */
static int freeze_put(const struct cgroup *cg, const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t w;

	if (!cg->kept || cg->freeze_fd < 0)
		return file_put(path, val);
	w = write(cg->freeze_fd, val, len);
	return w == (ssize_t)len ? 0 : w < 0 ? -errno : -EIO;
}

bool cgroup_frozen(const struct cgroup *cg)
{
	if (cg->kill != CG_KILL_V2 && cg->kill != CG_KILL_FREEZER)
		return false;
	return state_is(cg, true);
}

int cgroup_freeze_begin(const struct cgroup *cg, bool frozen)
{
	char path[CG_PATH_MAX + 32];
	int err;

	if (cg->kill == CG_KILL_V2) {
		snprintf(path, sizeof(path), "%s/cgroup.freeze", cg->track);
		err = freeze_put(cg, path, frozen ? "1" : "0");
	} else if (cg->kill == CG_KILL_FREEZER) {
		snprintf(path, sizeof(path), "%s/freezer.state", cg->track);
		err = freeze_put(cg, path, frozen ? "FROZEN" : "THAWED");
	} else {
		return errf(ENOTSUP, "freezing %s: no cgroup2 group nor v1 freezer to freeze "
			    "it with", cg->mem);
	}
	if (err < 0)
		return errf(err, "writing %s to %s: %s", frozen ? "freeze" : "thaw", path,
			    strerror(-err));
	return 0;
}

/* Frozen once every process of the group has stopped. With the file
 * kept open (cgroup_keep_files) and cgroup2, the state is read again
 * every 50 us, on a poll of cgroup.events (POLLPRI: a kernel that
 * notifies the change ends the wait sooner; the 6.18 kernel of the
 * development VM, a hybrid host, did not: each poll ran its timeout);
 * else every 0.5 ms. (A warm invoke met a group not yet frozen one time
 * in three at its first look: each time 0.5 ms at least before the
 * invoke could end.) */
int cgroup_freeze_wait(const struct cgroup *cg)
{
	struct timespec tick = { 0, 500000 };
	bool told = cg->kept && cg->state_fd >= 0 && cg->kill == CG_KILL_V2;
	double until = now_ms() + FREEZE_WAIT_MS;

	while (!state_is(cg, true)) {
		if (now_ms() > until)
			return errf(ETIMEDOUT, "%s: the group did not become frozen", cg->track);
		if (told) /* 50 us at most: no notification came on this machine */
			ppoll(&(struct pollfd){ .fd = cg->state_fd, .events = POLLPRI }, 1,
			      &(struct timespec){ 0, 50000 }, NULL);
		else
			nanosleep(&tick, NULL);
	}
	return 0;
}

/* A thaw is done when its write returns: the kernel clears the group's
 * frozen state in the write itself (cgroup2's cgroup_do_freeze(), v1's
 * freezer_change_state()); a freeze is done only once every process of
 * the group has stopped, which takes each of them a moment on a CPU. */
int cgroup_freeze(const struct cgroup *cg, bool frozen)
{
	int err = cgroup_freeze_begin(cg, frozen);

	return err < 0 || !frozen ? err : cgroup_freeze_wait(cg);
}
