/* Files and folders: see fs.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return errf(ENAMETOOLONG, "creating %s: path too long", path);
	for (char *p = buf + 1;; p++) {
		char c = *p;

		if (c != '/' && c)
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return errf(errno, "creating %s: %s", buf, strerror(errno));
		*p = c;
		if (!c)
			return 0;
	}
}

int tree_remove(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int err = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : errf(errno, "removing %s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 && errno != ENOENT
			? errf(errno, "removing pin %s: %s", path, strerror(errno)) : 0;
	d = opendir(path);
	if (!d)
		return errf(errno, "opening %s: %s", path, strerror(errno));
	while ((de = readdir(d))) {
		char sub[4096];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (tree_remove(sub) < 0 && !err)
			err = -1;
	}
	closedir(d);
	if (rmdir(path) < 0 && errno != ENOENT && !err)
		err = errf(errno, "removing %s: %s", path, strerror(errno));
	return err;
}

int file_write(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return errf(errno, "creating %s: %s", path, strerror(errno));
	if (write(fd, text, len) != (ssize_t)len) {
		int e = errno ? errno : EIO;

		close(fd);
		return errf(e, "writing %s: %s", path, strerror(e));
	}
	if (close(fd) < 0)
		return errf(errno, "writing %s: %s", path, strerror(errno));
	return 0;
}

int file_write_private(const char *path, const char *bytes, size_t len, int excl)
{
	int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (excl ? O_EXCL : O_TRUNC);
	int fd = open(path, flags, 0600), err = 0;

	if (fd < 0)
		return errf(errno, "creating %s: %s", path, strerror(errno));
	while (len > 0 && !err) {
		ssize_t n = write(fd, bytes, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			err = errf(n < 0 ? errno : EIO, "writing %s: %s", path,
				   strerror(n < 0 ? errno : EIO));
		else
			bytes += n, len -= (size_t)n;
	}
	if (!err && fsync(fd) < 0)
		err = errf(errno, "writing %s: %s", path, strerror(errno));
	if (close(fd) < 0 && !err)
		err = errf(errno, "writing %s: %s", path, strerror(errno));
	return err;
}

int file_copy(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY | O_CLOEXEC), out, err = 0;

	if (in < 0)
		return errf(errno, "reading %s: %s", from, strerror(errno));
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return errf(errno, "creating %s: %s", to, strerror(errno));
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			err = errf(errno, "writing %s: %s", to, strerror(errno));
			break;
		}
	if (n < 0)
		err = errf(errno, "reading %s: %s", from, strerror(errno));
	close(in);
	close(out);
	return err;
}

char *file_read(const char *path, size_t *len)
{
	size_t n = 0, cap = 0;
	char *text = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t got;

		if (cap - n < 4096) {
			char *p = realloc(text, cap = cap ? cap * 2 : 16384);

			if (!p) {
				free(text);
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			text = p;
		}
		got = read(fd, text + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			free(text);
			close(fd);
			errno = e;
			return NULL;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	text[n] = '\0';
	*len = n;
	return text;
}

int file_put(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t w;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w = write(fd, s, len);
	if (w < 0)
		err = -errno;
	else if ((size_t)w != len)
		err = -EIO;
	close(fd);
	return err;
}

int file_get(const char *path, char *buf, size_t size)
{
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read(fd, buf, size - 1);
	close(fd);
	if (r < 0)
		return -errno;
	buf[r] = '\0';
	return (int)r;
}

int file_lock(const char *path, int op, bool create)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);

	if (fd < 0)
		return !create && errno == ENOENT ? -ENOENT :
			errf(errno, "opening %s: %s", path, strerror(errno));
	if (flock(fd, op) < 0) {
		int err = errf(errno, "locking %s: %s", path, strerror(errno));

		close(fd);
		return err;
	}
	return fd;
}

/* One loop for both directions: `io` is read or a const-cast write. */
static int fd_full(int fd, char *p, size_t len, ssize_t (*io)(int, void *, size_t))
{
	while (len > 0) {
		ssize_t n = io(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static ssize_t write_io(int fd, void *p, size_t len)
{
	return write(fd, p, len);
}

int fd_read_full(int fd, void *buf, size_t len)
{
	return fd_full(fd, buf, len, read);
}

int fd_write_full(int fd, const void *buf, size_t len)
{
	return fd_full(fd, (char *)buf, len, write_io);
}
