/* vpcsim probe FROM TO [PORT]: a real connection attempt from FROM's
 * namespace through the dataplane. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cli/cli.h"
#include "lambda/env.h"
#include "util/err.h"
#include "kernel/probe.h"
#include "state/state.h"

#define PROBE_DEFAULT_TIMEOUT_MS 2000

static bool parse_result(const char *s, enum probe_result *r)
{
	for (int i = PROBE_OPEN; i <= PROBE_TIMEOUT; i++)
		if (strcmp(s, probe_result_str((enum probe_result)i)) == 0) {
			*r = (enum probe_result)i;
			return true;
		}
	return false;
}

static bool parse_proto(const char *s, uint8_t *p)
{
	if (!strcmp(s, "tcp"))
		*p = 6;
	else if (!strcmp(s, "udp"))
		*p = 17;
	else if (!strcmp(s, "icmp"))
		*p = 1;
	else
		return false;
	return true;
}

struct probe_args {
	const char *topo, *from, *to;
	struct probe_req rq;
	enum probe_result expect;
	bool json;
};

static int parse_args(int argc, char **argv, struct probe_args *a)
{
	static const struct option opts[] = {
		{ "proto", required_argument, NULL, 'p' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "expect", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	long long num;
	int c;

	a->rq.proto = 6;
	a->rq.timeout_ms = PROBE_DEFAULT_TIMEOUT_MS;
	a->expect = PROBE_OPEN;
	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		switch (c) {
		case 't': a->topo = optarg; break;
		case 'j': a->json = true; break;
		case 'p':
			if (!parse_proto(optarg, &a->rq.proto))
				return fail(EXIT_USAGE, "--proto '%s': use tcp, udp or icmp", optarg);
			break;
		case 'T':
			if (!parse_num(optarg, 1, 600000, &num))
				return fail(EXIT_USAGE, "--timeout-ms '%s': use a whole number 1..600000", optarg);
			a->rq.timeout_ms = (int)num;
			break;
		case 'e':
			if (!parse_result(optarg, &a->expect))
				return fail(EXIT_USAGE, "--expect '%s': use open, refused or timeout", optarg);
			break;
		default:
			return fail(EXIT_USAGE, "%s", verb_usage("probe"));
		}
	}
	if (argc - optind < 2 || argc - optind > 3)
		return fail(EXIT_USAGE, "%s", verb_usage("probe"));
	a->from = argv[optind];
	a->to = argv[optind + 1];
	if (argc - optind == 3) {
		if (!parse_num(argv[optind + 2], 1, 65535, &num))
			return fail(EXIT_USAGE, "port '%s': use a whole number 1..65535", argv[optind + 2]);
		a->rq.port = (uint16_t)num;
	}
	if (a->rq.proto != 1 && !a->rq.port)
		return fail(EXIT_USAGE, "%s probes need a PORT", a->rq.proto == 6 ? "tcp" : "udp");
	return EXIT_OK;
}

static void print_answer(const struct probe_args *a, const struct probe_ans *ans)
{
	static const char *const pname[] = { [1] = "icmp", [6] = "tcp", [17] = "udp" };
	char ip[IP4_STRLEN], port[8] = "";

	ip4_str(a->rq.dst, ip);
	if (a->rq.port)
		snprintf(port, sizeof(port), ":%u", a->rq.port);
	if (a->json) {
		cJSON *o = cJSON_CreateObject();
		char *s;

		cJSON_AddStringToObject(o, "from", a->from);
		cJSON_AddStringToObject(o, "to", a->to);
		cJSON_AddStringToObject(o, "address", ip);
		cJSON_AddStringToObject(o, "proto", pname[a->rq.proto]);
		if (a->rq.port)
			cJSON_AddNumberToObject(o, "port", a->rq.port);
		cJSON_AddStringToObject(o, "result", probe_result_str(ans->result));
		cJSON_AddStringToObject(o, "expected", probe_result_str(a->expect));
		cJSON_AddNumberToObject(o, "elapsed_ms", ans->elapsed_ms);
		cJSON_AddStringToObject(o, "detail", ans->detail);
		s = cJSON_PrintUnformatted(o);
		puts(s);
		free(s);
		cJSON_Delete(o);
		return;
	}
	printf("%s %s -> %s (%s%s): %s in %.1f ms%s%s\n", pname[a->rq.proto], a->from, a->to, ip,
	       port, probe_result_str(ans->result), ans->elapsed_ms,
	       ans->result == a->expect ? "" : ", expected ",
	       ans->result == a->expect ? "" : probe_result_str(a->expect));
}

/* Where a connection INTO function `fn` would go: a function has no name of
 * its own in AWS, only the addresses of its network interfaces. In
 * hyperplane mode that is the shared ENI of its first subnet (which admits
 * no new connection); otherwise the address of one of its environments. */
