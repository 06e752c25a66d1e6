/* The event service of `status` (docs/EVENTS.md): whether it runs, its
 * restarts and last crash, the asynchronous queue, the event sources and
 * the HTTP API (docs/HTTP-API.md). */
#include <stdio.h>
#include <string.h>

#include "lambda/event_service.h"
#include "cli/report_internal.h"
#include "model/aws_zone.h"
#include "model/http_route.h"

static const char *const source_types[] = { [FN_EVENT_SCHEDULE] = "schedule", [FN_EVENT_S3] = "s3",
					    [FN_EVENT_HTTP_API] = "http_api" };

/* What a source listens to: the expression, the bucket and its filter,
 * or the route key. */
static void source_text(const struct fn_event *e, char *out, size_t size)
{
	if (e->type == FN_EVENT_SCHEDULE)
		snprintf(out, size, "%s", e->expression);
	else if (e->type == FN_EVENT_HTTP_API)
		http_route_key(e->method, e->path, out);
	else
		snprintf(out, size, "%s %s%s%s", e->bucket,
			 e->s3_events & S3_EV_CREATED ? "created" : "",
			 (e->s3_events & S3_EV_CREATED) && (e->s3_events & S3_EV_DELETE) ? "," : "",
			 e->s3_events & S3_EV_DELETE ? "removed" : "");
	if (e->type == FN_EVENT_S3 && (e->prefix || e->suffix))
		snprintf(out + strlen(out), size - strlen(out), " %s*%s", e->prefix ? e->prefix : "",
			 e->suffix ? e->suffix : "");
}

static void print_sources(const struct live *lv)
{
	const struct topology *t = lv->t;
	struct table T = { .cols = 3 };
	char what[HTTP_ROUTE_KEY_MAX + 64], host[AWS_HOST_MAX];
	bool any = false;

	for (int i = 0; i < t->n_functions; i++)
		for (int k = 0; k < t->functions[i].n_events; k++) {
			const struct fn_event *e = &t->functions[i].events[k];

			if (!any)
				table_row(&T, "EVENT SOURCE", "FUNCTION", "LISTENS TO");
			any = true;
			source_text(e, what, sizeof(what));
			table_row(&T, source_types[e->type], t->functions[i].name, what);
		}
	if (!any)
		return;
	putchar('\n');
	table_print(&T);
	if (aws_serves(t, AWS_EXECUTE_API)) {
		aws_service_host(t, AWS_EXECUTE_API, 0, host);
		printf("http api: https://%s/ (198.18.0.%u, HTTPS, the topology's CA)\n", host,
		       AWS_SERVICE_IP_BASE + AWS_EXECUTE_API);
	}
}

static void json_sources(cJSON *root, const struct live *lv)
{
	const struct topology *t = lv->t;
	cJSON *arr = cJSON_AddArrayToObject(root, "event_sources"), *o, *routes;
	char what[HTTP_ROUTE_KEY_MAX + 64], host[AWS_HOST_MAX], id[HTTP_API_ID_LEN], url[AWS_HOST_MAX + 16];

	for (int i = 0; i < t->n_functions; i++)
		for (int k = 0; k < t->functions[i].n_events; k++) {
			const struct fn_event *e = &t->functions[i].events[k];

			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "function", t->functions[i].name);
			cJSON_AddStringToObject(o, "type", source_types[e->type]);
			source_text(e, what, sizeof(what));
			cJSON_AddStringToObject(o, "source", what);
			cJSON_AddItemToArray(arr, o);
		}
	if (!aws_serves(t, AWS_EXECUTE_API))
		return;
	http_api_id(t, id);
	aws_service_host(t, AWS_EXECUTE_API, 0, host);
	snprintf(url, sizeof(url), "https://%s/", host);
	o = cJSON_AddObjectToObject(root, "http_api");
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "endpoint", url);
	cJSON_AddStringToObject(o, "stage", "$default");
	routes = cJSON_AddArrayToObject(o, "routes");
	for (int i = 0; i < t->n_functions; i++)
		for (int k = 0; k < t->functions[i].n_events; k++) {
			const struct fn_event *e = &t->functions[i].events[k];
			cJSON *r;

			if (e->type != FN_EVENT_HTTP_API)
				continue;
			r = cJSON_CreateObject();
			http_route_key(e->method, e->path, what);
			cJSON_AddStringToObject(r, "route_key", what);
			cJSON_AddStringToObject(r, "function", t->functions[i].name);
			cJSON_AddItemToArray(routes, r);
		}
}

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
	print_sources(lv);
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
	json_sources(root, lv);
}
