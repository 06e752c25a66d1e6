/* vpcsim tune [-t NAME] FN [--memory LIST] [--payload JSON] [--runs N]
 * [--format table|svg|png] [-o FILE]: power tuning, as AWS Lambda Power
 * Tuning does it. For each memory size, FN's idle environments are
 * removed, memory_mb set (for this run only: the topology keeps its
 * own), one invoke made to start a cold environment (not counted), then
 * RUNS warm invokes timed by their REPORT Duration. The table: p50 and
 * p95 duration, billed duration, cost per invocation and per million at
 * Lambda's rates (model/pricing.h); then the cheapest and the fastest
 * size (model/tune.h). svg or png: the curve of both, drawn by Graphviz
 * (to -o FILE, else stdout; the table then goes to stderr). Since CPU
 * comes with memory (docs/RUNTIME.md), a CPU-bound function gets faster
 * as memory grows, up to one vCPU's worth for one thread. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/dot_render.h"
#include "lambda/invoke.h"
#include "model/pricing.h"
#include "model/tune.h"
#include "util/err.h"

#define RUNS_DEFAULT 5
#define RUNS_MAX 100

struct tune_run {
	const char *fn_name;
	struct tune_point p[TUNE_SIZES_MAX];
	int n, cheapest, fastest;
};

/* One invoke; its duration, or < 0 when it failed (err_msg() says why). */
static double invoke_once(struct live *lv, int fn, const char *payload)
{
	FILE *out = fopen("/dev/null", "w"), *logs = fopen("/dev/null", "w");
	struct invoke_request rq = { .payload = payload, .len = strlen(payload), .out = out,
				     .logs = logs };
	struct invoke_outcome o;
	int err = out && logs ? invoke_function(lv, fn, &rq, &o) : -errno;

	if (out)
		fclose(out);
	if (logs)
		fclose(logs);
	if (err < 0)
		return -1;
	if (strcmp(o.status, "ok")) {
		errf(EIO, "the invoke ended with %s", o.status);
		return -1;
	}
	return o.command ? o.run.duration_ms : o.duration_ms;
}

/* Every size: a cold start (not counted), then runs warm invokes. */
static int measure(struct live *lv, int fn, const int *sizes, int runs, const char *payload,
		   struct tune_run *t)
{
	struct function *f = &lv->t->functions[fn];
	int own = f->memory_mb, rc = EXIT_OK;
	double ms[RUNS_MAX];

	for (int i = 0; i < t->n && rc == EXIT_OK; i++) {
		f->memory_mb = sizes[i];
		if (invoke_drop_idle(lv, fn) < 0 || invoke_once(lv, fn, payload) < 0) {
			rc = fail(EXIT_FAILED, "tune %s at %d MB: %s", f->name, sizes[i], err_msg());
			break;
		}
		for (int r = 0; r < runs && rc == EXIT_OK; r++)
			if ((ms[r] = invoke_once(lv, fn, payload)) < 0)
				rc = fail(EXIT_FAILED, "tune %s at %d MB, run %d: %s", f->name,
					  sizes[i], r + 1, err_msg());
		if (rc == EXIT_OK)
			tune_point_fill(&t->p[i], sizes[i], ms, runs);
		fprintf(stderr, "tune %s: %d MB done\n", f->name, sizes[i]);
	}
	/* Environments of a tuned size must not serve later invokes. */
	f->memory_mb = own;
	if (invoke_drop_idle(lv, fn) < 0)
		err_clear();
	if (rc == EXIT_OK)
		tune_pick(t->p, t->n, &t->cheapest, &t->fastest);
	return rc;
}

static void table_print(FILE *f, const struct tune_run *t, int runs)
{
	char usd[32], mil[32], rates[128];

	fprintf(f, "tune %s: %d warm runs per size (each size's cold start not counted)\n",
		t->fn_name, runs);
	fprintf(f, "%8s %10s %10s %10s %18s %14s\n", "MEMORY", "P50 MS", "P95 MS", "BILLED MS",
		"COST/INVOCATION", "COST/1M");
	for (int i = 0; i < t->n; i++) {
		const struct tune_point *p = &t->p[i];

		fprintf(f, "%5d MB %10.2f %10.2f %10lld %18s %14s\n", p->memory_mb, p->p50_ms,
			p->p95_ms, p->billed_ms, lambda_usd_str(p->usd, usd, sizeof(usd)),
			lambda_usd_str(p->usd * 1e6, mil, sizeof(mil)));
	}
	fprintf(f, "cheapest: %d MB (%s per invocation)\n", t->p[t->cheapest].memory_mb,
		lambda_usd_str(t->p[t->cheapest].usd, usd, sizeof(usd)));
	fprintf(f, "fastest: %d MB (p50 %.2f ms)\n", t->p[t->fastest].memory_mb,
		t->p[t->fastest].p50_ms);
	fprintf(f, "rates: %s\n", lambda_rates_str(rates, sizeof(rates)));
}

/* The curve as a Graphviz graph of pinned points (points, y up): p50
 * duration in blue, cost per invocation in red, on one memory axis. */
#define X0 70.0
#define X1 570.0
#define Y0 60.0
#define Y1 320.0

static double x_of(int i, int n)
{
	return n > 1 ? X0 + (X1 - X0) * i / (n - 1) : (X0 + X1) / 2;
}

