/* Per-function usage counters (see usage.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/state.h"
#include "state/usage.h"
#include "util/err.h"

static void usage_path(const char *topo, const char *fn, char *out, size_t len)
{
	char dir[STATE_PATH_MAX];

	state_dir(topo, dir);
	snprintf(out, len, "%s/usage/%s", dir, fn);
}

static void parse(const char *text, struct fn_usage *u)
{
	const char *p;

	u->requests = u->mb_ms = 0;
	if ((p = strstr(text, "requests ")))
		sscanf(p, "requests %lld", &u->requests);
	if ((p = strstr(text, "mb_ms ")))
		sscanf(p, "mb_ms %lld", &u->mb_ms);
}

/* The counters in fd's text; the bytes read (at most 255), or -1. */
static int read_fd(int fd, struct fn_usage *u)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	parse(buf, u);
	return (int)n;
}

/* The counters' file of fn, made with its folder the first time (a
 * folder made once: not tried on every invoke). */
static int usage_open(const char *topo, const char *fn, char *path, size_t len)
{
	char dir[STATE_PATH_MAX + 16];
	int fd;

	usage_path(topo, fn, path, len);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	state_dir(topo, dir);
	strncat(dir, "/usage", sizeof(dir) - strlen(dir) - 1);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
}

int usage_add(const char *topo, const char *fn, long long billed_ms, int memory_mb)
{
	char path[STATE_PATH_MAX + 64], text[128];
	struct fn_usage u;
	int fd, n, had, err = 0;

	fd = usage_open(topo, fn, path, sizeof(path));
	if (fd < 0)
		return errf(errno, "opening %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX) < 0 || (had = read_fd(fd, &u)) < 0) {
		err = errf(errno, "reading %s: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	u.requests++;
	u.mb_ms += billed_ms * memory_mb;
	n = snprintf(text, sizeof(text), "requests %lld\nmb_ms %lld\n", u.requests, u.mb_ms);
	/* Written over, then cut to its length if it was longer (counters
	 * only grow: almost never): never truncated to 0 first. ext4 (the
	 * state folder's file system where /run is not a tmpfs) writes back
	 * a file truncated to 0 when it is closed, with a discard of its old
	 * block: 20% of serve's CPU on each warm invoke. */
	if (pwrite(fd, text, (size_t)n, 0) != n || (n < had && ftruncate(fd, n) < 0))
		err = errf(errno, "writing %s: %s", path, strerror(errno));
	close(fd); /* and the lock with it */
	return err;
}

int usage_read(const char *topo, const char *fn, struct fn_usage *u)
{
	char path[STATE_PATH_MAX + 64];
	int fd, err = 0;

	u->requests = u->mb_ms = 0;
	usage_path(topo, fn, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : errf(errno, "opening %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_SH) < 0 || read_fd(fd, u) < 0)
		err = errf(errno, "reading %s: %s", path, strerror(errno));
	close(fd);
	return err;
}

double usage_gb_seconds(const struct fn_usage *u)
{
	return (double)u->mb_ms / 1024.0 / 1000.0;
}
