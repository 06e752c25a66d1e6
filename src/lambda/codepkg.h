/* Code packages and images made ready to mount, with libarchive.
 *
 * A .zip is unpacked once into the topology's state folder
 * (STATE/code/FN/task), again only when the zip changed (size, mtime), by
 * lambda/unpack.h: nothing in it is followed, at most 250 MB are written
 * (counted, whatever the zip claims); files become world-readable (0644,
 * or 0755 when executable), as Lambda requires of a package. A folder is
 * used where it is.
 *
 * An image (OCI layout folder or docker/podman save archive) is unpacked
 * into STATE/code/FN/rootfs by lambda/imgroot.h (at most 10 GB written);
 * its config (kept as STATE/code/FN/config.json) gives ENTRYPOINT, CMD,
 * WORKDIR, Env. A failed unpacking leaves nothing behind. */
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

/* The folders of fn's layers, in order (out[0] lowest), to be seen as
 * one at /opt: a folder layer where it is, a zip unpacked once into
 * STATE/layers/FN/N (again only when it changed) and shared read-only by
 * every environment of fn. What a zip writes is counted against what
 * Lambda's 250 MB leaves after the code (c->unzipped). *n gets their
 * number. */
int codepkg_layers(const char *state_dir, const char *fn, const struct function_code *c,
		   char out[][PATH_MAX], int *n);

/* Unpack (or reuse) the image of fn and read its config. */
int codepkg_image(const char *state_dir, const char *fn, const struct function_code *c,
		  struct image_spec *out);
/* The image as the function's environments run it: what a cold start
 * unpacked (an image folder is not unpacked again, which would pull the
 * root from under a running runtime), else as codepkg_image(). For a
 * command run beside the runtime (`invoke FN -- CMD`, `exec`). */
int codepkg_image_current(const char *state_dir, const char *fn, const struct function_code *c,
			  struct image_spec *out);
void image_spec_free(struct image_spec *s);
/* The folder the image's process starts in: image_config's
 * working_directory, else the image's WORKDIR, else "/". */
const char *image_workdir(const struct function_code *c, const struct image_spec *im);
/* ENTRYPOINT, CMD, Env and WorkingDir of an image config's JSON text into
 * out (its rootfs untouched); free with image_spec_free(). */
int image_config_parse(const char *text, struct image_spec *out);

/* vpcsim's bundled runtime clients: $VPCSIM_RUNTIMES_DIR, else
 * runtimes/ beside the binary's folder (the source tree's build/), else
 * ../lib/vpcsim/runtimes from the binary (make install). */
int codepkg_runtimes_dir(char out[PATH_MAX]);

#endif