static void series(FILE *f, const struct tune_run *t, char tag, const char *color, double max)
{
	char usd[32];

	for (int i = 0; i < t->n; i++) {
		double v = tag == 'd' ? t->p[i].p50_ms : t->p[i].usd;
		bool best = i == (tag == 'd' ? t->fastest : t->cheapest);

		fprintf(f, "  %c%d [pos=\"%.1f,%.1f!\", shape=circle, width=%s, style=filled, "
			"fillcolor=\"%s\", color=\"%s\", label=\"\", xlabel=\"%s%s\"];\n", tag, i,
			x_of(i, t->n), Y0 + (Y1 - Y0) * (max > 0 ? v / max : 0), best ? "0.16" : "0.08",
			color, color, tag == 'd' ? "" : lambda_usd_str(v, usd, sizeof(usd)),
			tag == 'd' ? "" : (best ? " cheapest" : ""));
		if (tag == 'd')
			fprintf(f, "  %c%d [xlabel=\"%.0f ms%s\"];\n", tag, i, v,
				best ? " fastest" : "");
		if (i)
			fprintf(f, "  %c%d -- %c%d [color=\"%s\", penwidth=2];\n", tag, i - 1, tag, i,
				color);
	}
}

static int chart_write(void *arg, FILE *f)
{
	const struct tune_run *t = arg;
	double dmax = 0, cmax = 0;

	for (int i = 0; i < t->n; i++) {
		dmax = t->p[i].p50_ms > dmax ? t->p[i].p50_ms : dmax;
		cmax = t->p[i].usd > cmax ? t->p[i].usd : cmax;
	}
	fprintf(f, "graph tune {\n  graph [splines=line, forcelabels=true, bgcolor=white, "
		"fontname=\"Helvetica\"];\n  node [fontname=\"Helvetica\", fontsize=10];\n");
	fprintf(f, "  title [shape=plaintext, fontsize=13, pos=\"%.1f,%.1f!\", label=\"vpcsim "
		"tune %s: p50 duration (blue) and cost per invocation (red) by memory\"];\n",
		(X0 + X1) / 2, Y1 + 40, t->fn_name);
	fprintf(f, "  ax0 [shape=point, width=0.01, pos=\"%.1f,%.1f!\"];\n"
		"  ax1 [shape=point, width=0.01, pos=\"%.1f,%.1f!\"];\n"
		"  ay [shape=point, width=0.01, pos=\"%.1f,%.1f!\"];\n"
		"  ax0 -- ax1; ax0 -- ay;\n", X0 - 20, Y0 - 10, X1 + 20, Y0 - 10, X0 - 20, Y1 + 15);
	for (int i = 0; i < t->n; i++)
		fprintf(f, "  m%d [shape=plaintext, pos=\"%.1f,%.1f!\", label=\"%d MB\"];\n", i,
			x_of(i, t->n), Y0 - 28, t->p[i].memory_mb);
	series(f, t, 'd', "#1f77b4", dmax);
	series(f, t, 'c', "#d62728", cmax);
	fprintf(f, "}\n");
	return 0;
}

static int tune_args(int argc, char **argv, const char **topo, const char **memory,
		     const char **payload, int *runs, const char **format, const char **out)
{
	static const struct option opts[] = {
		{ "memory", required_argument, NULL, 'm' }, { "payload", required_argument, NULL, 'p' },
		{ "runs", required_argument, NULL, 'r' }, { "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' }, { 0 },
	};
	long long n;
	int c;

	while ((c = getopt_long(argc, argv, "t:o:", opts, NULL)) != -1) {
		if (c == 't')
			*topo = optarg;
		else if (c == 'm')
			*memory = optarg;
		else if (c == 'p')
			*payload = optarg;
		else if (c == 'r' && parse_num(optarg, 1, RUNS_MAX, &n))
			*runs = (int)n;
		else if (c == 'f')
			*format = optarg;
		else if (c == 'o')
			*out = optarg;
		else
			return fail(EXIT_USAGE, "%s", c == 'r' ? "tune: --runs takes a whole number "
				    "from 1 to 100" : verb_usage("tune"));
	}
	if (strcmp(*format, "table") && strcmp(*format, "svg") && strcmp(*format, "png"))
		return fail(EXIT_USAGE, "tune: --format %s: must be table, svg or png", *format);
	if (optind + 1 != argc)
		return fail(EXIT_USAGE, "%s", verb_usage("tune"));
	return EXIT_OK;
}

int cmd_tune(int argc, char **argv)
{
	const char *topo = NULL, *memory = "128,256,512,1024,1769,3008", *payload = "{}";
	const char *format = "table", *out = NULL;
	int sizes[TUNE_SIZES_MAX], runs = RUNS_DEFAULT, rc, fn;
	struct tune_run t = { .n = 0 };
	struct live lv;

	if ((rc = tune_args(argc, argv, &topo, &memory, &payload, &runs, &format, &out)) != EXIT_OK)
		return rc;
	if ((t.n = tune_sizes_parse(memory, sizes)) < 0)
		return fail(EXIT_USAGE, "tune: %s", err_msg());
	if ((rc = need_privilege("tune")) != EXIT_OK)
		return rc;
	if ((rc = open_fn(topo, argv[optind], &lv, &fn)) != EXIT_OK)
		return rc;
	t.fn_name = lv.t->functions[fn].name;
	rc = measure(&lv, fn, sizes, runs, payload, &t);
	if (rc == EXIT_OK) {
		bool chart = strcmp(format, "table") != 0;

		table_print(chart && !out ? stderr : stdout, &t, runs);
		if (chart)
			rc = dot_render("tune", format, out, true, chart_write, &t);
	}
	live_close(&lv);
	return rc;
}
