/* Jails; see jail.h and docs/SECURITY.md. */
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/jail.h"
#include "util/err.h"
#include "util/paths.h"

/* Where the new root is put together, inside the caller's own mount
 * namespace (the host's /tmp is not touched: the tmpfs covers it there).
 * Sources are opened (O_PATH) before, so a source under /tmp still works. */
#define STAGE "/tmp"
#define RO_FLAGS (MS_NOSUID | MS_NODEV)
#define CAP_LAST_CAP_GUESS 63     /* when /proc does not say */
#define JAIL_FILE_TEXT_MAX 4096

static const char *const host_dirs[] = {
	"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc",
};
static const char *const dev_nodes[] = {
	"null", "zero", "full", "random", "urandom", "tty",
};
static const char *const dev_links[][2] = {
	{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
};

static void stage_path(char out[PATH_MAX], const char *inside)
{
	snprintf(out, PATH_MAX, "%s%s", STAGE, inside);
}

static int mkdir_at(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return errf(errno, "jail: creating %s: %s", path, strerror(errno));
	return 0;
}

/* mkdir -p of a path inside the stage (the stage itself exists). */
static int mkdirs(const char *inside)
{
	char path[PATH_MAX];
	size_t base = strlen(STAGE);

	stage_path(path, inside);
	for (char *p = path + base + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir_at(path, 0755) < 0)
			return -errno;
		*p = '/';
	}
	return mkdir_at(path, 0755);
}

/* An empty file to mount a file on. */
static int touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return errf(errno, "jail: creating %s: %s", path, strerror(errno));
	close(fd);
	return 0;
}

/* Bind src (recursively) on dst, then make the whole tree nosuid, nodev
 * and, unless writable, read-only, in this mount namespace only. */
