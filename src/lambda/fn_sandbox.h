/* The sandbox of a command run in a function's environment (`invoke FN --
 * CMD`, `exec FN -- CMD`, a code-less function's handler): the function's
 * limits and variables; for a package function its code at /var/task and
 * its layers at /opt, as its runtime sees them; for an image function the
 * image's root (its own /opt), its
 * WORKDIR (or image_config.working_directory) and its Env under the
 * function's own variables, as the image's runtime gets them; with
 * "aws", the role's keys and the CA bundle (fn_aws.h), as its runtime
 * gets them. Whoever
 * calls fills in what differs (beside_runtime). */
#ifndef VPCSIM_FN_SANDBOX_H
#define VPCSIM_FN_SANDBOX_H

#include "lambda/codepkg.h"
#include "lambda/env.h"
#include "lambda/sandbox.h"

struct fn_sandbox {
	struct sandbox sb;
	struct sandbox_env env;
	struct env_var *vars;      /* an image's Env with the function's over
				    * it; NULL: the function's own */
	struct image_spec im;
	bool image;
	/* A package function's code at /var/task and layers at /opt, as its
	 * runtime sees them. */
	char task_dir[PATH_MAX];
	char opt_dirs[CODE_LAYERS_MAX][PATH_MAX];
	struct jail_bind binds[2]; /* /var/task, the CA bundle */
	struct jail_union opt;
	struct fn_aws aws;
};

/* For environment h of function fn: an image is made ready as its
 * environments run it (codepkg_image_current()). 0, or < 0 with
 * err_msg() when the image cannot be read. */
int fn_sandbox_open(const struct live *lv, int fn, const struct env_handle *h,
		    struct fn_sandbox *v);
void fn_sandbox_close(struct fn_sandbox *v);

#endif
