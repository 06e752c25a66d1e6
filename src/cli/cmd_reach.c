/* vpcsim reach FROM TO [PORT]: static analysis of a topology that is up
 * (its live copy, so `sg` changes count), no packet sent. `--matrix`:
 * every function and resource against every listening port. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/reach_out.h"
#include "state/state.h"
#include "util/err.h"

struct reach_args {
	const char *topo;
	struct reach_query q;
	bool json, matrix;
};

static bool proto_parse(const char *s, uint8_t *p)
{
	*p = !strcmp(s, "tcp") ? 6 : !strcmp(s, "udp") ? 17 : !strcmp(s, "icmp") ? 1 : 0;
	return *p != 0;
}

static int positional(int argc, char **argv, struct reach_args *a)
{
	long long port;

	if (a->matrix)
		return topology_arg("reach --matrix", a->topo, argc - optind, argv + optind, &a->topo);
	if (argc - optind < 2 || argc - optind > 3)
		return fail(EXIT_USAGE, "%s", verb_usage("reach"));
	a->q.from = argv[optind];
	a->q.to = argv[optind + 1];
	if (argc - optind == 3) {
		if (!parse_num(argv[optind + 2], 1, 65535, &port))
			return fail(EXIT_USAGE, "port '%s': use a whole number 1..65535",
				    argv[optind + 2]);
		a->q.port = (uint16_t)port;
	}
	if (a->q.proto != 1 && !a->q.port)
		return fail(EXIT_USAGE, "%s needs a PORT", reach_proto_name(a->q.proto));
	if (a->q.proto == 1)
		a->q.port = 0;
	return EXIT_OK;
}

static int parse_args(int argc, char **argv, struct reach_args *a)
{
	static const struct option opts[] = {
		{ "proto", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "matrix", no_argument, NULL, 'm' },
		{ 0 },
	};
	int c;

	a->q.proto = 6;
	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		switch (c) {
		case 't': a->topo = optarg; break;
		case 'j': a->json = true; break;
		case 'm': a->matrix = true; break;
		case 'p':
			if (!proto_parse(optarg, &a->q.proto))
				return fail(EXIT_USAGE, "--proto '%s': use tcp, udp or icmp", optarg);
			break;
		default:
			return fail(EXIT_USAGE, "%s", verb_usage("reach"));
		}
	}
	return positional(argc, argv, a);
}

static int reach_one(struct live *lv, const struct policy *pol, const struct reach_args *a)
{
	struct reach_result r;
	cJSON *o;
	char *s;

	if (reach_analyze(&lv->L, pol, &a->q, &r) < 0)
		return fail(EXIT_USAGE, "%s", err_msg());
	if (!a->json) {
		reach_print(stdout, &a->q, &r);
		return EXIT_OK;
	}
	o = reach_json(&a->q, &r);
	s = cJSON_PrintUnformatted(o);
	puts(s);
	free(s);
	cJSON_Delete(o);
	return EXIT_OK;
}

int cmd_reach(int argc, char **argv)
{
	struct reach_args a = { 0 };
	struct policy pol;
	struct live lv;
	int rc;

	if ((rc = parse_args(argc, argv, &a)) != EXIT_OK)
		return rc;
	if ((rc = open_topology(a.topo, &lv)) != EXIT_OK)
		return rc;
	if (reach_policy_compile(&lv.L, &pol) < 0) {
		rc = fail(EXIT_FAILED, "%s", err_msg());
		live_close(&lv);
		return rc;
	}
	rc = a.matrix ? reach_matrix(&lv.L, &pol, a.json) : reach_one(&lv, &pol, &a);
	policy_free(&pol);
	live_close(&lv);
	return rc;
}
