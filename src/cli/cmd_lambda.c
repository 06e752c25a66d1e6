/* vpcsim invoke, attach and detach: Lambda execution environments. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "lambda/env.h"
#include "lambda/event_service.h"
#include "lambda/invoke.h"
#include "util/err.h"
#include "util/visible.h"
#include "util/clock.h"
#include "model/pricing.h"
#include "state/state.h"

/* VPCSIM_PROFILE=1: the verb's own time on stderr (bench/attach.sh). */
static void profile(const char *verb, double t0)
{
	if (getenv("VPCSIM_PROFILE"))
		fprintf(stderr, "profile: %s %.3f ms\n", verb, now_ms() - t0);
}

int open_fn(const char *topo, const char *name, struct live *lv, int *fn)
{
	int rc = open_topology(topo, lv);

	if (rc != EXIT_OK)
		return rc;
	*fn = layout_find_function(&lv->L, name);
	if (*fn < 0) {
		rc = fail(EXIT_USAGE, "no function '%s' in topology %s%s (see `vpcsim status`)",
			  name, lv->name, layout_name_hint(&lv->L, name, true));

		live_close(lv);
		return rc;
	}
	return EXIT_OK;
}

/* Exit status of a failed environment choice: a Lambda refusal (throttle,
 * no address) is the operation failing, as is any kernel error. */
static int env_fail(const char *verb, const char *fn)
{
	return fail(EXIT_FAILED, "%s %s: %s", verb, fn, err_msg());
}

/* With --cost, what the invoke would cost, after the REPORT line:
 *   COST Requests: 1\tBilled GB-s: 0.000375\tPrice: $0.0000002062\t(RATES; FREE TIER) */
static void cost_print(FILE *where, const struct invoke_outcome *o)
{
	struct lambda_cost c = lambda_cost(1, lambda_gb_seconds(o->billed_ms, o->memory_mb));
	char usd[32], rates[128], free_tier[128];

	fprintf(where, "COST Requests: %lld\tBilled GB-s: %.6f\tPrice: %s\t(%s; %s)\n", c.requests,
		c.gb_seconds, lambda_usd_str(c.total_usd, usd, sizeof(usd)),
		lambda_rates_str(rates, sizeof(rates)),
		lambda_free_tier_str(free_tier, sizeof(free_tier)));
}

/* The payload: --payload, --payload-file (- for stdin), or NULL (the
 * invoke's default). *text is malloc'ed (or NULL). */
static int payload_read(const char *payload, const char *file, char **text, size_t *len)
{
	FILE *in, *m;

	*text = NULL;
	*len = 0;
	if (!file) {
		if (payload && !(*text = strdup(payload)))
			return errf(ENOMEM, "out of memory");
		*len = payload ? strlen(payload) : 0;
		return 0;
	}
	in = strcmp(file, "-") ? fopen(file, "re") : stdin;
	if (!in)
		return errf(errno, "reading the payload file %s: %s", file, strerror(errno));
	m = open_memstream(text, len);
	for (int ch; m && (ch = fgetc(in)) != EOF;)
		fputc(ch, m);
	if (in != stdin)
		fclose(in);
	if (m)
		fclose(m);
	return *text ? 0 : errf(ENOMEM, "out of memory");
}

/* Exit status and report of an invoke. Code: the response (or error body)
 * was on stdout, the logs on stderr, and COST goes there too. A command:
 * its output, then REPORT and COST on stdout. Exit 0 only when the
 * function answered without error. */
static int invoke_report(const struct live *lv, int fn, const struct invoke_outcome *o,
			 int err, bool cost)
{
	const char *name = lv->t->functions[fn].name;
	FILE *where = o->command ? stdout : stderr;

	if (err == -EBADMSG)
		return fail(EXIT_USAGE, "invoke: --client-context: %s, as the Invoke API takes it "
			    "(e.g. $(echo -n '{\"custom\":{\"k\":\"v\"}}' | base64 -w0))",
			    err_msg());
	if (err < 0) /* a Lambda refusal (throttle, no address) is the operation failing */
		return fail(EXIT_FAILED, "invoke %s: %s", name, err_msg());
	if (o->command) {
		fflush(stdout);
		invoke_report_print(stdout, &o->run);
	}
	if (o->uncounted[0])
		fprintf(stderr, "vpcsim: invoke %s: not counted in its usage: %s\n", name,
			o->uncounted);
	if (cost && o->billed_ms > 0) /* a throttled invoke is not billed */
		cost_print(where, o);
	return strcmp(o->status, "ok") ? EXIT_FAILED : EXIT_OK;
}

