/* vpcsim down [NAME] [--all] and vpcsim clean. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/clock.h"
#include "util/err.h"
#include "model/names.h"
#include "state/journal.h"
#include "state/state.h"
#include "state/sweep.h"
#include "lambda/env.h"
#include "lambda/sandbox.h"
#include "lambda/supervisor.h"

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
 * exact marks (objects of an `up` killed before it could journal them).
 * Nothing of another topology is touched: marks name their owner exactly
 * (model/names.h). A name with nothing left is no error: `down` succeeds
 * when repeated (CLI.md), and says what is up instead. */
static int down_one(const char *name)
{
	char dir[STATE_PATH_MAX], path[STATE_PATH_MAX + 32];
	bool was_up = state_is_up(name), journal = false;
	struct journal J;
	int err = 0, swept;

	double t0 = now_ms(), t1;

	/* Lambda's shutdown phase of each environment (extensions get
	 * SHUTDOWN), before anything of theirs goes. */
	supervisor_stop_all(name);
	state_dir(name, dir);
	/* Environments are built outside the state lock (lambda/env.h):
	 * wait for those under way, let none start. */
	if (env_builds_stop(name) < 0) {
		fprintf(stderr, "vpcsim: down %s: %s\n", name, err_msg());
		err_clear();
	}
	path_journal(path, sizeof(path), name);
	if (journal_read(&J, path) == 0) {
		journal = true;
		err = journal_undo(&J);
		journal_close(&J);
	}
	t1 = now_ms();
	swept = sweep_everything(name);
	if (getenv("VPCSIM_PROFILE"))
		fprintf(stderr, "profile: down: journal %.1f ms, sweep %.1f ms\n", t1 - t0,
			now_ms() - t1);
	if (swept < 0 && !err)
		err = -1;
	if (err < 0)
		return fail(EXIT_FAILED, "down %s: some objects could not be removed (see above); "
			    "`vpcsim clean` removes what is left", name);
	if (!was_up && !journal && swept == 0) {
		char names[64][TOPO_NAME_MAX_LEN + 1];
		int n = state_list(names, 64);

		printf("topology %s is not up; nothing of it was left\n", name);
		for (int i = 0; i < n; i++)
			printf("%s%s", i ? ", " : "up now: ", names[i]);
		if (n)
			printf("\n");
		return EXIT_OK;
	}
	printf("topology %s is down\n", name);
	return EXIT_OK;
}

int cmd_down(int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { 0 } };
	char names[64][TOPO_NAME_MAX_LEN + 1];
	const char *name = NULL;
	bool all = false;
	int c, n, rc = EXIT_OK;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 't')
			name = optarg;
		else
			return fail(EXIT_USAGE, "%s", verb_usage("down"));
	}
	if ((rc = topology_arg("down", name, argc - optind, argv + optind, &name)) != EXIT_OK)
		return rc;
	if (all && name)
		return fail(EXIT_USAGE, "%s", verb_usage("down"));
	if (name && !ns_component_ok(name, TOPO_NAME_MAX_LEN))
		return fail(EXIT_USAGE, "'%s' is not a topology name (^[a-z][a-z0-9-]{0,11}$)", name);
	if ((rc = need_privilege("down")) != EXIT_OK)
		return rc;
	if (state_lock() < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	if (name)
		return down_one(name);
	n = state_list(names, 64);
	if (n == 0) {
		printf("no topology is up\n");
		return EXIT_OK;
	}
	if (n > 1 && !all) {
		char msg[1024] = "";

		for (int i = 0; i < n; i++) {
			strncat(msg, i ? ", " : "", sizeof(msg) - strlen(msg) - 1);
			strncat(msg, names[i], sizeof(msg) - strlen(msg) - 1);
		}
		return fail(EXIT_USAGE, "%d topologies are up (%s); name one or use --all", n, msg);
	}
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
	if ((rc = need_privilege("clean")) != EXIT_OK)
		return rc;
	if (state_lock() < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	n = sweep_everything(NULL);
	if (n < 0)
		return fail(EXIT_FAILED, "clean: some objects could not be removed (see above)");
	printf("removed %d vpcsim object%s\n", n, n == 1 ? "" : "s");
	return EXIT_OK;
}
