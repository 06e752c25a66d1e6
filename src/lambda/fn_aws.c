/* A function's AWS credentials and CA variables; see fn_aws.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lambda/codefs.h"
#include "lambda/fn_aws.h"
#include "state/aws_creds.h"
#include "util/err.h"

/* aws/front.h keeps them in the state folder's aws/. */
void fn_aws_load(const char *state_dir, bool aws_enabled, const char *function,
		 struct fn_aws *a)
{
	char dir[PATH_MAX];
	struct aws_cred *v;
	int n, i;

	memset(a, 0, sizeof(*a));
	if (!aws_enabled)
		return;
	snprintf(dir, sizeof(dir), "%s/aws", state_dir);
	if (aws_creds_read(dir, &v, &n) < 0) {
		err_clear();
		return;
	}
	i = aws_creds_find(v, n, function);
	if (i >= 0) {
		snprintf(a->key_id, sizeof(a->key_id), "%s", v[i].akid);
		snprintf(a->secret, sizeof(a->secret), "%s", v[i].secret);
		snprintf(a->token, sizeof(a->token), "%s", v[i].token);
	}
	free(v);
	snprintf(a->ca_bundle, sizeof(a->ca_bundle), "%s/ca-bundle.pem", dir);
}

static bool env_sets(char *const *env, const char *key)
{
	size_t k = strlen(key);

	for (int i = 0; env && env[i]; i++)
		if (!strncmp(env[i], key, k) && env[i][k] == '=')
			return true;
	return false;
}

int fn_aws_vars(const struct fn_aws *a, char *const *env,
		int (*add)(void *ctx, const char *key, const char *value), void *ctx)
{
	int err = 0;

	if (a->key_id[0]) {
		err = add(ctx, "AWS_ACCESS_KEY_ID", a->key_id);
		if (err == 0)
			err = add(ctx, "AWS_SECRET_ACCESS_KEY", a->secret);
		if (err == 0)
			err = add(ctx, "AWS_SESSION_TOKEN", a->token);
	}
	for (int i = 0; err == 0 && a->ca_bundle[0] && codefs_ca_vars[i]; i++)
		if (!env_sets(env, codefs_ca_vars[i]))
			err = add(ctx, codefs_ca_vars[i], CODEFS_CA_BUNDLE);
	return err;
}
