/* vpcsim exec [-t NAME] NODE -- CMD [ARG...]: run a command inside a node. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/ca.h"
#include "aws/front.h"
#include "cli/cli.h"
#include "lambda/codefs.h"
#include "lambda/env.h"
#include "lambda/fn_sandbox.h"
#include "util/err.h"
#include "kernel/proc.h"
#include "state/credentials.h"
#include "state/state.h"

/* A function: an idle environment of it (made if none), held busy while
 * the command runs in it as an invoke would run (jail, uid, cgroup, own
 * session, output relayed), with its variables. */
static int exec_in_function(struct live *lv, int fn, char **cmd)
{
	const struct function *f = &lv->t->functions[fn];
	struct env_handle h;
	int rc, status;

	if (env_take(lv, fn, &h) < 0) {
		rc = fail(EXIT_FAILED, "exec %s: %s", f->name, err_msg());
		live_close(lv);
		return rc;
	}
	struct fn_sandbox v;

	if (fn_sandbox_open(lv, fn, &h, &v) < 0) {
		rc = fail(EXIT_FAILED, "exec %s: %s", f->name, err_msg());
	} else {
		v.sb.beside_runtime = f->code.kind != CODE_NONE;
		if (sandbox_exec(&v.sb, &v.env, cmd, &status) < 0)
			rc = fail(127, "exec %s: %s", f->name, err_msg());
		else
			rc = status;
		fn_sandbox_close(&v);
	}
	env_release(&h);
	live_close(lv);
	return rc;
}

/* A node of a topology with "aws": what the AWS CLI and SDKs need inside
 * the simulation. The CA bundle always (its host path: a node's command
 * sees the host's files; it holds the system's CAs too, and no other CA
 * signs anything inside the simulation); the topology's admin key
 * (`vpcsim credentials`) and the Region where the caller set none. */
static void node_aws_env(const struct live *lv)
{
	char zone[4096], bundle[4096 + sizeof(AWS_CA_BUNDLE) + 1];
	struct admin_key k;

	if (!lv->t->aws.enabled)
		return;
	aws_zone_dir(lv->dir, zone);
	snprintf(bundle, sizeof(bundle), "%s/%s", zone, AWS_CA_BUNDLE);
	for (int i = 0; codefs_ca_vars[i]; i++)
		setenv(codefs_ca_vars[i], bundle, 1);
	if (!getenv("AWS_ACCESS_KEY_ID") && credentials_load(lv->dir, &k) == 0) {
		setenv("AWS_ACCESS_KEY_ID", k.access_key_id, 1);
		setenv("AWS_SECRET_ACCESS_KEY", k.secret, 1);
		unsetenv("AWS_SESSION_TOKEN");
		explicit_bzero(&k, sizeof(k));
	}
	err_clear();
	setenv("AWS_DEFAULT_REGION", lv->t->region, 0);
}

int cmd_exec(int argc, char **argv)
{
	const char *name = NULL;
	char netns[NETNS_NAME_MAX];
	struct live lv;
	int i = 1, rc, node;

	if (i + 1 < argc && strcmp(argv[i], "-t") == 0) {
		name = argv[i + 1];
		i += 2;
	}
	if (i + 2 >= argc || strcmp(argv[i + 1], "--") != 0)
		return fail(EXIT_USAGE, "%s", verb_usage("exec"));
	if ((rc = need_privilege("exec")) != EXIT_OK)
		return rc;
	if ((rc = open_topology(name, &lv)) != EXIT_OK)
		return rc;
	node = layout_find_node(&lv.L, argv[i]);
	int fn = node < 0 ? layout_find_function(&lv.L, argv[i]) : -1;

	if (fn >= 0)
		return exec_in_function(&lv, fn, argv + i + 2);
	if (node < 0) {
		live_close(&lv);
		return fail(EXIT_USAGE, "no node '%s' in topology %s: name a resource, a function "
			    "or an internet host%s (see `vpcsim status`)", argv[i], lv.name,
			    layout_name_hint(&lv.L, argv[i], false));
	}
	snprintf(netns, sizeof(netns), "%s", lv.L.nodes[node].netns);
	node_aws_env(&lv);
	live_close(&lv);
	proc_exec_in_node(netns, argv + i + 2);
	return fail(127, "exec %s in %s: %s", argv[i + 2], netns, err_msg());
}
