/* Network namespaces that someone else made (a container runtime's), opened
 * by the path it hands over: see netns.h. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fsat.h"
#include "kernel/netns.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

/* /proc/PID/ns/net or /proc/PID/task/TID/ns/net: a magic link the kernel
 * resolves to the process's namespace, the one path form that must be
 * followed; its components are the kernel's, not a user's. */
static bool proc_ns_path(const char *p)
{
	size_t n;

	if (strncmp(p, "/proc/", 6))
		return false;
	p += 6;
	if (!(n = strspn(p, "0123456789")))
		return false;
	p += n;
	if (!strncmp(p, "/task/", 6)) {
		p += 6;
		if (!(n = strspn(p, "0123456789")))
			return false;
		p += n;
	}
	return !strcmp(p, "/ns/net");
}

static bool same_ns(const struct stat *st, const char *path)
{
	struct stat o;

	return stat(path, &o) == 0 && o.st_dev == st->st_dev && o.st_ino == st->st_ino;
}

int netns_open_foreign(const char *path, int *out)
{
	struct statfs fs;
	struct stat st;
	int fd, root;

	if (!path || path[0] != '/' || strlen(path) >= PATH_MAX)
		return errf(EINVAL, "the namespace path '%.200s' is not an absolute path",
			    path ? path : "");
	if (proc_ns_path(path)) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
	} else {
		root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		fd = root < 0 ? -errno : fsat_open(root, path + 1, O_RDONLY, 0);
		if (root >= 0)
			close(root);
		if (fd < 0) {
			errno = -fd;
			fd = -1;
		}
	}
	if (fd < 0)
		return errf(errno, "opening the network namespace %.200s: %s%s", path,
			    strerror(errno), errno == ELOOP ? " (a symbolic link on the way "
			    "is refused: give the namespace's own path)" : "");
	if (fstatfs(fd, &fs) < 0 || fs.f_type != NSFS_MAGIC ||
	    ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET || fstat(fd, &st) < 0) {
		close(fd);
		return errf(EINVAL, "%.200s is not a network namespace (nsfs file of type net)",
			    path);
	}
	if (same_ns(&st, "/proc/self/ns/net") || same_ns(&st, "/proc/1/ns/net")) {
		close(fd);
		return errf(EPERM, "%.200s is the host's own network namespace: vpcsim never "
			    "attaches the host; give the container's namespace", path);
	}
	*out = fd;
	return 0;
}

bool netns_is(int fd, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	path_netns(path, sizeof(path), name);
	return fstat(fd, &st) == 0 && same_ns(&st, path);
}

int netns_name_of_fd(int fd, bool (*want)(const char *name), char out[NETNS_NAME_MAX])
{
	char path[PATH_MAX];
	struct stat st;
	struct dirent *e;
	DIR *d;
	int found = 0;

	if (fstat(fd, &st) < 0)
		return errf(errno, "reading a namespace descriptor: %s", strerror(errno));
	d = opendir(NETNS_RUN_DIR);
	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= NETNS_NAME_MAX ||
		    (want && !want(e->d_name)))
			continue;
		path_netns(path, sizeof(path), e->d_name);
		if (same_ns(&st, path)) {
			snprintf(out, NETNS_NAME_MAX, "%s", e->d_name);
			found = 1;
		}
	}
	closedir(d);
	return found;
}
