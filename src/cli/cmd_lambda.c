/* vpcsim invoke, attach and detach: Lambda execution environments. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/dlib.h"
#include "cli/cli.h"
#include "kernel/cgroup.h"
#include "kernel/freezer.h"
#include "lambda/env.h"
#include "lambda/invoke.h"
#include "util/err.h"
#include "util/clock.h"
#include "lambda/sandbox.h"
#include "model/pricing.h"
#include "state/state.h"
#include "state/usage.h"

/* VPCSIM_PROFILE=1: the verb's own time on stderr (bench/attach.sh). */
static void profile(const char *verb, double t0)
{
	if (getenv("VPCSIM_PROFILE"))
		fprintf(stderr, "profile: %s %.3f ms\n", verb, now_ms() - t0);
}

/* Open the topology and find function `name`; a usage error names the
 * functions there are. */
static int open_fn(const char *topo, const char *name, struct live *lv, int *fn)
{
	int rc = open_topology(topo, lv);

	if (rc != EXIT_OK)
		return rc;
	*fn = layout_find_function(&lv->L, name);
	if (*fn < 0) {
		rc = fail(EXIT_USAGE, "no function '%s' in topology %s (see `vpcsim status`)",
			      name, lv->name);

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

/* Count the invoke in the function's usage (state/usage.h) and, with
 * --cost, print what it would cost after the REPORT line:
 *   COST Requests: 1\tBilled GB-s: 0.000375\tPrice: $0.0000002062\t(RATES; FREE TIER) */
static void invoke_account(const char *topo, const struct function *f,
			   long long billed_ms, int memory_mb, bool cost, FILE *where)
{
	double gbs = lambda_gb_seconds(billed_ms, memory_mb);
	struct lambda_cost c = lambda_cost(1, gbs);
	char usd[32], rates[128], free_tier[128];

	if (usage_add(topo, f->name, billed_ms, memory_mb) < 0)
		fprintf(stderr, "vpcsim: invoke %s: not counted in its usage: %s\n", f->name,
			err_msg());
	if (!cost)
		return;
	fprintf(where, "COST Requests: %lld\tBilled GB-s: %.6f\tPrice: %s\t(%s; %s)\n", c.requests,
	       c.gb_seconds, lambda_usd_str(c.total_usd, usd, sizeof(usd)),
	       lambda_rates_str(rates, sizeof(rates)),
	       lambda_free_tier_str(free_tier, sizeof(free_tier)));
}

/* The payload: --payload, --payload-file (- for stdin), or {} as
 * `sam local invoke` sends without one. malloc'ed. */
static char *payload_read(const char *payload, const char *file, size_t *len)
{
	char *text = NULL;
	FILE *in, *m;

	if (!file) {
		text = strdup(payload ? payload : "{}");
		*len = text ? strlen(text) : 0;
		return text;
	}
	in = strcmp(file, "-") ? fopen(file, "re") : stdin;
	if (!in) {
		errf(errno, "reading the payload file %s: %s", file, strerror(errno));
		return NULL;
	}
	m = open_memstream(&text, len);
	for (int ch; m && (ch = fgetc(in)) != EOF;)
		fputc(ch, m);
	if (in != stdin)
		fclose(in);
	if (m)
		fclose(m);
	return text;
}

/* The Invoke API's ClientContext: base64 (at most 3583 bytes) of JSON;
 * the runtime gets the JSON. NULL when it is not that. */
static char *client_context_decode(const char *b64)
{
	size_t n = strlen(b64);
	unsigned char *out;
	int len;

	if (n == 0 || n > 3583 || n % 4 || dlib_load(DLIB_CRYPTO) < 0)
		return NULL;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	len = sym_EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
	if (len < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	for (size_t i = n; i > 0 && b64[i - 1] == '='; i--)
		len--;
	out[len] = '\0';
	if (strlen((char *)out) != (size_t)len || out[0] != '{') {
		free(out);
		return NULL;
	}
	return (char *)out;
}

/* A function with code: through its environment's Runtime API. The
 * response (or the error body) on stdout, the logs on stderr; exit 0 only
 * when the function answered without error. */
static int invoke_code(const struct live *lv, int fn, const char *payload, const char *file,
		       const char *cc_b64, bool cost)
{
	struct fn_result r;
	size_t len = 0;
	char *text, *cc = NULL;
	int err;

	if (cc_b64 && !(cc = client_context_decode(cc_b64)))
		return fail(EXIT_USAGE, "invoke: --client-context must be base64 of a JSON object "
			    "of at most 3583 bytes, as the Invoke API takes it (e.g. $(echo -n "
			    "'{\"custom\":{\"k\":\"v\"}}' | base64 -w0))");
	text = payload_read(payload, file, &len);
	if (!text) {
		free(cc);
		return fail(EXIT_USAGE, "invoke: %s", err_msg());
	}
	err = fn_invoke(lv, fn, text, len, cc, stdout, stderr, &r);
	free(text);
	free(cc);
	if (err < 0)
		return fail(EXIT_FAILED, "invoke %s: %s", lv->t->functions[fn].name, err_msg());
	if (r.billed_ms > 0) /* it ran (a throttled invoke is not billed) */
		invoke_account(lv->name, &lv->t->functions[fn], r.billed_ms, r.memory_mb, cost,
			       stderr); /* stdout holds the function's response alone */
	return strcmp(r.status, "ok") ? EXIT_FAILED : EXIT_OK;
}

static void cgroup_thaw_env(const char *topo, const char *env_id)
{
	struct cgroup cg;

	if (cgroup_open(topo, env_id, false, &cg) == 0) {
		if (cgroup_frozen(&cg))
			cgroup_freeze(&cg, false);
		cgroup_close(&cg);
	}
	err_clear();
}

int cmd_invoke(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "payload", required_argument, NULL, 'p' },
		{ "cost", no_argument, NULL, 'C' },
		{ "payload-file", required_argument, NULL, 'f' },
		{ "client-context", required_argument, NULL, 'c' },
		{ 0 },
	};
	const char *topo = NULL, *payload = NULL, *payload_file = NULL, *name;
	const char *client_context = NULL;
	char *const *cmd = NULL;
	struct env_handle h;
	struct invoke_result r;
	struct live lv;
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
			client_context = optarg;
		else
			return fail(EXIT_USAGE, "%s", verb_usage("invoke"));
	}
	if (payload && payload_file)
		return fail(EXIT_USAGE, "invoke: give --payload or --payload-file, not both");
	if (optind >= argc)
		return fail(EXIT_USAGE, "%s", verb_usage("invoke"));
	name = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind < argc)
		cmd = argv + optind;
	if ((rc = need_privilege("invoke", name)) != EXIT_OK)
		return rc;
	if ((rc = open_fn(topo, name, &lv, &fn)) != EXIT_OK)
		return rc;
	const struct function *f = &lv.t->functions[fn];

	if (!cmd && f->code.kind != CODE_NONE) {
		rc = invoke_code(&lv, fn, payload, payload_file, client_context, cost);
		live_close(&lv);
		return rc;
	}
	if (!cmd && !f->handler) {
		live_close(&lv);
		return fail(EXIT_USAGE, "function %s has no handler: give a command, "
			    "`vpcsim invoke %s -- CMD ARG...`", name, name);
	}
	if (state_lock() < 0) {
		live_close(&lv);
		return fail(EXIT_FAILED, "%s", err_msg());
	}
	err = env_acquire(&lv, fn, true, &h);
	state_unlock();
	if (err < 0) {
		rc = env_fail("invoke", name);
		live_close(&lv);
		return rc;
	}
	struct sandbox sb = {
		.topo = lv.name, .env_id = h.m.id, .netns = h.m.netns, .locked = true,
		.limits = { f->memory_mb, f->timeout_s, f->ephemeral_storage_mb },
	};
	struct sandbox_env env = {
		.vars = f->env, .n = f->n_env, .function_name = f->name,
		.region = lv.t->region, .handler = f->handler,
	};

	/* A function with code may have a runtime frozen in the group: the
	 * command must not freeze with it (the runtime's supervisor sees it
	 * killed and ends; the next code invoke is cold). */
	if (f->code.kind != CODE_NONE)
		cgroup_thaw_env(lv.name, h.m.id);
	err = sandbox_invoke(&sb, &env, payload, cmd, h.cold ? h.init_ms : -1, &r);
	env_release(&h);
	if (err < 0) {
		rc = fail(EXIT_FAILED, "invoke %s: %s", name, err_msg());
	} else {
		fflush(stdout);
		invoke_report_print(stdout, &r);
		invoke_account(lv.name, f, r.billed_ms, r.memory_mb, cost, stdout);
		rc = r.exit_status == 0 && !r.timed_out && !r.out_of_memory ? EXIT_OK : EXIT_FAILED;
	}
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
	if ((rc = need_privilege("attach", argv[optind])) != EXIT_OK)
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
	int c, rc, fn, removed = 0, busy = 0, first = 0;

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
	if ((rc = need_privilege("detach", name)) != EXIT_OK)
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
		if (env_destroy(&lv, &s.e[i]) < 0) {
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
