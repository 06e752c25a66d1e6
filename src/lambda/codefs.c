/* Lambda's file system view; see codefs.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lambda/codefs.h"
#include "util/err.h"

static int bind_ro(const char *src, const char *dst)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return errf(errno, "bind-mounting %s on %s: %s", src, dst, strerror(errno));
	if (mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
		  NULL) < 0)
		return errf(errno, "making %s read-only: %s", dst, strerror(errno));
	return 0;
}

static int bind_rw(const char *src, const char *dst)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return errf(errno, "bind-mounting %s on %s: %s", src, dst, strerror(errno));
	return 0;
}

int codefs_mount_image(const char *rootfs, const char *tmp_dir)
{
	static const char *const devs[] = { "null", "zero", "full", "random", "urandom" };
	char dst[PATH_MAX + 32], src[64];
	int err, fd;

	if ((err = bind_rw(rootfs, rootfs)) < 0)
		return err;
	snprintf(dst, sizeof(dst), "%s/tmp", rootfs);
	if ((err = bind_rw(tmp_dir, dst)) < 0)
		return err;
	snprintf(dst, sizeof(dst), "%s/dev", rootfs);
	if (mount("vpcsim-dev", dst, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755") < 0)
		return errf(errno, "mounting a tmpfs on %s: %s", dst, strerror(errno));
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		snprintf(dst, sizeof(dst), "%s/dev/%s", rootfs, devs[i]);
		snprintf(src, sizeof(src), "/dev/%s", devs[i]);
		fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
		if (fd >= 0)
			close(fd);
		if ((err = bind_rw(src, dst)) < 0)
			return err;
	}
	snprintf(dst, sizeof(dst), "%s/etc/hosts", rootfs);
	if (access(dst, F_OK) == 0 && (err = bind_ro("/etc/hosts", dst)) < 0)
		return err;
	if (mount(NULL, rootfs, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID, NULL) < 0)
		return errf(errno, "making %s read-only: %s", rootfs, strerror(errno));
	return 0;
}
