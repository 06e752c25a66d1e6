/* Member names of archives a user gave (code packages, image archives,
 * image layers), made safe before anything is looked up: pure string
 * functions, no file system.
 *
 * A clean name is relative, its components separated by single slashes,
 * none empty, "." or ".."; "" is the archive's root. */
#ifndef VPCSIM_PKGPATH_H
#define VPCSIM_PKGPATH_H

#include <stddef.h>

/* Most components a member name may have (deeper trees are refused). */
#define PKGPATH_DEPTH_MAX 256

/* `in` as a clean name in out: empty and "." components dropped (tar's
 * leading "./"), an absolute name (leading '/') or a ".." component
 * refused (-EINVAL), as are names longer than size-1 or
 * deeper than PKGPATH_DEPTH_MAX (-ENAMETOOLONG), or a component longer
 * than NAME_MAX. Returns the clean name's length (0: the root). */
int pkgpath_clean(const char *in, char *out, size_t size);

enum pkgpath_whiteout { WH_NONE, WH_FILE, WH_OPAQUE };

/* An OCI whiteout in a layer, from a clean name: WH_FILE for
 * DIR/.wh.NAME (the lower layers' DIR/NAME goes), WH_OPAQUE for
 * DIR/.wh..wh..opq (the lower layers' content of DIR goes), with DIR in
 * dir ("" for the root) and NAME in *name (points into clean). A
 * ".wh." whose NAME is empty, "." or ".." names nothing: WH_FILE with
 * *name NULL. */
enum pkgpath_whiteout pkgpath_whiteout(const char *clean, char *dir, size_t size,
				       const char **name);

/* "ALG:ENCODED" (an OCI descriptor's digest) as the layout's member name
 * blobs/ALG/ENCODED; -EINVAL unless ALG is [a-z0-9]+([+._-][a-z0-9]+)*
 * and ENCODED [a-zA-Z0-9=_-]+ (OCI image-spec, descriptor.md). 0 or
 * -ENAMETOOLONG. */
int pkgpath_digest(const char *digest, char *out, size_t size);

/* Where a symbolic link member `link` (a clean name) pointing at `target`
 * leads inside the archive, as a clean name: relative targets from the
 * link's folder; -EINVAL for an absolute target or one that climbs above
 * the archive's root. */
int pkgpath_link(const char *link, const char *target, char *out, size_t size);

#endif
