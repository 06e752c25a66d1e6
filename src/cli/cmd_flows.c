/* vpcsim flows [NAME] [-t NAME] [--follow] [--json]: VPC Flow Log records
 * (default format, version 2) from the data planes' maps.
 *
 * --follow prints what is there, then every second the records that are new
 * and, for a flow whose counters grew, a record of the growth only, starting
 * where the flow's previous record ended: as AWS publishes one record per
 * flow and aggregation interval. No daemon: it ends on SIGINT or SIGTERM. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "cli/cli.h"
#include "util/err.h"
#include "model/flowlog.h"
#include "state/flows.h"
#include "state/state.h"

#define FOLLOW_INTERVAL_S 1

struct flows_args {
	const char *topo;
	bool follow, json;
};

struct printer {
	const char *account_id;
	bool json;
	cJSON *array;              /* --json without --follow: one array */
	int64_t clock_offset_ns;
};

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int parse_args(int argc, char **argv, struct flows_args *a)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:f", opts, NULL)) != -1) {
		switch (c) {
		case 't': a->topo = optarg; break;
		case 'f': a->follow = true; break;
		case 'j': a->json = true; break;
		default: return fail(EXIT_USAGE, "%s", verb_usage("flows"));
		}
	}
	return topology_arg("flows", a->topo, argc - optind, argv + optind, &a->topo);
}

/* The JSON object of a line: its fields split, so both outputs carry the
 * same values; `-` becomes null. */
static cJSON *line_json(char *line)
{
	cJSON *o = cJSON_CreateObject();
	char *save = NULL, *tok = strtok_r(line, " ", &save);

	for (int f = 0; tok && f < FLOWLOG_FIELDS; f++, tok = strtok_r(NULL, " ", &save)) {
		if (!strcmp(tok, "-"))
			cJSON_AddNullToObject(o, flowlog_field_names[f]);
		else if (flowlog_field_is_number(f))
			cJSON_AddNumberToObject(o, flowlog_field_names[f], strtod(tok, NULL));
		else
			cJSON_AddStringToObject(o, flowlog_field_names[f], tok);
	}
	return o;
}

static void print_record(struct printer *p, const struct flow_entry *e)
{
	char line[512];
	cJSON *o;
	char *s;

	flowlog_format(line, sizeof(line), p->account_id, e->eni_id, &e->r, p->clock_offset_ns);
	if (!p->json) {
		puts(line);
		return;
	}
	o = line_json(line);
	if (p->array) {
		cJSON_AddItemToArray(p->array, o);
		return;
	}
	s = cJSON_PrintUnformatted(o);
	if (s)
		puts(s);
	free(s);
	cJSON_Delete(o);
}

static void print_set(struct printer *p, struct flow_set *set)
{
	p->clock_offset_ns = flowlog_clock_offset_ns();
	flow_set_sort(set, p->clock_offset_ns);
	for (int i = 0; i < set->n; i++)
		print_record(p, &set->e[i]);
	fflush(stdout);
}

static int follow(struct flow_source *src, struct printer *p, const char *topo,
		  struct flow_set *seen)
{
	struct flow_set now = { 0 }, out = { 0 };
	struct sigaction sa = { .sa_handler = on_stop };
	int err = 0;

	/* No SA_RESTART: the signal cuts the sleep short. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	flow_set_sort_by_key(seen);
	while (!stop_requested) {
		struct timespec ts = { FOLLOW_INTERVAL_S, 0 };

		if (nanosleep(&ts, NULL) < 0 || stop_requested)
			continue;
		if (!state_is_up(topo)) {
			fprintf(stderr, "vpcsim: topology %s went down; no more flow records\n", topo);
			break;
		}
		err = flows_read(src, &now);
		if (!err)
			err = flow_set_diff(seen, &now, &out);
		if (err < 0)
			break;
		print_set(p, &out);
	}
	flow_set_free(&now);
	flow_set_free(&out);
	return err;
}

int cmd_flows(int argc, char **argv)
{
	struct flows_args a = { 0 };
	struct flow_source src = { 0 };
	struct flow_set set = { 0 };
	struct printer p = { 0 };
	struct live lv;
	int rc;

	if ((rc = parse_args(argc, argv, &a)) != EXIT_OK)
		return rc;
	if ((rc = need_privilege("flows")) != EXIT_OK)
		return rc;
	if ((rc = open_topology(a.topo, &lv)) != EXIT_OK)
		return rc;
	rc = flows_open(&lv.L, &src);
	if (rc == 0)
		rc = flows_read(&src, &set);
	if (rc < 0) {
		rc = fail(EXIT_FAILED, "topology %s: %s", lv.name, err_msg());
		goto out;
	}
	p.account_id = lv.t->account_id;
	p.json = a.json;
	if (a.json && !a.follow)
		p.array = cJSON_CreateArray();
	print_set(&p, &set);
	if (p.array) {
		char *s = cJSON_Print(p.array);

		if (s)
			puts(s);
		free(s);
		cJSON_Delete(p.array);
	}
	rc = EXIT_OK;
	if (a.follow && follow(&src, &p, lv.name, &set) < 0)
		rc = fail(EXIT_FAILED, "topology %s: %s", lv.name, err_msg());
out:
	flow_set_free(&set);
	flows_close(&src);
	live_close(&lv);
	return rc;
}
