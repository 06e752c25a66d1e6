/* Code packages and images made ready to mount, with libarchive.
 *
 * A .zip is unpacked once into the topology's state folder
 * (STATE/code/FN/task), again only when the zip changed (size, mtime);
 * paths escaping the folder (.., absolute, through symlinks) are refused;
 * files become world-readable (0644, or 0755 when executable), as Lambda
 * requires of a package. A folder is used where it is.
 *
 * An image (OCI layout folder or docker/podman save archive) is unpacked
 * into STATE/code/FN/rootfs: its layers in order, whiteouts (.wh.NAME,
 * .wh..wh..opq) applied; its config gives ENTRYPOINT, CMD, WORKDIR, Env. */
#ifndef VPCSIM_CODEPKG_H
#define VPCSIM_CODEPKG_H

#include <limits.h>

#include "model/topology_code.h"

struct image_spec {
	char rootfs[PATH_MAX];
	char **entrypoint;         /* NULL-ended, malloc'ed; may be empty */
	char **cmd;
	char **env;                /* KEY=VALUE */
	char workdir[PATH_MAX];    /* "" when the image sets none */
};

/* The folder to mount at /var/task for function `fn` of a topology whose
 * state folder is `state_dir`. */
int codepkg_task_dir(const char *state_dir, const char *fn, const struct function_code *c,
		     char out[PATH_MAX]);

/* Unpack (or reuse) the image of fn and read its config. */
int codepkg_image(const char *state_dir, const char *fn, const struct function_code *c,
		  struct image_spec *out);
void image_spec_free(struct image_spec *s);

/* vpcsim's bundled runtime clients: $VPCSIM_RUNTIMES_DIR, else
 * runtimes/ beside the binary's folder (the source tree's build/), else
 * ../lib/vpcsim/runtimes from the binary (make install). */
int codepkg_runtimes_dir(char out[PATH_MAX]);

#endif
