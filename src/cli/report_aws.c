/* The AWS zone's processes in `status` (docs/AWS-SERVICES.md, "When a
 * process dies"): the front from the journal, the engines as the front
 * recorded them (aws/engine_watch.h), each with whether it runs and, when
 * it does not, the fix. */
#include <stdio.h>
#include <string.h>

#include "aws/engine_watch.h"
#include "aws/front.h"
#include "kernel/proc.h"
#include "state/journal.h"
#include "state/state.h"
#include "cli/report_internal.h"

#define ZONE_ROWS 3

struct zone_row {
	char what[16];
	pid_t pid;
	int restarts;              /* -1: not counted (the front) */
	const char *state;
	char fix[512];
};

static bool front_proc(const struct journal *J, struct proc_id *p)
{
	for (int k = 0; J && k < J->n; k++)
		if (J->e[k].kind == J_PROC && !strcmp(J->e[k].what, "aws-front")) {
			*p = (struct proc_id){ J->e[k].pid, J->e[k].start_time };
			return true;
		}
	return false;
}

/* The rows: the front, then each engine; how many. */
static int zone_rows(const struct live *lv, const struct journal *J, struct zone_row *rows)
{
	struct aws_engine_info e[ZONE_ROWS - 1];
	struct proc_id p = { 0 };
	char dir[4096];
	bool front_up;
	int n;

	front_up = front_proc(J, &p) && proc_alive(&p);
	rows[0] = (struct zone_row){ .what = "front", .pid = p.pid, .restarts = -1,
				     .state = front_up ? "running" : p.pid ? "exited" : "unknown" };
	if (!front_up)
		snprintf(rows[0].fix, sizeof(rows[0].fix), "every AWS call from the simulation is refused; "
			 "see %s/logs/aws.log, then `vpcsim down %s` and `vpcsim up` its file again "
			 "(objects, items and secrets made since up are lost)", lv->dir, lv->name);
	aws_zone_dir(lv->dir, dir);
	n = aws_engines_read(dir, e, ZONE_ROWS - 1);
	for (int i = 0; i < n; i++) {
		struct zone_row *r = &rows[1 + i];
		struct proc_id ep = { e[i].pid, e[i].start };
		bool up = e[i].pid && proc_alive(&ep);

		*r = (struct zone_row){ .pid = e[i].pid, .restarts = e[i].restarts };
		snprintf(r->what, sizeof(r->what), "%s", e[i].service);
		r->state = up ? "running" : !front_up ? "exited" : !strcmp(e[i].state, "failed") ? "failed"
			 : "restarting";
		if (!strcmp(r->state, "failed"))
			snprintf(r->fix, sizeof(r->fix), "it died %d times in a row within %d s of its "
				 "start and is not restarted: its calls answer 503 ServiceUnavailable; "
				 "see %s/logs/aws.log, then `vpcsim down %s` and `vpcsim up` its file again",
				 ENGINE_QUICK_FAILS, ENGINE_QUICK_S, lv->dir, lv->name);
		else if (!strcmp(r->state, "exited"))
			snprintf(r->fix, sizeof(r->fix), "it went with the front (see the front's fix)");
	}
	return 1 + n;
}

void print_aws_zone(const struct live *lv, const struct journal *J)
{
	struct zone_row rows[ZONE_ROWS];
	struct table T = { .cols = 4 };
	char pid[ZONE_ROWS][24], restarts[ZONE_ROWS][16];
	int n;

	if (lv->L.aws_node < 0)
		return;
	n = zone_rows(lv, J, rows);
	putchar('\n');
	table_row(&T, "AWS ZONE", "PID", "STATE", "RESTARTS");
	for (int i = 0; i < n; i++) {
		snprintf(pid[i], sizeof(pid[i]), "%d", (int)rows[i].pid);
		snprintf(restarts[i], sizeof(restarts[i]), "%d", rows[i].restarts);
		table_row(&T, rows[i].what, rows[i].pid ? pid[i] : "-", rows[i].state,
			  rows[i].restarts < 0 ? "-" : restarts[i]);
	}
	table_print(&T);
	for (int i = 0; i < n; i++)
		if (rows[i].fix[0])
			printf("%s %s: %s\n", rows[i].what, rows[i].state, rows[i].fix);
}

static cJSON *row_json(const struct zone_row *r)
{
	cJSON *o = cJSON_CreateObject();

	if (r->restarts >= 0)
		cJSON_AddStringToObject(o, "service", r->what);
	if (r->pid)
		cJSON_AddNumberToObject(o, "pid", r->pid);
	else
		cJSON_AddNullToObject(o, "pid");
	cJSON_AddStringToObject(o, "state", r->state);
	if (r->restarts >= 0)
		cJSON_AddNumberToObject(o, "restarts", r->restarts);
	if (r->fix[0])
		cJSON_AddStringToObject(o, "fix", r->fix);
	else
		cJSON_AddNullToObject(o, "fix");
	return o;
}

void json_add_aws_zone(cJSON *root, const struct live *lv, const struct journal *J)
{
	struct zone_row rows[ZONE_ROWS];
	cJSON *o, *engines;
	int n;

	if (lv->L.aws_node < 0)
		return;
	n = zone_rows(lv, J, rows);
	o = cJSON_AddObjectToObject(root, "aws_zone");
	cJSON_AddItemToObject(o, "front", row_json(&rows[0]));
	engines = cJSON_AddArrayToObject(o, "engines");
	for (int i = 1; i < n; i++)
		cJSON_AddItemToArray(engines, row_json(&rows[i]));
}