static int bind_tree(const char *src, const char *dst, bool writable)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			    (writable ? 0 : MOUNT_ATTR_RDONLY),
	};

	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return errf(errno, "jail: binding %s on %s: %s", src, dst, strerror(errno));
	if (mount_setattr(AT_FDCWD, dst, AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		return errf(errno, "jail: making %s %s: %s", dst,
			    writable ? "nosuid" : "read-only", strerror(errno));
	return 0;
}

static int bind_ro(const char *src, const char *dst)
{
	return bind_tree(src, dst, false);
}

/* The host's system folders; a symlink (merged /usr) is copied as one. */
static int host_tree(void)
{
	char src[PATH_MAX], dst[PATH_MAX], link[PATH_MAX];
	struct stat st;
	ssize_t n;
	int err;

	for (size_t i = 0; i < sizeof(host_dirs) / sizeof(host_dirs[0]); i++) {
		snprintf(src, sizeof(src), "/%s", host_dirs[i]);
		snprintf(dst, sizeof(dst), "%s/%s", STAGE, host_dirs[i]);
		if (lstat(src, &st) < 0)
			continue; /* this host has no such folder */
		if (S_ISLNK(st.st_mode)) {
			n = readlink(src, link, sizeof(link) - 1);
			if (n < 0)
				return errf(errno, "jail: reading link %s: %s", src, strerror(errno));
			link[n] = '\0';
			if (symlink(link, dst) < 0)
				return errf(errno, "jail: linking %s: %s", dst, strerror(errno));
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		if ((err = mkdir_at(dst, 0755)) < 0 || (err = bind_ro(src, dst)) < 0)
			return err;
	}
	/* Other nodes' hosts files: an empty read-only folder instead. */
	stage_path(dst, ETC_NETNS);
	if (stat(dst, &st) == 0 && S_ISDIR(st.st_mode) &&
	    mount("vpcsim-jail", dst, "tmpfs", MS_RDONLY | RO_FLAGS | MS_NOEXEC,
		  "size=4k,mode=0755") < 0)
		return errf(errno, "jail: hiding /etc/netns: %s", strerror(errno));
	return 0;
}

/* /dev: a few harmless nodes, the usual links, a private /dev/shm. */
static int dev_tree(int shm_mb)
{
	char dst[PATH_MAX], src[64], opts[64];
	int err;

	stage_path(dst, "/dev");
	if ((err = mkdir_at(dst, 0755)) < 0)
		return err;
	if (mount("vpcsim-dev", dst, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755") < 0)
		return errf(errno, "jail: mounting /dev: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		snprintf(src, sizeof(src), "/dev/%s", dev_nodes[i]);
		snprintf(dst, sizeof(dst), "%s/dev/%s", STAGE, dev_nodes[i]);
		if ((err = touch(dst)) < 0)
			return err;
		if (mount(src, dst, NULL, MS_BIND, NULL) < 0 ||
		    mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NOEXEC, NULL) < 0)
			return errf(errno, "jail: binding %s: %s", src, strerror(errno));
	}
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++) {
		snprintf(dst, sizeof(dst), "%s/dev/%s", STAGE, dev_links[i][0]);
		if (symlink(dev_links[i][1], dst) < 0)
			return errf(errno, "jail: linking %s: %s", dst, strerror(errno));
	}
	stage_path(dst, "/dev/shm");
	snprintf(opts, sizeof(opts), "size=%dm,mode=1777", shm_mb);
	if ((err = mkdir_at(dst, 0755)) < 0)
		return err;
	if (mount("vpcsim-shm", dst, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return errf(errno, "jail: mounting /dev/shm: %s", strerror(errno));
	stage_path(dst, "/dev");
	if (mount(NULL, dst, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, NULL) < 0)
		return errf(errno, "jail: making /dev read-only: %s", strerror(errno));
	return 0;
}

/* /tmp: the host folder behind tmp_fd, or a private tmpfs. */
static int tmp_tree(const struct jail *j, int tmp_fd)
{
	char src[32], dst[PATH_MAX], opts[64];
	int err;

	stage_path(dst, "/tmp");
	if ((err = mkdir_at(dst, 01777)) < 0)
		return err;
	if (!j->tmp) {
		snprintf(opts, sizeof(opts), "size=%dm,mode=1777", j->tmp_mb);
		if (mount("vpcsim-jail-tmp", dst, "tmpfs", RO_FLAGS, opts) < 0)
			return errf(errno, "jail: mounting a private /tmp: %s", strerror(errno));
		return 0;
	}
	snprintf(src, sizeof(src), "/proc/self/fd/%d", tmp_fd);
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | RO_FLAGS, NULL) < 0)
		return errf(errno, "jail: binding %s on /tmp: %s", j->tmp, strerror(errno));
	return 0;
}

/* /proc and /sys. */
static int kernel_trees(void)
{
	char dst[PATH_MAX];
	int err;

	stage_path(dst, "/proc");
	if ((err = mkdir_at(dst, 0555)) < 0)
		return err;
	if (mount("proc", dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return errf(errno, "jail: mounting /proc: %s", strerror(errno));
	stage_path(dst, "/sys");
	if ((err = mkdir_at(dst, 0555)) < 0)
		return err;
	if (mount("sysfs", dst, "sysfs", MS_RDONLY | RO_FLAGS | MS_NOEXEC, NULL) < 0)
		return errf(errno, "jail: mounting /sys: %s", strerror(errno));
	return 0;
}

/* Absolute, every component non-empty and not "." or "..", and outside
 * the folders the jail makes itself. */
static bool bind_dst_ok(const char *d)
{
	static const char *const taken[] = { "/proc", "/sys", "/dev", "/tmp" };

	if (!d || d[0] != '/' || strlen(d) > 256)
		return false;
	for (const char *p = d; p; p = strchr(p + 1, '/')) {
		const char *q = strchr(p + 1, '/');
		size_t n = q ? (size_t)(q - p - 1) : strlen(p + 1);

		if (n == 0 || (n == 1 && p[1] == '.') || (n == 2 && p[1] == '.' && p[2] == '.'))
			return false;
	}
	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
		size_t n = strlen(taken[i]);

		if (!strncmp(d, taken[i], n) && (d[n] == '\0' || d[n] == '/'))
			return false;
	}
	return true;
}

int jail_check(const struct jail *j)
{
	if ((j->tmp ? j->tmp[0] != '/' : j->tmp_mb <= 0) || j->shm_mb <= 0)
		return errf(EINVAL, "jail: /tmp must be an absolute host folder or a private "
			    "tmpfs of a positive size, and /dev/shm a positive size");
	if (j->n_binds < 0 || j->n_binds > JAIL_BINDS_MAX || (j->n_binds && !j->binds))
		return errf(EINVAL, "jail: at most %d extra binds", JAIL_BINDS_MAX);
	if (j->n_files < 0 || j->n_files > JAIL_FILES_MAX || (j->n_files && !j->files))
		return errf(EINVAL, "jail: at most %d files", JAIL_FILES_MAX);
	if (j->layered && (j->layered->n < 0 || j->layered->n > JAIL_UNION_MAX ||
			   (j->layered->n && !bind_dst_ok(j->layered->dst))))
		return errf(EINVAL, "jail: a union of at most %d folders at an absolute path "
			    "outside /proc, /sys, /dev and /tmp", JAIL_UNION_MAX);
	for (int i = 0; i < j->n_binds; i++) {
		const struct jail_bind *b = &j->binds[i];

		if (!b->src || b->src[0] != '/')
			return errf(EINVAL, "jail: bind %d: source '%s' is not an absolute path",
				    i, b->src ? b->src : "(null)");
		if (!bind_dst_ok(b->dst))
			return errf(EINVAL, "jail: bind of %s: '%s' must be an absolute path "
				    "without . or .. and outside /proc, /sys, /dev and /tmp",
				    b->src, b->dst ? b->dst : "(null)");
	}
	if (j->n_links < 0 || j->n_links > JAIL_LINKS_MAX || (j->n_links && !j->links))
		return errf(EINVAL, "jail: at most %d links", JAIL_LINKS_MAX);
	for (int i = 0; i < j->n_links; i++) {
		const struct jail_link *l = &j->links[i];

		if (!bind_dst_ok(l->dst) || !l->target || l->target[0] != '/' ||
		    strlen(l->target) > 256)
			return errf(EINVAL, "jail: link %d: '%s' must be an absolute path without "
				    ". or .. outside /proc, /sys, /dev and /tmp, to an absolute "
				    "target", i, l->dst ? l->dst : "(null)");
	}
	for (int i = 0; i < j->n_files; i++) {
		const struct jail_file *f = &j->files[i];

		if (!bind_dst_ok(f->dst) || !f->text || strlen(f->text) > JAIL_FILE_TEXT_MAX)
			return errf(EINVAL, "jail: file %d: '%s' must be an absolute path without "
				    ". or .. outside /proc, /sys, /dev and /tmp, with at most %d "
				    "bytes", i, f->dst ? f->dst : "(null)", JAIL_FILE_TEXT_MAX);
	}
	return 0;
}

static int extra_binds(const struct jail *j, const int *fds)
{
	char dst[PATH_MAX], parent[PATH_MAX], src[32];
	struct stat st;
	int err;

	for (int i = 0; i < j->n_binds; i++) {
		const struct jail_bind *b = &j->binds[i];

		if (fstat(fds[i], &st) < 0)
			return errf(errno, "jail: bind source %s: %s", b->src, strerror(errno));
		snprintf(src, sizeof(src), "/proc/self/fd/%d", fds[i]);
		stage_path(dst, b->dst);
		if (S_ISDIR(st.st_mode)) {
			err = mkdirs(b->dst);
		} else {
			snprintf(parent, sizeof(parent), "%s", b->dst);
			*strrchr(parent, '/') = '\0';
			err = parent[0] ? mkdirs(parent) : 0;
			if (!err)
				err = touch(dst);
		}
		if (!err)
			err = bind_tree(src, dst, b->writable);
		if (err < 0)
			return err;
	}
	return 0;
}

/* The union of j->layered, its sources opened in fds (top first in
 * the overlay's lowerdir list, each by /proc/self/fd/N: no user path,
 * no ':' or ',' to escape, and nothing resolved again). */
static int layered_tree(const struct jail_union *u, const int *fds)
{
	char dst[PATH_MAX], opts[512] = "lowerdir=";
	size_t len = strlen(opts);
	int err;

	if (!u || u->n == 0)
		return 0;
	stage_path(dst, u->dst);
	if ((err = mkdirs(u->dst)) < 0)
		return err;
	if (u->n == 1) {
		snprintf(opts, sizeof(opts), "/proc/self/fd/%d", fds[0]);
		return bind_ro(opts, dst);
	}
	for (int i = u->n - 1; i >= 0; i--)
		len += (size_t)snprintf(opts + len, sizeof(opts) - len, "%s/proc/self/fd/%d",
					i == u->n - 1 ? "" : ":", fds[i]);
	if (mount("vpcsim-layers", dst, "overlay", MS_RDONLY | RO_FLAGS, opts) < 0)
		return errf(errno, "jail: mounting the overlay of %d folders on %s: %s", u->n,
			    u->dst, strerror(errno));
	return 0;
}

static int layered_open(const struct jail_union *u, int fds[JAIL_UNION_MAX])
{
	for (int i = 0; u && i < u->n; i++) {
		fds[i] = open(u->srcs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fds[i] < 0)
			return errf(errno, "jail: layer folder %s: %s", u->srcs[i],
				    strerror(errno));
	}
	return 0;
}

#define FILES_DIR STAGE "/.jail-files"

/* Write text to a file of a small tmpfs of its own and mount that file
 * over dst (made if the host has no such file), read-only. */
static int jail_file_make(const struct jail_file *f, int i)
{
	char src[PATH_MAX], dst[PATH_MAX], parent[PATH_MAX];
	size_t len = strlen(f->text);
	struct stat st;
	int fd, err;

	snprintf(src, sizeof(src), "%s/%d", FILES_DIR, i);
	fd = open(src, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0)
		return errf(errno, "jail: creating %s: %s", src, strerror(errno));
	err = write(fd, f->text, len) == (ssize_t)len ? 0 :
	      errf(errno ? errno : EIO, "jail: writing %s: %s", src, strerror(errno));
	close(fd);
	if (err < 0)
		return err;
	stage_path(dst, f->dst);
	if (lstat(dst, &st) < 0) {
		snprintf(parent, sizeof(parent), "%s", f->dst);
		*strrchr(parent, '/') = '\0';
		if ((parent[0] && (err = mkdirs(parent)) < 0) || (err = touch(dst)) < 0)
			return err;
	} else if (!S_ISREG(st.st_mode)) {
		return errf(EINVAL, "jail: %s is not a regular file to cover", f->dst);
	}
	return bind_ro(src, dst);
}

/* The files of j. Their tmpfs is detached once they are mounted (the
 * mounts keep it) and its folder removed: nothing of it shows but them. */
static int jail_files(const struct jail *j)
{
	int err;

	if (!j->n_files)
		return 0;
	if ((err = mkdir_at(FILES_DIR, 0755)) < 0)
		return err;
	if (mount("vpcsim-jail-files", FILES_DIR, "tmpfs", RO_FLAGS | MS_NOEXEC,
		  "size=64k,mode=0755") < 0)
		return errf(errno, "jail: mounting %s: %s", FILES_DIR, strerror(errno));
	for (int i = 0; i < j->n_files; i++)
		if ((err = jail_file_make(&j->files[i], i)) < 0)
			return err;
	if (umount2(FILES_DIR, MNT_DETACH) < 0 || rmdir(FILES_DIR) < 0)
		return errf(errno, "jail: removing %s: %s", FILES_DIR, strerror(errno));
	return 0;
}

/* The links of j, their folders made as a bind's are. A target is text
 * to the kernel here: it is resolved only inside the jail. */
static int jail_links(const struct jail *j)
{
	char dst[PATH_MAX], parent[PATH_MAX];
	int err;

	for (int i = 0; i < j->n_links; i++) {
		const struct jail_link *l = &j->links[i];

		snprintf(parent, sizeof(parent), "%s", l->dst);
		*strrchr(parent, '/') = '\0';
		if (parent[0] && (err = mkdirs(parent)) < 0)
			return err;
		stage_path(dst, l->dst);
		if (symlink(l->target, dst) < 0)
			return errf(errno, "jail: linking %s to %s: %s", l->dst, l->target,
				    strerror(errno));
	}
	return 0;
}

/* Swap the root for the stage and drop the old one from this namespace. */
static int pivot(void)
{
	if (mount(NULL, STAGE, NULL, MS_REMOUNT | MS_RDONLY | RO_FLAGS, NULL) < 0)
		return errf(errno, "jail: making the root read-only: %s", strerror(errno));
	if (chdir(STAGE) < 0)
		return errf(errno, "jail: entering %s: %s", STAGE, strerror(errno));
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return errf(errno, "jail: pivot_root: %s", strerror(errno));
	if (umount2(".", MNT_DETACH) < 0)
		return errf(errno, "jail: detaching the host's root: %s", strerror(errno));
	if (chdir("/") < 0)
		return errf(errno, "jail: chdir /: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return errf(errno, "jail: making its mounts private: %s", strerror(errno));
	return 0;
}

/* O_PATH descriptors of the sources: fds[0] /tmp's (-1 without one),
 * then the binds'. */
static int open_sources(const struct jail *j, int fds[JAIL_BINDS_MAX + 1])
{
	fds[0] = -1;
	for (int i = 0; i <= j->n_binds; i++) {
		const char *src = i ? j->binds[i - 1].src : j->tmp;

		if (!src)
			continue;
		fds[i] = open(src, O_PATH | O_CLOEXEC);
		if (fds[i] < 0)
			return errf(errno, "jail: %s %s: %s", i ? "bind source" : "/tmp source",
				    src, strerror(errno));
	}
	return 0;
}

int jail_own_mounts(const char *what)
{
	if (unshare(CLONE_NEWNS) < 0)
		return errf(errno, "unshare(CLONE_NEWNS) for %s: %s", what, strerror(errno));
	if (mount("", "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return errf(errno, "making / a slave mount for %s: %s", what, strerror(errno));
	return 0;
}

int jail_enter(const struct jail *j)
{
	int err, fds[JAIL_BINDS_MAX + 1], lfds[JAIL_UNION_MAX];

	if ((err = jail_check(j)) < 0 || (err = open_sources(j, fds)) < 0 ||
	    (err = layered_open(j->layered, lfds)) < 0)
		return err;
	if (mount("vpcsim-jail", STAGE, "tmpfs", RO_FLAGS, "size=256k,mode=0755") < 0)
		return errf(errno, "jail: mounting its root on %s: %s", STAGE, strerror(errno));
	if ((err = host_tree()) < 0 || (err = dev_tree(j->shm_mb)) < 0 ||
	    (err = kernel_trees()) < 0 || (err = tmp_tree(j, fds[0])) < 0 ||
	    (err = extra_binds(j, fds + 1)) < 0 || (err = layered_tree(j->layered, lfds)) < 0)
		return err;
	if ((err = jail_files(j)) < 0 || (err = jail_links(j)) < 0)
		return err;
	for (int i = 0; i <= j->n_binds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (int i = 0; j->layered && i < j->layered->n; i++)
		close(lfds[i]);
	return pivot();
}
int jail_drop_privileges(uid_t uid, gid_t gid, const gid_t *groups, int n)
{
	int last = CAP_LAST_CAP_GUESS;
	char buf[16] = "";
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);

	if (uid == 0)
		return errf(EINVAL, "jail: dropping privileges to uid 0");
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) > 0)
			last = atoi(buf);
		close(fd);
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (int c = 0; c <= last; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return errf(errno, "dropping capability %d: %s", c, strerror(errno));
	/* Raw system calls: glibc's wrappers would wait for every thread of
	 * the process to change ids too, and a child forked from a threaded
	 * process (the Runtime API supervisor) inherits the list of threads
	 * but not the threads: it would wait forever. */
	if (syscall(SYS_setgroups, (size_t)n, groups) < 0 ||
	    syscall(SYS_setresgid, gid, gid, gid) < 0 ||
	    syscall(SYS_setresuid, uid, uid, uid) < 0)
		return errf(errno, "becoming uid %u gid %u: %s", (unsigned)uid, (unsigned)gid,
			    strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return errf(errno, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	return 0;
}
