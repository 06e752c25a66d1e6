/* Files inside a user's folder tree; see fsat.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/fsat.h"

/* Deeper trees are refused: every level holds a descriptor while fsat_remove
 * walks it. Package names are cut to fewer components (lambda/pkgpath.h). */
#define FSAT_DEPTH_MAX 512

int fsat_open(int root, const char *rel, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC | O_NOFOLLOW),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (!rel || !rel[0])
		rel = ".";
	do
		fd = syscall(SYS_openat2, root, rel, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? -errno : (int)fd;
}

int fsat_mkdirs(int root, const char *rel)
{
	char buf[PATH_MAX], *save = NULL, *name;
	int fd, next;

	if (snprintf(buf, sizeof(buf), "%s", rel ? rel : "") >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	fd = fcntl(root, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	for (name = strtok_r(buf, "/", &save); name; name = strtok_r(NULL, "/", &save)) {
		if (!strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			close(fd);
			return -EINVAL;
		}
		if (mkdirat(fd, name, 0755) < 0 && errno != EEXIST) {
			next = -errno;
			close(fd);
			return next;
		}
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			next = -errno;
		close(fd);
		if (next < 0)
			return next;
		fd = next;
	}
	return fd;
}

static int empty_at(int dir, int depth);

static int remove_at(int dir, const char *name, int depth)
{
	struct stat st;
	int fd, err;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dir, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	if (depth >= FSAT_DEPTH_MAX)
		return -ELOOP;
	fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = empty_at(fd, depth + 1);
	close(fd);
	if (unlinkat(dir, name, AT_REMOVEDIR) < 0 && errno != ENOENT && err == 0)
		err = -errno;
	return err;
}

/* Takes dir over (closedir closes it). */
static int empty_at(int dir, int depth)
{
	DIR *d = fdopendir(dir);
	struct dirent *de;
	int err = 0, e;

	if (!d) {
		close(dir);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		e = remove_at(dirfd(d), de->d_name, depth);
		if (e < 0 && err == 0)
			err = e;
	}
	closedir(d);
	return err;
}

int fsat_remove(int dir, const char *name)
{
	return remove_at(dir, name, 0);
}

int fsat_empty(int dir)
{
	int fd = fcntl(dir, F_DUPFD_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* A duplicate shares the read position: start from the top. */
	lseek(fd, 0, SEEK_SET);
	return empty_at(fd, 0);
}