static int function_address(const struct live *lv, int fn, uint32_t *out)
{
	int hpl = layout_fn_hyperplane(&lv->L, fn, 0);
	struct env_set set;
	int found = -1;

	if (hpl >= 0) {
		*out = lv->L.atts[lv->L.nodes[lv->L.hpls[hpl].node].att].ip;
		return 0;
	}
	if (env_list(lv, &set) < 0)
		return -1;
	for (int i = 0; i < set.n && found < 0; i++)
		if (strcmp(set.e[i].function, lv->t->functions[fn].name) == 0)
			found = i;
	if (found >= 0)
		*out = set.e[found].ip;
	env_set_free(&set);
	if (found < 0)
		return errf(ENOENT, "function %s has no environment, so no address to connect to; "
			    "make one with `vpcsim attach %s`", lv->t->functions[fn].name,
			    lv->t->functions[fn].name);
	return 0;
}

int cmd_probe(int argc, char **argv)
{
	struct probe_args a = { 0 };
	struct probe_ans ans = { 0 };
	struct env_handle h = { .lock_fd = -1 };
	struct live lv;
	int rc, from, to, to_fn, fn = -1;

	if ((rc = parse_args(argc, argv, &a)) != EXIT_OK)
		return rc;
	if ((rc = need_privilege("probe", a.from)) != EXIT_OK)
		return rc;
	if ((rc = open_topology(a.topo, &lv)) != EXIT_OK)
		return rc;
	from = layout_find_node(&lv.L, a.from);
	if (from < 0)
		fn = layout_find_function(&lv.L, a.from);
	to = layout_find_node(&lv.L, a.to);
	to_fn = to < 0 ? layout_find_function(&lv.L, a.to) : -1;
	if (to_fn >= 0) {
		if (function_address(&lv, to_fn, &a.rq.dst) < 0) {
			rc = fail(EXIT_FAILED, "probe to %s: %s", a.to, err_msg());
			live_close(&lv);
			return rc;
		}
	} else if ((from < 0 && fn < 0) || (to < 0 && !ip4_parse(a.to, &a.rq.dst))) {
		rc = fail(EXIT_USAGE, "no node '%s' in topology %s: name a resource, a function or "
			  "an internet host%s", from < 0 ? a.from : a.to, lv.name,
			  from < 0 ? "" : ", or give an IPv4 address");
		live_close(&lv);
		return rc;
	}
	if (fn >= 0) {
		/* From a function: an idle environment of it (a new one, cold,
		 * if none), held for the probe like an invoke. */
		const struct function *f = &lv.t->functions[fn];

		if (env_take(&lv, fn, &h) < 0) {
			rc = fail(EXIT_FAILED, "probe from %s: %s", a.from, err_msg());
			live_close(&lv);
			return rc;
		}
		if (to >= 0)
			a.rq.dst = layout_resolve_vpc(&lv.L, f->has_vpc ? f->vpc : -1, to);
		a.rq.netns = h.m.netns;
	} else {
		if (to >= 0)
			a.rq.dst = layout_resolve(&lv.L, from, to);
		a.rq.netns = lv.L.nodes[from].netns;
	}
	rc = probe_run(&a.rq, &ans);
	env_release(&h);
	if (rc < 0) {
		rc = fail(EXIT_FAILED, "probe from %s: %s", a.from, err_msg());
	} else {
		print_answer(&a, &ans);
		rc = ans.result == a.expect ? EXIT_OK : EXIT_FAILED;
	}
	live_close(&lv);
	return rc;
}
