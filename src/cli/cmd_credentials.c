/* vpcsim credentials: `export` lines with a key pair the topology's AWS
 * endpoints accept: the topology's admin key (made at `up` for every
 * topology, state/credentials.h; `vpcsim serve` and the AWS zone accept
 * it), or with --function FN that function's execution-role credentials
 * (what its environment gets; a topology with an "aws" key), or with
 * --duration-seconds N a fresh temporary key of that function's role
 * session that expires in N seconds (the front then answers ExpiredToken,
 * as AWS does for temporary credentials past their Expiration). For tests
 * and the AWS CLI: eval "$(sudo vpcsim credentials -t NAME)". Root only:
 * the key is what lets a client invoke the topology's functions
 * (docs/SECURITY.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static void keys_print(const struct aws_cred *c)
{
	printf("export AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\n", c->akid, c->secret);
	if (c->token[0])
		printf("export AWS_SESSION_TOKEN=%s\n", c->token);
	else
		printf("unset AWS_SESSION_TOKEN\n");
}

/* A new temporary key of fn's role session, valid for secs, appended to
 * the zone's credentials file (the front reads it on first use). */
static int mint_print(const char *zone, const struct aws_cred *fn, long secs)
{
	struct aws_cred c;
	char when[32];
	time_t exp = time(NULL) + secs;

	if (aws_cred_new(&c, fn->role, fn->session, true) < 0 ||
	    (c.expires = (long long)exp, aws_creds_append(zone, &c) < 0))
		return fail(EXIT_FAILED, "credentials: %s", err_msg());
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&exp));
	keys_print(&c);
	printf("# expires %s\n", when);
	explicit_bzero(&c, sizeof(c));
	return EXIT_OK;
}

/* --duration-seconds: 1 to 43200 (12 hours, STS's longest session). */
static long duration_parse(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v >= 1 && v <= 43200 ? v : -1;
}

int cmd_credentials(int argc, char **argv)
{
	static const struct option opts[] = { { "function", required_argument, NULL, 'f' },
					      { "duration-seconds", required_argument, NULL, 'd' },
					      { 0 } };
	char name[TOPO_NAME_MAX_LEN + 1], dir[STATE_PATH_MAX], zone[4096];
	const char *topo = NULL, *fn = NULL;
	struct aws_cred *v;
	long secs = 0;
	int c, n, i, rc;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c == 't')
			topo = optarg;
		else if (c == 'f')
			fn = optarg;
		else if (c == 'd' && (secs = duration_parse(optarg)) < 0)
			return fail(EXIT_USAGE, "credentials: --duration-seconds '%s': give a whole "
				    "number of seconds from 1 to 43200 (12 hours)", optarg);
		else if (c != 'd')
			return fail(EXIT_USAGE, "%s", verb_usage("credentials"));
	}
	if (optind != argc)
		return fail(EXIT_USAGE, "%s", verb_usage("credentials"));
	if (secs && !fn)
		return fail(EXIT_USAGE, "credentials: --duration-seconds mints a key of a function's "
			    "role session: add --function FN");
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
	rc = secs ? mint_print(zone, &v[i], secs) : (keys_print(&v[i]), EXIT_OK);
	free(v);
	return rc;
}
