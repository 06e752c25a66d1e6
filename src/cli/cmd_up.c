/* vpcsim up FILE: build a topology, all or nothing. */
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
#include "state/journal.h"
#include "model/plan.h"
#include "cli/report.h"
#include "state/state.h"



static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY | O_CLOEXEC), out, err = 0;

	if (in < 0)
		return errf(errno, "reading %s: %s", from, strerror(errno));
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return errf(errno, "creating %s: %s", to, strerror(errno));
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			err = errf(errno, "writing %s: %s", to, strerror(errno));
			break;
		}
	if (n < 0)
		err = errf(errno, "reading %s: %s", from, strerror(errno));
	close(in);
	close(out);
	return err;
}

/* The state copy names code packages and images by absolute paths, so
 * the model loaded again from it finds them (function_code.h). */
static int state_copy_topology(const char *file, const char *to)
{
	char *text = NULL, *abs = NULL;
	size_t len = 0;
	FILE *in = fopen(file, "re"), *out;
	int err = 0;

	if (!in)
		return errf(errno, "reading %s: %s", file, strerror(errno));
	out = open_memstream(&text, &len);
	for (int c; out && (c = fgetc(in)) != EOF;)
		fputc(c, out);
	fclose(in);
	if (!out)
		return errf(ENOMEM, "reading %s", file);
	fclose(out);
	abs = function_code_absolute_paths(text, len, file);
	free(text);
	if (!abs)
		return copy_file(file, to);
	out = fopen(to, "we");
	if (!out || fputs(abs, out) < 0)
		err = errf(errno, "writing %s: %s", to, strerror(errno));
	if (out && fclose(out) != 0 && !err)
		err = errf(errno, "writing %s: %s", to, strerror(errno));
	free(abs);
	return err;
}

/* A namespace of this topology that exists without its state means an
 * earlier run was cut short; building over it would fail half-way. */
static const char *leftover_netns(const char *topo)
{
	static char found[256];
	char prefix[64];
	struct dirent *de;
	DIR *d = opendir(NETNS_RUN_DIR);

	if (!d)
		return NULL;
	snprintf(prefix, sizeof(prefix), "vpcsim-%s-", topo);
	found[0] = '\0';
	while ((de = readdir(d)))
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) {
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

static int state_prepare(const char *dir, const char *file)
{
	char path[STATE_PATH_MAX + 32];

	if (mkdir(dir, 0755) < 0)
		return errf(errno, "creating %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/logs", dir);
	if (mkdir(path, 0755) < 0)
		return errf(errno, "creating %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/topology.json", dir);
	return state_copy_topology(file, path);
}

static int build(const char *file, const struct topology *t, const struct layout *L,
		 const struct plan *P)
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
			    "run `vpcsim down %s` (or `vpcsim clean`) first", left, t->name, t->name);
	o.fail_at = fail_at ? atoi(fail_at) : 0;
	state_dir(t->name, dir);
	snprintf(path, sizeof(path), "%s/journal", dir);
	err = state_prepare(dir, file);
	if (!err)
		err = journal_create(&J, path);
	if (err < 0) {
		tree_remove(dir);
		return fail(EXIT_FAILED, "%s", err_msg());
	}
	err = plan_apply(L, P, &J, &o);
	journal_close(&J);
	if (err < 0) {
		tree_remove(dir);
		fail(EXIT_FAILED, "up %s failed at %s", t->name, err_msg());
		return fail(EXIT_FAILED, "nothing of topology '%s' was left in place", t->name);
	}
	return EXIT_OK;
}

int cmd_up(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	bool dry = false, json = false;
	struct layout L;
	struct plan P;
	struct topology *t;
	double t0 = now_ms();
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'n')
			dry = true;
		else if (c == 'j')
			json = true;
		else
			return fail(EXIT_USAGE, "%s", verb_usage("up"));
	}
	if (optind != argc - 1)
		return fail(EXIT_USAGE, "%s", verb_usage("up"));
	if (!dry && (rc = need_privilege("up", argv[optind])) != EXIT_OK)
		return rc;
	t = topology_prepare(argv[optind], &L);
	if (!t)
		return EXIT_USAGE;
	if (plan_build(&L, &P) < 0) {
		rc = fail(EXIT_FAILED, "%s", err_msg());
	} else if (dry) {
		print_plan(&L, &P);
		rc = EXIT_OK;
	} else {
		rc = build(argv[optind], t, &L, &P);
		if (rc == EXIT_OK)
			report_up(&L, now_ms() - t0, json);
	}
	plan_free(&P);
	layout_free(&L);
	topology_free(t);
	return rc;
}
