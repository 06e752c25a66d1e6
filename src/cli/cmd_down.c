/* vpcsim down [NAME] [--all] and vpcsim clean. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/err.h"
#include "state/journal.h"
#include "state/state.h"
#include "state/sweep.h"
#include "lambda/sandbox.h"

/* Sweep topology `topo` (NULL: all): execution environments first, as
 * their /tmp is mounted below the state folder, then everything else with
 * a vpcsim mark. The number of objects removed, or the first error. */
static int sweep_everything(const char *topo)
{
	int envs = sandbox_sweep(topo), rest;

	if (envs < 0)
		fprintf(stderr, "vpcsim: clean: %s\n", err_msg());
	rest = sweep(topo);
	if (envs < 0)
		return envs;
	return rest < 0 ? rest : envs + rest;
}

/* Undo the journal of topology `name`, then sweep whatever carries its
 * marks (objects of an `up` killed before it could journal them). */
static int down_one(const char *name)
{
	char dir[STATE_PATH_MAX], path[STATE_PATH_MAX + 32];
	struct journal J;
	int err = 0;

	state_dir(name, dir);
	snprintf(path, sizeof(path), "%s/journal", dir);
	if (journal_read(&J, path) == 0) {
		err = journal_undo(&J);
		journal_close(&J);
	}
	if (sweep_everything(name) < 0 && !err)
		err = -1;
	if (err < 0)
		return fail(EXIT_FAILED, "down %s: some objects could not be removed (see above); "
			    "`vpcsim clean` removes what is left", name);
	printf("topology %s is down\n", name);
	return EXIT_OK;
}

int cmd_down(int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { 0 } };
	char names[64][TOPO_NAME_MAX_LEN + 1];
	bool all = false;
	int c, n, rc = EXIT_OK;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c != 't')
			return fail(EXIT_USAGE, "%s", verb_usage("down"));
	}
	if (argc - optind > 1 || (all && argc - optind == 1))
		return fail(EXIT_USAGE, "%s", verb_usage("down"));
	if ((rc = need_privilege("down", argc > optind ? argv[optind] : "")) != EXIT_OK)
		return rc;
	if (state_lock() < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	if (argc - optind == 1) {
		const char *name = argv[optind];

		if (strlen(name) > TOPO_NAME_MAX_LEN || strchr(name, '/') || name[0] == '.')
			return fail(EXIT_USAGE, "'%s' is not a topology name", name);
		return down_one(name);
	}
	n = state_list(names, 64);
	if (n == 0) {
		printf("no topology is up\n");
		return EXIT_OK;
	}
	if (n > 1 && !all)
		return fail(EXIT_USAGE, "%d topologies are up; name one or use --all", n);
	for (int i = 0; i < n; i++)
		if (down_one(names[i]) != EXIT_OK)
			rc = EXIT_FAILED;
	return rc;
}

int cmd_clean(int argc, char **argv)
{
	int rc, n;

	if (argc != 1)
		return fail(EXIT_USAGE, "%s", verb_usage("clean"));
	if ((rc = need_privilege("clean", "")) != EXIT_OK)
		return rc;
	if (state_lock() < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	n = sweep_everything(NULL);
	if (n < 0)
		return fail(EXIT_FAILED, "clean: some objects could not be removed (see above)");
	printf("removed %d vpcsim object%s\n", n, n == 1 ? "" : "s");
	return EXIT_OK;
}
