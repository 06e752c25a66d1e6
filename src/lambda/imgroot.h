/* An image's root file system, made from an OCI image layout (a folder or
 * an archive of one) or a docker/podman `save` archive, as root, without
 * trusting anything in it (issue 18):
 *
 * - Archive members named by manifest.json or reached from index.json
 *   (by digest, blobs/ALG/HEX) are looked up among the archive's own
 *   members, never on the host: absolute names and ".." are refused, a
 *   symbolic or hard link member leads only to another member. In a
 *   layout folder the blob is opened beneath the folder without following
 *   any symlink and must be a regular file.
 * - The layers are unpacked in order by lambda/unpack.h (whiteouts,
 *   limits counted on what is written, no device nodes, no setuid bits).
 * - image_root_prepare() makes the mount points the supervisor uses
 *   (proc, dev, tmp mode 1777, etc/hosts, var/task), refusing an image
 *   where one is a symbolic link or not a folder.
 *
 * Everything works on descriptors and memory, so the fuzz target
 * (tests/fuzz/fuzz_image.c) runs it without privilege in a folder it owns. */
#ifndef VPCSIM_IMGROOT_H
#define VPCSIM_IMGROOT_H

#include <stddef.h>

#include "lambda/unpack.h"

/* Where an image's files come from: exactly one of dir, path, mem. */
struct imgsrc {
	const char *name;         /* the image as the user named it, for messages */
	int dir;                  /* an OCI layout folder, or -1 */
	const char *path;         /* an image archive (tar, maybe compressed) */
	const void *mem;          /* the same in memory */
	size_t len;
};

/* Unpack the image's layers under `root` (an empty folder) and return its
 * config (the JSON text, malloc'ed) in *config. */
int imgroot_unpack(const struct imgsrc *s, int root, const struct unpack_limits *lim,
		   struct unpack_count *n, char **config);

/* The mount points under an unpacked root (see above); `what` names the
 * image in messages. */
int imgroot_prepare(int root, const char *what);

#endif
