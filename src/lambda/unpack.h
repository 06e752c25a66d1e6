/* The members of one archive (a code package or an image layer) written
 * under a folder, as root, on the user's behalf: so nothing in the archive
 * decides where a write lands (issue 18).
 *
 * libarchive only reads: the writing is ours, from a descriptor of the
 * target folder (util/fsat.h), so no member and no symlink an earlier
 * member or layer made is followed: a member beneath a symlink is refused,
 * a whiteout beneath one removes nothing. Member names are cleaned
 * (lambda/pkgpath.h): absolute names and ".." are refused. Regular files,
 * folders, symbolic links and hard links (to a member already written) are
 * made; device nodes, FIFOs and sockets are dropped; setuid and setgid
 * bits are cleared. Owners are not kept (root's), modification times are.
 *
 * Limits are counted on what is really written, never on the sizes the
 * archive's headers claim: past max_bytes of file data or max_entries
 * members the unpacking stops with an error (the caller removes the
 * half-written tree). */
#ifndef VPCSIM_UNPACK_H
#define VPCSIM_UNPACK_H

#include <stdbool.h>
#include <stddef.h>

#include "util/dlib.h"

struct unpack_limits {
	long long max_bytes;      /* file data, all archives of one unpacking */
	long long max_entries;    /* members, likewise */
};

struct unpack_count {
	long long bytes;          /* file data written */
	long long entries;        /* members seen */
	long long dropped;        /* device nodes, FIFOs, sockets not made */
};

enum unpack_mode {
	UNPACK_PACKAGE,           /* a .zip: folders 0755, files 0644 or 0755 */
	UNPACK_LAYER,             /* an image layer: modes kept, OCI whiteouts */
};

/* Write the members of `a` (opened for reading) under the folder `root`.
 * `what` names the archive in messages. 0, or -errno with a message. */
int unpack_archive(struct archive *a, int root, enum unpack_mode mode,
		   const struct unpack_limits *lim, struct unpack_count *n, const char *what);

/* A code package (.zip, from `path`, or `len` bytes at `mem`) under the
 * folder `root`, with UNPACK_PACKAGE modes. */
int unpack_package(const char *path, const void *mem, size_t len, int root,
		   const struct unpack_limits *lim, struct unpack_count *n, const char *what);

#endif
