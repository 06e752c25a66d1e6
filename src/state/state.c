/* State directories, the lock, and reloading a topology that is up. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/paths.h"
#include "util/fs.h"
#include "model/names.h"
#include "state/credentials.h"
#include "state/state.h"

void state_dir(const char *topo, char out[STATE_PATH_MAX])
{
	path_state_dir(out, STATE_PATH_MAX, topo);
}

/* Per thread: each thread's lock is an open file description of its own,
 * so flock() excludes threads of one process from each other as it does
 * processes (serve's workers). */
static __thread int lock_fd = -1;

int state_lock(void)
{
	int fd;

	if (lock_fd >= 0)
		return 0;
	/* Root's only: topology copies may hold passwords. A folder made
	 * by an older vpcsim is closed too. */
	if (mkdir(STATE_ROOT, 0700) < 0 && errno != EEXIST)
		return errf(errno, "creating %s: %s", STATE_ROOT, strerror(errno));
	if (chmod(STATE_ROOT, 0700) < 0)
		return errf(errno, "chmod 0700 %s: %s", STATE_ROOT, strerror(errno));
	fd = open(STATE_ROOT "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return errf(errno, "opening %s/.lock: %s", STATE_ROOT, strerror(errno));
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return errf(errno, "locking %s/.lock: %s", STATE_ROOT, strerror(errno));
	}
	lock_fd = fd; /* the lock lasts until state_unlock() or the exit */
	return 0;
}

void state_unlock(void)
{
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
}

void state_lock_forget(void)
{
	lock_fd = -1;
}

bool state_is_up(const char *topo)
{
	char dir[STATE_PATH_MAX], path[STATE_PATH_MAX + 32];

	state_dir(topo, dir);
	snprintf(path, sizeof(path), "%s/topology.json", dir);
	return access(path, F_OK) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int state_list(char names[][TOPO_NAME_MAX_LEN + 1], int max)
{
	DIR *d = opendir(STATE_ROOT);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.' || strlen(de->d_name) > TOPO_NAME_MAX_LEN ||
		    !state_is_up(de->d_name))
			continue;
		snprintf(names[n++], TOPO_NAME_MAX_LEN + 1, "%s", de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_names);
	return n;
}

/* "a, b, c", or "none" */
static void list_up(char *list, size_t size)
{
	char names[64][TOPO_NAME_MAX_LEN + 1];
	int n = state_list(names, 64);

	snprintf(list, size, "%s", n ? "" : "none");
	for (int i = 0; i < n; i++) {
		strncat(list, i ? ", " : "", size - strlen(list) - 1);
		strncat(list, names[i], size - strlen(list) - 1);
	}
}

int state_pick(const char *name, char out[TOPO_NAME_MAX_LEN + 1])
{
	char names[64][TOPO_NAME_MAX_LEN + 1], list[1024];
	int n;

	/* Not "none is up" when the truth is "you may not look". */
	if (access(STATE_ROOT, X_OK) < 0 && errno == EACCES)
		return errf(EACCES, "the state of the topologies that are up (%s) is readable by root only",
			    STATE_ROOT);
	if (name) {
		if (!ns_component_ok(name, TOPO_NAME_MAX_LEN) || !state_is_up(name)) {
			list_up(list, sizeof(list));
			return errf(ENOENT, "no topology named '%s' is up (up: %s)", name, list);
		}
		snprintf(out, TOPO_NAME_MAX_LEN + 1, "%s", name);
		return 0;
	}
	n = state_list(names, 64);
	if (n == 0)
		return errf(ENOENT, "no topology is up; start one with `vpcsim up FILE`");
	if (n > 1) {
		list_up(list, sizeof(list));
		return errf(EINVAL, "%d topologies are up (%s); pick one with -t NAME", n, list);
	}
	snprintf(out, TOPO_NAME_MAX_LEN + 1, "%s", names[0]);
	return 0;
}

int live_open(const char *name, struct live *lv)
{
	struct diags d = { 0 };
	char path[STATE_PATH_MAX + 32];
	int err;

	memset(lv, 0, sizeof(*lv));
	err = state_pick(name, lv->name);
	if (err < 0)
		return err;
	state_dir(lv->name, lv->dir);
	snprintf(path, sizeof(path), "%s/topology.json", lv->dir);
	lv->t = topology_open(path, &lv->L, &d);
	if (!lv->t) {
		err = errf(EINVAL, "the saved topology %s no longer loads (%s: %s); run `vpcsim down %s`",
			   path, d.n ? d.items[0].code : "?", d.n ? d.items[0].message : "?",
			   lv->name);
		diags_free(&d);
		live_close(lv);
		return err;
	}
	diags_free(&d);
	return 0;
}

void live_close(struct live *lv)
{
	if (lv->t) {
		layout_free(&lv->L);
		topology_free(lv->t);
	}
	lv->t = NULL;
}

int state_prepare(const char *topo, const char *text, size_t len)
{
	char dir[STATE_PATH_MAX], path[STATE_PATH_MAX + 32];
	struct admin_key key;
	int err;

	state_dir(topo, dir);
	if (mkdir(dir, 0700) < 0)
		return errf(errno, "creating %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/logs", dir);
	if (mkdir(path, 0700) < 0)
		return errf(errno, "creating %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/topology.json", dir);
	if ((err = file_write_private(path, text, len, 1)) < 0)
		return err;
	/* The admin key pair its AWS-style endpoints accept. */
	err = credentials_create(dir, &key);
	explicit_bzero(&key, sizeof(key));
	return err;
}

