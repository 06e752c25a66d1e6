/* vpcsim credentials: `export` lines with a key pair the topology's AWS
 * endpoints accept: the topology's admin key (made at `up` for every
 * topology, state/credentials.h; `vpcsim serve` and the AWS zone accept
 * it), or with --function FN that function's execution-role credentials
 * (what its environment gets; a topology with an "aws" key). For tests
 * and the AWS CLI: eval "$(sudo vpcsim credentials -t NAME)". Root only:
 * the key is what lets a client invoke the topology's functions
 * (docs/SECURITY.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/front.h"
#include "cli/cli.h"
#include "state/aws_creds.h"
#include "state/credentials.h"
#include "state/state.h"
#include "util/err.h"

/* The topology's admin key and region. */
static int admin_print(const char *name, const char *dir)
{
	struct admin_key k;
	struct live lv;

	if (live_open(name, &lv) < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	if (credentials_load(dir, &k) < 0) {
		live_close(&lv);
		return fail(EXIT_FAILED, "credentials: %s", err_msg());
	}
	printf("export AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\n"
	       "export AWS_DEFAULT_REGION=%s\nunset AWS_SESSION_TOKEN\n", k.access_key_id, k.secret,
	       lv.t->region);
	explicit_bzero(&k, sizeof(k));
	live_close(&lv);
	return EXIT_OK;
}

int cmd_credentials(int argc, char **argv)
{
	static const struct option opts[] = { { "function", required_argument, NULL, 'f' }, { 0 } };
	char name[TOPO_NAME_MAX_LEN + 1], dir[STATE_PATH_MAX], zone[4096];
	const char *topo = NULL, *fn = NULL;
	struct aws_cred *v;
	int c, n, i, rc;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c == 't')
			topo = optarg;
		else if (c == 'f')
			fn = optarg;
		else
			return fail(EXIT_USAGE, "%s", verb_usage("credentials"));
	}
	if (optind != argc)
		return fail(EXIT_USAGE, "%s", verb_usage("credentials"));
	if ((rc = need_privilege("credentials")) != EXIT_OK)
		return rc;
	if (state_pick(topo, name) < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	state_dir(name, dir);
	if (!fn)
		return admin_print(name, dir);
	aws_zone_dir(dir, zone);
	if (aws_creds_read(zone, &v, &n) < 0)
		return fail(EXIT_FAILED, "topology '%s' has no AWS services, so no credentials: add an "
			    "\"aws\" key to its file (%s)", name, err_msg());
	i = aws_creds_find(v, n, fn);
	if (i < 0) {
		free(v);
		return fail(EXIT_USAGE, "credentials: topology '%s' has no function '%s'", name, fn);
	}
	printf("export AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\n", v[i].akid,
	       v[i].secret);
	if (v[i].token[0])
		printf("export AWS_SESSION_TOKEN=%s\n", v[i].token);
	else
		printf("unset AWS_SESSION_TOKEN\n");
	free(v);
	return EXIT_OK;
}
