/* Lambda's file system view; see codefs.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lambda/codefs.h"
#include "util/err.h"
#include "util/fsat.h"

#define USER_ATTRS (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)

const char *const codefs_ca_vars[] = { "AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE",
				       "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", NULL };

/* A copy of the mount at src (one of vpcsim's or the host's paths), with
 * `attrs` set, attached on the object `at` (an O_PATH descriptor): no
 * path inside the image is ever resolved by the kernel's mount(2). */
static int bind_at(const char *src, int at, unsigned int attrs, const char *what)
{
	struct mount_attr a = { .attr_set = attrs };
	int t = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	int err = 0;

	if (t < 0)
		return errf(errno, "bind-mounting %s on %s: %s", src, what, strerror(errno));
	if ((attrs && mount_setattr(t, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0) ||
	    move_mount(t, "", at, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		err = errf(errno, "bind-mounting %s on %s: %s", src, what, strerror(errno));
	close(t);
	return err;
}

/* `rel` in the image root, never through a symlink, as an O_PATH
 * descriptor of the given type. */
static int target(int root, const char *rootfs, const char *rel, bool dir)
{
	struct stat st;
	int fd = fsat_open(root, rel, O_PATH, 0);

	if (fd < 0)
		return errf(-fd, "opening %s/%s without following symbolic links: %s", rootfs, rel,
			    strerror(-fd));
	if (fstat(fd, &st) < 0 || (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) {
		close(fd);
		return errf(ENOTDIR, "%s/%s is not a %s", rootfs, rel, dir ? "folder" : "file");
	}
	return fd;
}

static int bind_on(int root, const char *rootfs, const char *src, const char *rel, bool dir,
		   unsigned int attrs)
{
	char what[PATH_MAX + 64];
	int fd = target(root, rootfs, rel, dir), err;

	if (fd < 0)
		return fd;
	snprintf(what, sizeof(what), "%s/%s", rootfs, rel);
	err = bind_at(src, fd, attrs, what);
	close(fd);
	return err;
}

/* A tmpfs on the image's /dev with null, zero, full, random, urandom. */
static int dev_tree(int root, const char *rootfs)
{
	static const char *const devs[] = { "null", "zero", "full", "random", "urandom" };
	char at[64], src[64], rel[32];
	int fd = target(root, rootfs, "dev", true), dev, err = 0;

	if (fd < 0)
		return fd;
	snprintf(at, sizeof(at), "/proc/self/fd/%d", fd);
	if (mount("vpcsim-dev", at, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755") < 0)
		err = errf(errno, "mounting a tmpfs on %s/dev: %s", rootfs, strerror(errno));
	close(fd);
	/* Now "dev" leads into that tmpfs, ours alone. */
	if (err < 0 || (dev = fsat_open(root, "dev", O_RDONLY | O_DIRECTORY, 0)) < 0)
		return err < 0 ? err : errf(EIO, "opening %s/dev: %s", rootfs, strerror(errno));
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]) && err == 0; i++) {
		fd = openat(dev, devs[i], O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd < 0) {
			err = errf(errno, "creating %s/dev/%s: %s", rootfs, devs[i], strerror(errno));
			break;
		}
		close(fd);
		snprintf(src, sizeof(src), "/dev/%s", devs[i]);
		snprintf(rel, sizeof(rel), "dev/%s", devs[i]);
		err = bind_on(root, rootfs, src, rel, false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	}
	close(dev);
	return err;
}

/* The node's files over the image's: its hosts file and resolv.conf (the
 * mount namespace's /etc, node_mounts() of kernel/proc.c), the CA bundle. */
static int node_files(int root, const char *rootfs, const char *ca_bundle)
{
	unsigned int ro = MOUNT_ATTR_RDONLY | USER_ATTRS;
	int err = bind_on(root, rootfs, "/etc/hosts", "etc/hosts", false, ro);

	if (err == 0)
		err = bind_on(root, rootfs, "/etc/resolv.conf", "etc/resolv.conf", false, ro);
	if (err == 0 && ca_bundle && ca_bundle[0])
		err = bind_on(root, rootfs, ca_bundle, CODEFS_CA_DIR "/" CODEFS_CA_FILE, false, ro);
	return err;
}

int codefs_mount_image(const char *rootfs, const char *tmp_dir, const char *ca_bundle)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY | USER_ATTRS };
	int self = open(rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), root, err;

	if (self < 0)
		return errf(errno, "opening %s: %s", rootfs, strerror(errno));
	err = bind_at(rootfs, self, USER_ATTRS, rootfs);
	close(self);
	if (err < 0)
		return err;
	/* The root of that bind mount: every path below is resolved from it. */
	root = open(rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0)
		return errf(errno, "opening %s: %s", rootfs, strerror(errno));
	if ((err = bind_on(root, rootfs, tmp_dir, "tmp", true, USER_ATTRS)) == 0 &&
	    (err = dev_tree(root, rootfs)) == 0 &&
	    (err = node_files(root, rootfs, ca_bundle)) == 0 &&
	    mount_setattr(root, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0)
		err = errf(errno, "making %s read-only, nosuid, nodev: %s", rootfs, strerror(errno));
	close(root);
	return err;
}

int codefs_enter_image(const char *rootfs, const char *tmp_dir, const char *ca_bundle)
{
	int err = codefs_mount_image(rootfs, tmp_dir, ca_bundle);

	if (err < 0)
		return err;
	if (chroot(rootfs) < 0 || chdir("/") < 0)
		return errf(errno, "chroot %s: %s", rootfs, strerror(errno));
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return errf(errno, "mounting /proc in %s: %s", rootfs, strerror(errno));
	return 0;
}
