/* vpcsim exec [-t NAME] NODE -- CMD [ARG...]: run a command inside a node. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lambda/env.h"
#include "lambda/fn_sandbox.h"
#include "util/err.h"
#include "kernel/proc.h"
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
	live_close(&lv);
	proc_exec_in_node(netns, argv + i + 2);
	return fail(127, "exec %s in %s: %s", argv[i + 2], netns, err_msg());
}
