/* vpcsim status [NAME] [--json]. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/err.h"
#include "cli/report.h"
#include "state/state.h"

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' }, { 0 } };
	const char *name = NULL;
	struct live lv;
	bool json = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 't')
			name = optarg;
		else
			return fail(EXIT_USAGE, "%s", verb_usage("status"));
	}
	if ((rc = topology_arg("status", name, argc - optind, argv + optind, &name)) != EXIT_OK)
		return rc;
	/* The state is root's only (it may hold passwords). */
	if ((c = need_privilege("status")) != EXIT_OK)
		return c;
	if ((rc = open_topology(name, &lv)) != EXIT_OK)
		return rc;
	report_status(&lv, json);
	live_close(&lv);
	return EXIT_OK;
}
