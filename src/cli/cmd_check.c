/* vpcsim check FILE|NAME [--junit OUT.xml]: every expectation of the
 * topology's `expect` list, by reach (analysis) and by probe (packets).
 * TAP on stdout; JUnit XML on request; exit 0 only when every
 * expectation holds both ways. A FILE that is not up is brought up under
 * its name, checked and taken down again (also on failure, SIGINT or
 * SIGPIPE). A FILE may be a template (its expectations in
 * Metadata.vpcsim.expect, docs/TEMPLATES.md): --name and --parameter as
 * for `up`. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/check_out.h"
#include "cli/cli.h"
#include "cli/probe_named.h"
#include "cli/reach_out.h"
#include "model/template.h"
#include "state/state.h"
#include "util/err.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

#define CHECK_MAX_PARAMS 32

struct check_args {
	const char *target, *junit;
	int timeout_ms;
	struct template_opts o;    /* a template's name and parameter overrides */
	char *params[CHECK_MAX_PARAMS]; /* the --parameter words, for up */
	int n_params;
};

/* --parameter KEY=VALUE: kept for up, set in the overrides; usage exit or 0. */
static int add_param(struct check_args *a, char *arg)
{
	if (a->n_params == CHECK_MAX_PARAMS)
		return fail(EXIT_USAGE, "--parameter '%s': at most %d parameters", arg,
			    CHECK_MAX_PARAMS);
	a->params[a->n_params++] = arg;
	if (!template_parameter_add((void *)a->o.overrides, arg))
		return fail(EXIT_USAGE, "--parameter '%s': write KEY=VALUE", arg);
	return EXIT_OK;
}

static int parse_args(int argc, char **argv, struct check_args *a)
{
	static const struct option opts[] = {
		{ "junit", required_argument, NULL, 'J' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "name", required_argument, NULL, 'N' },
		{ "parameter", required_argument, NULL, 'P' },
		{ 0 },
	};
	long long num;
	int c, rc;

	a->timeout_ms = 1000;
	const char *t_opt = NULL;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c == 't') {
			t_opt = optarg;
		} else if (c == 'J') {
			a->junit = optarg;
		} else if (c == 'N') {
			a->o.name = optarg;
		} else if (c == 'P') {
			if ((rc = add_param(a, optarg)) != EXIT_OK)
				return rc;
		} else if (c == 'T') {
			if (!parse_num(optarg, 1, 600000, &num))
				return fail(EXIT_USAGE, "--timeout-ms '%s': use a whole number 1..600000",
					    optarg);
			a->timeout_ms = (int)num;
		} else {
			return fail(EXIT_USAGE, "%s", verb_usage("check"));
		}
	}
	/* FILE|NAME, -t NAME, both when equal, or neither: the only one up */
	return topology_arg("check", t_opt, argc - optind, argv + optind, &a->target);
}