/* --invocation-type Event: queued for the event service, which delivers
 * it with Lambda's retries (docs/EVENTS.md); prints what Lambda answers,
 * StatusCode 202, with the request id. DryRun: the checks only, 204. */
static int invoke_other_type(const struct live *lv, int fn, const char *type,
			     const struct invoke_request *rq)
{
	char id[40];
	int err;

	if (rq->argv)
		return fail(EXIT_USAGE, "invoke: --invocation-type %s takes the payload, not a "
			    "command", type);
	if (!strcmp(type, "DryRun")) {
		printf("{\"StatusCode\": 204}\n");
		return EXIT_OK;
	}
	err = async_invoke(lv, fn, "invoke", rq->payload, rq->len, 0, id);
	if (err == -E2BIG)
		return fail(EXIT_USAGE, "invoke %s: %s", lv->t->functions[fn].name, err_msg());
	if (err < 0)
		return fail(EXIT_FAILED, "invoke %s: %s", lv->t->functions[fn].name, err_msg());
	printf("{\"StatusCode\": 202, \"RequestId\": \"%s\"}\n", id);
	return EXIT_OK;
}

int cmd_invoke(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "payload", required_argument, NULL, 'p' },
		{ "cost", no_argument, NULL, 'C' },
		{ "payload-file", required_argument, NULL, 'f' },
		{ "client-context", required_argument, NULL, 'c' },
		{ "invocation-type", required_argument, NULL, 'T' },
		{ 0 },
	};
	const char *type = "RequestResponse";
	const char *topo = NULL, *payload = NULL, *payload_file = NULL, *name;
	struct invoke_request rq = { .out = stdout, .logs = stderr };
	struct invoke_outcome o;
	struct live lv;
	char *text;
	int c, rc, fn, err;
	bool cost = false;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c == 't')
			topo = optarg;
		else if (c == 'p')
			payload = optarg;
		else if (c == 'C')
			cost = true;
		else if (c == 'f')
			payload_file = optarg;
		else if (c == 'c')
			rq.client_context = optarg;
		else if (c == 'T')
			type = optarg;
		else
			return fail(EXIT_USAGE, "%s", verb_usage("invoke"));
	}
	if (strcmp(type, "RequestResponse") && strcmp(type, "Event") && strcmp(type, "DryRun"))
		return fail(EXIT_USAGE, "invoke: --invocation-type '%s': use RequestResponse (the "
			    "default), Event (asynchronous, Lambda's retries) or DryRun", type);
	if (payload && payload_file)
		return fail(EXIT_USAGE, "invoke: give --payload or --payload-file, not both");
	if (optind >= argc)
		return fail(EXIT_USAGE, "%s", verb_usage("invoke"));
	name = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind < argc)
		rq.argv = argv + optind;
	if ((rc = need_privilege("invoke")) != EXIT_OK)
		return rc;
	if ((rc = open_fn(topo, name, &lv, &fn)) != EXIT_OK)
		return rc;
	if (!rq.argv && lv.t->functions[fn].code.kind == CODE_NONE && !lv.t->functions[fn].handler) {
		live_close(&lv);
		return fail(EXIT_USAGE, "function %s has no handler: give a command, "
			    "`vpcsim invoke %s -- CMD ARG...`", name, name);
	}
	if (payload_read(payload, payload_file, &text, &rq.len) < 0) {
		live_close(&lv);
		return fail(EXIT_USAGE, "invoke: %s", err_msg());
	}
	rq.payload = text;
	if (strcmp(type, "RequestResponse")) {
		rc = invoke_other_type(&lv, fn, type, &rq);
		free(text);
		live_close(&lv);
		return rc;
	}
	/* On a terminal, the function's escape sequences shown, not obeyed. */
	rq.out = visible_if_tty(stdout);
	rq.logs = visible_if_tty(stderr);
	err = invoke_function(&lv, fn, &rq, &o);
	visible_close(rq.out, stdout);
	visible_close(rq.logs, stderr);
	rc = invoke_report(&lv, fn, &o, err, cost);
	free(text);
	live_close(&lv);
	return rc;
}

