/* vpcsim up FILE: build a topology (or a template's, model/template.h), all
 * or nothing. */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/clock.h"
#include "state/journal.h"
#include "aws/front.h"
#include "lambda/event_service.h"
#include "state/apply.h"
#include "model/topology_code.h"
#include "model/names.h"
#include "model/template.h"
#include "cli/report.h"
#include "state/dns_steps.h"
#include "state/engine_steps.h"
#include "state/state.h"



/* A namespace of this topology that exists without its state means an
 * earlier run was cut short; building over it would fail half-way. Only
 * namespaces this topology owns count (names.h): `a-b`'s never stop `a`. */
static const char *leftover_netns(const char *topo)
{
	static char found[256];
	struct dirent *de;
	DIR *d = opendir(NETNS_RUN_DIR);

	if (!d)
		return NULL;
	found[0] = '\0';
	while ((de = readdir(d)))
		if (ns_owned_by(de->d_name, topo)) {
			snprintf(found, sizeof(found), "%s", de->d_name);
			break;
		}
	closedir(d);
	return found[0] ? found : NULL;
}

static void print_plan(const struct layout *L, const struct plan *P)
{
	char line[512];

	for (int i = 0; i < P->n; i++) {
		plan_step_describe(L, &P->steps[i], line, sizeof(line));
		printf("%4d  %s\n", i + 1, line);
	}
	printf("%d steps\n", P->n);
}

/* VPCSIM_FAIL_STEP / VPCSIM_KILL_STEP (tests): a step number 1..n. */
static int test_step(const char *var, const char *val, int n, int *out)
{
	long long k = 0;

	if (val && !parse_num(val, 1, n, &k))
		return fail(EXIT_USAGE, "%s='%s': use a step number 1..%d (`vpcsim up --dry-run` lists them)",
			    var, val, n);
	*out = (int)k;
	return EXIT_OK;
}

static int build(const char *text, size_t len, const struct topology *t,
		 const struct layout *L, const struct plan *P)
{
	char dir[STATE_PATH_MAX], path[STATE_PATH_MAX + 32];
	struct apply_opts o = { .state_dir = dir };
	const char *fail_at = getenv("VPCSIM_FAIL_STEP");
	const char *left;
	struct journal J;
	int err;

	if (state_lock() < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	if (state_is_up(t->name))
		return fail(EXIT_FAILED, "topology '%s' is already up; run `vpcsim down %s` first",
			    t->name, t->name);
	left = leftover_netns(t->name);
	if (left)
		return fail(EXIT_FAILED, "namespace %s is left from an earlier run of '%s'; "
			    "run `vpcsim down %s` first", left, t->name, t->name);
	if ((err = test_step("VPCSIM_FAIL_STEP", fail_at, P->n, &o.fail_at)) != EXIT_OK ||
	    (err = test_step("VPCSIM_KILL_STEP", getenv("VPCSIM_KILL_STEP"), P->n, &o.kill_at)) != EXIT_OK)
		return err;
	/* Missing engine programs fail `up` before it creates anything. */
	if (engine_preflight(t) < 0 || dns_preflight() < 0)
		return fail(EXIT_FAILED, "up %s: %s", t->name, err_msg());
	state_dir(t->name, dir);
	path_journal(path, sizeof(path), t->name);
	err = state_prepare(t->name, text, len);
	if (!err)
		err = journal_create(&J, path);
	if (err < 0) {
		tree_remove(dir);
		return fail(EXIT_FAILED, "%s", err_msg());
	}
	err = plan_apply(L, P, &J, &o);
	if (!err && (err = aws_zone_up(L, dir, &J)) < 0) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "the AWS zone: %s", err_msg());
		journal_undo(&J);
		errf(err, "%s", msg);
	}
	if (!err && (err = event_service_up(L, dir, &J)) < 0) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "the event service: %s", err_msg());
		journal_undo(&J);
		errf(err, "%s", msg);
	}
	journal_close(&J);
	if (err < 0) {
		tree_remove(dir);
		fail(EXIT_FAILED, "up %s failed at %s", t->name, err_msg());
		return fail(EXIT_FAILED, "nothing of topology '%s' was left in place", t->name);
	}
	return EXIT_OK;
}

/* up's options; -1 (usage printed) when one is wrong. */
static int up_args(int argc, char **argv, bool *dry, bool *json, struct template_opts *o)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "name", required_argument, NULL, 'N' },
		{ "parameter", required_argument, NULL, 'P' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'n')
			*dry = true;
		else if (c == 'j')
			*json = true;
		else if (c == 'N')
			o->name = optarg;
		else if (c == 'P' && !template_parameter_add((void *)o->overrides, optarg))
			return fail(EXIT_USAGE, "--parameter '%s': write KEY=VALUE", optarg), -1;
		else if (c != 'P')
			return fail(EXIT_USAGE, "%s", verb_usage("up")), -1;
	}
	if (optind != argc - 1)
		return fail(EXIT_USAGE, "%s", verb_usage("up")), -1;
	return 0;
}

int cmd_up(int argc, char **argv)
{
	cJSON *over = cJSON_CreateObject();
	struct template_opts o = { .overrides = over };
	bool dry = false, json = false;
	struct layout L;
	struct plan P;
	struct topology *t;
	double t0 = now_ms();
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (up_args(argc, argv, &dry, &json, &o) < 0) {
		cJSON_Delete(over);
		return EXIT_USAGE;
	}
	if (!dry && (rc = need_privilege("up")) != EXIT_OK) {
		cJSON_Delete(over);
		return rc;
	}
	t = topology_prepare_as(argv[optind], &o, &L, &text, &len);
	cJSON_Delete(over);
	if (!t)
		return EXIT_USAGE;
	if (plan_build(&L, &P) < 0) {
		rc = fail(EXIT_FAILED, "%s", err_msg());
	} else if (dry) {
		print_plan(&L, &P);
		rc = EXIT_OK;
	} else {
		/* Code packages and images by absolute paths, so that the model
		 * loaded again from the saved copy finds them: rewritten from
		 * the very bytes parsed, never from the file read again. */
		char *abs = function_code_absolute_paths(text, len, argv[optind]);

		rc = build(abs ? abs : text, abs ? strlen(abs) : len, t, &L, &P);
		free(abs);
		if (rc == EXIT_OK)
			report_up(&L, now_ms() - t0, json);
	}
	plan_free(&P);
	layout_free(&L);
	topology_free(t);
	free(text);
	return rc;
}
