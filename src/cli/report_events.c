/* The event service of `status` (docs/EVENTS.md): whether it runs, its
 * restarts and last crash, the asynchronous queue and the event sources. */
#include <stdio.h>
#include <string.h>

#include "lambda/event_service.h"
#include "cli/report_internal.h"

static const char *state_word(const struct event_service_info *e)
{
	return e->running ? "running" : e->pid ? "exited" : "unknown";
}

void print_event_service(const struct live *lv)
{
	struct event_service_info e;
	struct table T = { .cols = 8 };
	char pid[24], restarts[48], queued[16], done[24], retries[24], failed[16];

	if (event_service_info(lv, &e) < 0 || !e.present)
		return;
	snprintf(pid, sizeof(pid), "%d", (int)e.pid);
	snprintf(restarts, sizeof(restarts), "%d", e.restarts);
	snprintf(queued, sizeof(queued), "%d", e.queued);
	snprintf(done, sizeof(done), "%lld", e.delivered);
	snprintf(retries, sizeof(retries), "%lld", e.retries);
	snprintf(failed, sizeof(failed), "%d", e.failed);
	putchar('\n');
	table_row(&T, "EVENT SERVICE", "PID", "STATE", "RESTARTS", "QUEUED", "DELIVERED", "RETRIES",
		  "FAILED");
	table_row(&T, "events", e.pid ? pid : "-", state_word(&e), restarts, queued, done, retries,
		  failed);
	table_print(&T);
	if (e.last_crash[0])
		printf("last crash: worker %s (restarted)\n", e.last_crash);
}

void json_add_event_service(cJSON *root, const struct live *lv)
{
	struct event_service_info e;
	cJSON *o;

	if (event_service_info(lv, &e) < 0 || !e.present)
		return;
	o = cJSON_AddObjectToObject(root, "event_service");
	if (e.pid)
		cJSON_AddNumberToObject(o, "pid", e.pid);
	else
		cJSON_AddNullToObject(o, "pid");
	cJSON_AddStringToObject(o, "state", state_word(&e));
	cJSON_AddNumberToObject(o, "restarts", e.restarts);
	if (e.last_crash[0])
		cJSON_AddStringToObject(o, "last_crash", e.last_crash);
	else
		cJSON_AddNullToObject(o, "last_crash");
	cJSON_AddNumberToObject(o, "queued", e.queued);
	cJSON_AddNumberToObject(o, "delivered", (double)e.delivered);
	cJSON_AddNumberToObject(o, "retries", (double)e.retries);
	cJSON_AddNumberToObject(o, "throttled", (double)e.throttled);
	cJSON_AddNumberToObject(o, "failed", e.failed);
	cJSON_AddNumberToObject(o, "schedules", e.schedules);
	cJSON_AddNumberToObject(o, "s3_sources", e.s3_sources);
}
