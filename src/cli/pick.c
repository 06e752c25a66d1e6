/* Which topology a verb means (-t NAME, a positional NAME, or the only
 * one up), with the exit status the CLI spec gives each refusal. */
#include <string.h>

#include "cli/cli.h"
#include "util/err.h"
#include "state/state.h"

int topology_arg(const char *verb, const char *t_opt, int npos, char **pos, const char **name)
{
	if (npos > 1)
		return fail(EXIT_USAGE, "%s: one topology NAME, not %d; %s", verb, npos, verb_usage(verb));
	if (t_opt && npos == 1 && strcmp(t_opt, pos[0]))
		return fail(EXIT_USAGE, "%s: -t %s and %s name two topologies; give one; %s", verb, t_opt,
			    pos[0], verb_usage(verb));
	*name = t_opt ? t_opt : npos == 1 ? pos[0] : NULL;
	return EXIT_OK;
}

int open_topology(const char *name, struct live *lv)
{
	int err = live_open(name, lv);

	if (err == -EACCES)
		return fail(EXIT_PRIVILEGE, "%s; run: sudo %s", err_msg(), command_line());
	if (err == -ENOENT || err == -EINVAL)
		return fail(EXIT_USAGE, "%s", err_msg());
	if (err < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	return EXIT_OK;
}
