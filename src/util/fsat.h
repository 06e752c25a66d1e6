/* Files inside a folder tree that someone else filled (an image, a code
 * package), reached from a descriptor of the tree's root and never
 * through a symbolic link: what root must use for every path whose
 * components a user chose (issue 18).
 *
 * Each returns -errno (no message: the caller names the tree and the
 * member) or what it says. `rel` is relative to `root`; "" or "." is the
 * root itself. */
#ifndef VPCSIM_FSAT_H
#define VPCSIM_FSAT_H

#include <sys/types.h>

/* openat2(root, rel, flags, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS): no component, the last included, may be a
 * symbolic link, and ".." never leaves root. O_CLOEXEC and O_NOFOLLOW are
 * added. A descriptor, or -errno (-ELOOP: a component is a symlink). */
int fsat_open(int root, const char *rel, int flags, mode_t mode);
/* The folder `rel` under root, made (mode 0755) where a component is
 * missing; -ELOOP or -ENOTDIR where one is a symlink or not a folder.
 * An O_DIRECTORY descriptor. */
int fsat_mkdirs(int root, const char *rel);
/* rm -r of `name` in the folder `dir`, never following a link; absent is
 * success. */
int fsat_remove(int dir, const char *name);
/* Remove everything inside the folder `dir`, keep the folder. */
int fsat_empty(int dir);

#endif
