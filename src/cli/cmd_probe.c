/* vpcsim probe FROM TO [PORT]: a real connection attempt from FROM's
 * namespace through the dataplane. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cli/cli.h"
#include "cli/probe_named.h"
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

static void print_answer(const struct probe_args *a, const struct probe_outcome *o)
{
	static const char *const pname[] = { [1] = "icmp", [6] = "tcp", [17] = "udp" };
	const struct probe_ans *ans = &o->ans;
	char ip[IP4_STRLEN], port[8] = "";

	ip4_str(o->dst, ip);
	if (a->rq.port)
		snprintf(port, sizeof(port), ":%u", a->rq.port);
	if (a->json) {
		cJSON *o_ = cJSON_CreateObject();
		char *s;

		cJSON_AddStringToObject(o_, "from", a->from);
		cJSON_AddStringToObject(o_, "to", a->to);
		cJSON_AddStringToObject(o_, "address", ip);
		cJSON_AddStringToObject(o_, "proto", pname[a->rq.proto]);
		if (a->rq.port)
			cJSON_AddNumberToObject(o_, "port", a->rq.port);
		cJSON_AddStringToObject(o_, "result", probe_result_str(ans->result));
		cJSON_AddStringToObject(o_, "expected", probe_result_str(a->expect));
		cJSON_AddNumberToObject(o_, "elapsed_ms", ans->elapsed_ms);
		cJSON_AddStringToObject(o_, "detail", ans->detail);
		if (ans->result == PROBE_TIMEOUT) {
			cJSON *w = cJSON_AddObjectToObject(o_, "why");

			cJSON_AddBoolToObject(w, "dropped_by_data_plane", o->dropped);
			if (o->dropped) {
				cJSON_AddStringToObject(w, "eni", o->eni_id);
				cJSON_AddStringToObject(w, "eni_of", o->eni_of);
				cJSON_AddStringToObject(w, "direction", o->dir);
				cJSON_AddStringToObject(w, "reason", o->reason);
			}
			cJSON_AddStringToObject(w, "text", o->why);
		}
		s = cJSON_PrintUnformatted(o_);
		puts(s);
		free(s);
		cJSON_Delete(o_);
		return;
	}
	printf("%s %s -> %s (%s%s): %s in %.1f ms%s%s\n", pname[a->rq.proto], a->from, a->to, ip,
	       port, probe_result_str(ans->result), ans->elapsed_ms,
	       ans->result == a->expect ? "" : ", expected ",
	       ans->result == a->expect ? "" : probe_result_str(a->expect));
	if (ans->result == PROBE_TIMEOUT)
		printf("  why: %s\n", o->why);
}

int cmd_probe(int argc, char **argv)
{
	struct probe_args a = { 0 };
	struct probe_outcome o;
	struct live lv;
	int rc;

	if ((rc = parse_args(argc, argv, &a)) != EXIT_OK)
		return rc;
	if ((rc = need_privilege("probe")) != EXIT_OK)
		return rc;
	if ((rc = open_topology(a.topo, &lv)) != EXIT_OK)
		return rc;
	rc = probe_named(&lv, a.from, a.to, a.rq.proto, a.rq.port, a.rq.timeout_ms, &o);
	if (rc == -EINVAL) {
		rc = fail(EXIT_USAGE, "%s", err_msg());
	} else if (rc < 0) {
		rc = fail(EXIT_FAILED, "%s", err_msg());
	} else {
		print_answer(&a, &o);
		rc = o.ans.result == a.expect ? EXIT_OK : EXIT_FAILED;
	}
	live_close(&lv);
	return rc;
}