int cmd_attach(int argc, char **argv)
{
	const char *topo = NULL;
	struct env_handle h;
	struct live lv;
	double t0 = now_ms();
	char ip[IP4_STRLEN];
	int c, rc, fn;

	while ((c = getopt(argc, argv, "t:")) != -1) {
		if (c != 't')
			return fail(EXIT_USAGE, "%s", verb_usage("attach"));
		topo = optarg;
	}
	if (argc - optind != 1)
		return fail(EXIT_USAGE, "%s", verb_usage("attach"));
	if ((rc = need_privilege("attach")) != EXIT_OK)
		return rc;
	if ((rc = open_fn(topo, argv[optind], &lv, &fn)) != EXIT_OK)
		return rc;
	if (state_lock() < 0) {
		live_close(&lv);
		return fail(EXIT_FAILED, "%s", err_msg());
	}
	if (env_create(&lv, fn, &h) < 0) {
		rc = env_fail("attach", argv[optind]);
	} else {
		env_release(&h);
		printf("attached %s (%s, %s%s%s) in %.1f ms\n", h.m.id, env_mode_str(h.m.mode),
		       ip4_str(h.m.ip, ip), h.m.eni_id[0] ? ", " : "", h.m.eni_id, h.init_ms);
		rc = EXIT_OK;
	}
	live_close(&lv);
	profile("attach", t0);
	return rc;
}

int cmd_detach(int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { 0 } };
	const char *topo = NULL, *name;
	struct env_set s;
	struct live lv;
	double t0 = now_ms();
	bool all = false;
	int c, rc, fn, removed = 0, busy = 0, first = 0, err;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c == 't')
			topo = optarg;
		else if (c == 'a')
			all = true;
		else
			return fail(EXIT_USAGE, "%s", verb_usage("detach"));
	}
	if (argc - optind != 1)
		return fail(EXIT_USAGE, "%s", verb_usage("detach"));
	name = argv[optind];
	if ((rc = need_privilege("detach")) != EXIT_OK)
		return rc;
	if ((rc = open_fn(topo, name, &lv, &fn)) != EXIT_OK)
		return rc;
	if (state_lock() < 0 || env_list(&lv, &s) < 0) {
		live_close(&lv);
		return fail(EXIT_FAILED, "%s", err_msg());
	}
	/* The newest idle one first: the lowest ids stay, as warm ones. */
	for (int i = s.n - 1; i >= 0; i--) {
		if (strcmp(s.e[i].function, name))
			continue;
		if (s.e[i].busy) {
			busy++;
			continue;
		}
		if (removed && !all)
			continue;
		if ((err = env_destroy_idle(&lv, &s.e[i])) == -EBUSY) { /* taken since */
			busy++;
			continue;
		}
		if (err == -ENOENT)
			continue;
		if (err < 0) {
			fprintf(stderr, "vpcsim: detach %s: %s\n", s.e[i].id, err_msg());
			first = first ? first : -1;
			continue;
		}
		printf("detached %s\n", s.e[i].id);
		removed++;
	}
	env_set_free(&s);
	live_close(&lv);
	if (busy)
		printf("%d busy environment%s of %s left running (an invoke holds %s)\n", busy,
		       busy == 1 ? "" : "s", name, busy == 1 ? "it" : "them");
	profile("detach", t0);
	if (first)
		return EXIT_FAILED;
	if (!removed)
		return fail(EXIT_FAILED, "detach %s: no idle environment to remove", name);
	return EXIT_OK;
}
