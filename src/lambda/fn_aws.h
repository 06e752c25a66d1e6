/* What a function's code gets of the topology's AWS services
 * (docs/AWS-SERVICES.md): its execution role's temporary credentials and
 * the topology's CA bundle. Read once here and turned into variables here,
 * for its runtime (supervisor_runtime.c) and for a command run in its
 * environment (sandbox.c: `invoke FN -- CMD`, `exec FN`, a handler
 * command). */
#ifndef VPCSIM_FN_AWS_H
#define VPCSIM_FN_AWS_H

#include <limits.h>
#include <stdbool.h>

struct fn_aws {
	char key_id[32], secret[64], token[160]; /* "" without "aws" */
	char ca_bundle[PATH_MAX];  /* host path; "" without "aws" */
};

/* The credentials of `function` and the CA bundle of the topology whose
 * state folder is `state_dir`, when it has "aws" (aws_enabled); all ""
 * otherwise (or when the zone's files cannot be read). */
void fn_aws_load(const char *state_dir, bool aws_enabled, const char *function, struct fn_aws *a);

/* add(ctx, KEY, VALUE) for every variable of a: the credentials
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: reserved
 * by Lambda, always) and codefs_ca_vars set to CODEFS_CA_BUNDLE, each of
 * those only when `env` (the environment built so far: the image's Env
 * and the function's own variables, "KEY=VALUE" strings ending with
 * NULL) does not set it: they are not reserved, and a variable the user
 * set wins, as on Lambda (docs/AWS-SERVICES.md, "HTTPS and the CA"). The
 * one rule of the runtime's environment (supervisor_runtime.c) and a
 * command's (sandbox.c). Stops at add's first error and returns it; 0
 * when all were added. */
int fn_aws_vars(const struct fn_aws *a, char *const *env,
		int (*add)(void *ctx, const char *key, const char *value), void *ctx);

#endif