/* Run another verb with its stdout sent to stderr (TAP owns stdout). */
static int run_quiet(int (*verb)(int, char **), int argc, char **argv)
{
	int saved, rc;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(STDERR_FILENO, STDOUT_FILENO);
	optind = 0;
	rc = verb(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return rc;
}

/* One expectation: reach, then probe. */
static void check_one(struct live *lv, const struct policy *pol, const struct expectation *e,
		      int timeout_ms, struct check_case *cc)
{
	struct reach_query q = { e->from, e->to, e->proto, e->proto == 1 ? 0 : (uint16_t)e->port, 0 };
	struct probe_outcome o;

	memset(cc, 0, sizeof(*cc));
	cc->e = e;
	if (reach_analyze(&lv->L, pol, &q, &cc->reach) < 0) {
		snprintf(cc->error, sizeof(cc->error), "reach: %s", err_msg());
		return;
	}
	if (probe_named(lv, e->from, e->to, e->proto, q.port, timeout_ms, &o) < 0) {
		snprintf(cc->error, sizeof(cc->error), "probe: %s", err_msg());
		return;
	}
	cc->probe = o.ans.result;
	snprintf(cc->probe_why, sizeof(cc->probe_why), "%s",
		 o.ans.result == PROBE_TIMEOUT ? o.why : o.ans.detail);
	cc->ok = cc->reach.verdict == e->result && cc->probe == e->result;
}

/* Every expectation of `exp` on the live topology: TAP, JUnit. Returns
 * the number that failed, or -1 when interrupted. */
static int check_all(struct live *lv, const struct expectation *exp, int n,
		     const struct check_args *a)
{
	struct check_case *cases = calloc((size_t)n + 1, sizeof(*cases));
	struct policy pol;
	int failed = 0, done = 0;

	if (!cases || reach_policy_compile(&lv->L, &pol) < 0) {
		free(cases);
		fail(EXIT_FAILED, "%s", cases ? err_msg() : "out of memory");
		return n ? n : 1;
	}
	printf("1..%d\n", n);
	for (; done < n && !stop_signal; done++) {
		check_one(lv, &pol, &exp[done], a->timeout_ms, &cases[done]);
		check_tap(stdout, done + 1, &cases[done]);
		fflush(stdout);
		failed += !cases[done].ok;
	}
	if (stop_signal)
		printf("Bail out! interrupted by signal %d after %d of %d\n", (int)stop_signal, done, n);
	if (a->junit && check_junit(a->junit, lv->name, cases, done) < 0) {
		fail(EXIT_FAILED, "%s", err_msg());
		failed++;
	}
	policy_free(&pol);
	free(cases);
	return stop_signal ? -1 : failed;
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* `vpcsim up FILE` with check's --name and --parameter words. */
static int up_file(const char *file, const struct check_args *a)
{
	char *argv[4 + 2 * CHECK_MAX_PARAMS] = { "up" };
	int n = 1;

	if (a->o.name) {
		argv[n++] = "--name";
		argv[n++] = (char *)a->o.name;
	}
	for (int i = 0; i < a->n_params; i++) {
		argv[n++] = "--parameter";
		argv[n++] = a->params[i];
	}
	argv[n++] = (char *)file;
	return run_quiet(cmd_up, n, argv);
}

/* FILE (a topology or a template): its expectations, and up if it is not
 * (*brought_up). What a template does not map is told by up. */
static struct topology *load_file(const char *file, const struct check_args *a,
				  bool *brought_up)
{
	struct diags d = { 0 };
	struct layout L;
	struct topology *t = topology_open_as(file, &a->o, &L, &d, NULL, NULL);

	if (!t) {
		diags_print(&d, file, stderr);
		diags_free(&d);
		return NULL;
	}
	diags_free(&d);
	layout_free(&L);
	if (!state_is_up(t->name)) {
		if (up_file(file, a) != EXIT_OK) {
			fail(EXIT_FAILED, "check: `vpcsim up %s` failed (see above)", file);
			topology_free(t);
			return NULL;
		}
		*brought_up = true;
		state_unlock(); /* up keeps the machine-wide lock; checking needs none */
	}
	return t;
}

int cmd_check(int argc, char **argv)
{
	cJSON *over = cJSON_CreateObject();
	struct check_args a = { .o = { .overrides = over } };
	struct sigaction sa = { .sa_handler = on_signal };
	struct topology *ft = NULL;
	bool up = false;
	struct live lv;
	int rc, failed;

	if ((rc = parse_args(argc, argv, &a)) != EXIT_OK || (rc = need_privilege("check")) != EXIT_OK) {
		cJSON_Delete(over);
		return rc;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* `check FILE | head -1`: the reader going away stops the checks like
	 * Ctrl-C, and the topology brought up for them still goes down. */
	sigaction(SIGPIPE, &sa, NULL);
	if (a.target && is_file(a.target))
		ft = load_file(a.target, &a, &up);
	cJSON_Delete(over);
	if (a.target && is_file(a.target) && !ft)
		return EXIT_FAILED;
	if ((rc = open_topology(ft ? ft->name : a.target, &lv)) == EXIT_OK) {
		const struct topology *et = ft ? ft : lv.t;

		failed = stop_signal ? -1 : check_all(&lv, et->expects, et->n_expects, &a);
		rc = failed == 0 ? EXIT_OK : EXIT_FAILED;
		live_close(&lv);
	}
	if (up && run_quiet(cmd_down, 2, (char *[]){ "down", ft->name, NULL }) != EXIT_OK)
		rc = fail(EXIT_FAILED, "check: `vpcsim down %s` failed (see above)", ft->name);
	topology_free(ft);
	return rc;
}
