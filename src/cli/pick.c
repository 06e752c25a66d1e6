/* Which topology a verb means (-t NAME, a positional NAME, or the only
 * one up), with the exit status the CLI spec gives each refusal. */
#include "cli/cli.h"
#include "util/err.h"
#include "state/state.h"

int open_topology(const char *name, struct live *lv)
{
	int err = live_open(name, lv);

	if (err == -ENOENT || err == -EINVAL)
		return fail(EXIT_USAGE, "%s", err_msg());
	if (err < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	return EXIT_OK;
}
