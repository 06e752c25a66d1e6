/* A function's event sources and its asynchronous-invoke settings
 * (TOPOLOGY.md "Function events", docs/EVENTS.md):
 *
 *   "events": [ { "type": "schedule", "expression": "rate(1 hour)" },
 *               { "type": "s3", "bucket": "uploads",
 *                 "events": ["s3:ObjectCreated:*"], "prefix": "in/", "suffix": ".jpg" } ],
 *   "maximum_retry_attempts": 0..2, "maximum_event_age_s": 60..21600
 *
 * Schedules are checked by model/schedule.h with EventBridge's message;
 * S3 event names as S3's notification configuration takes them; the
 * buckets, once the "aws" key is read, against aws.s3.buckets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/route_key.h"
#include "model/schedule.h"
#include "model/topology_internal_json.h"

static const struct {
	const char *name;
	unsigned bits;
} s3_names[] = {
	{ "s3:ObjectCreated:*", S3_EV_CREATED },
	{ "s3:ObjectCreated:Put", S3_EV_PUT },
	{ "s3:ObjectCreated:Post", S3_EV_POST },
	{ "s3:ObjectCreated:Copy", S3_EV_COPY },
	{ "s3:ObjectCreated:CompleteMultipartUpload", S3_EV_MPU },
	{ "s3:ObjectRemoved:*", S3_EV_DELETE },
	{ "s3:ObjectRemoved:Delete", S3_EV_DELETE },
};

static void parse_schedule(struct parse *p, const cJSON *j, const char *path, struct fn_event *e)
{
	struct schedule s;
	char why[256], kp[PATH_LEN];
	const char *x;

	if (get_str(p, j, path, "expression", true, &x) != 1)
		return;
	e->expression = topo_strdup(x);
	if (schedule_parse(x, &s, why, sizeof(why)) < 0)
		ERR(p, path_key(kp, path, "expression"), "ValidationException",
		    "Parameter ScheduleExpression is not valid. '%s': %s", x, why);
}

static void parse_s3_names(struct parse *p, const cJSON *arr, const char *path,
			   struct fn_event *e)
{
	const cJSON *n;
	char kp[PATH_LEN];
	int i = 0;

	cJSON_ArrayForEach(n, arr) {
		size_t k = 0;

		for (; cJSON_IsString(n) && k < sizeof(s3_names) / sizeof(s3_names[0]); k++)
			if (!strcmp(n->valuestring, s3_names[k].name))
				break;
		if (!cJSON_IsString(n) || k == sizeof(s3_names) / sizeof(s3_names[0]))
			ERR(p, path_idx(kp, path, i), "InvalidArgument", "The event is not supported "
			    "for notifications: use s3:ObjectCreated:* (or :Put, :Post, :Copy, "
			    ":CompleteMultipartUpload) or s3:ObjectRemoved:* (or :Delete)");
		else
			e->s3_events |= s3_names[k].bits;
		i++;
	}
	if (!i)
		ERR(p, path, CODE_MISSING, "An S3 event source needs at least one event type, "
		    "e.g. [\"s3:ObjectCreated:*\"]");
}

static void parse_s3(struct parse *p, const cJSON *j, const char *path, struct fn_event *e)
{
	const cJSON *arr;
	const char *s;
	char kp[PATH_LEN];

	if (get_str(p, j, path, "bucket", true, &s) == 1)
		e->bucket = topo_strdup(s);
	if (get_array(p, j, path, "events", true, &arr) == 1)
		parse_s3_names(p, arr, path_key(kp, path, "events"), e);
	if (get_str(p, j, path, "prefix", false, &s) == 1 && s[0])
		e->prefix = topo_strdup(s);
	if (get_str(p, j, path, "suffix", false, &s) == 1 && s[0])
		e->suffix = topo_strdup(s);
}

/* An HTTP API route: API Gateway's route key, METHOD and path. */
static void parse_http_api(struct parse *p, const cJSON *j, const char *path, struct fn_event *e)
{
	const char *s;
	char kp[PATH_LEN], why[256];

	e->method = topo_strdup("ANY");
	if (get_str(p, j, path, "method", false, &s) == 1) {
		free(e->method);
		e->method = topo_strdup(s);
		if (!http_route_method_valid(s))
			ERR(p, path_key(kp, path, "method"), "BadRequestException",
			    "Invalid route key: the method '%s' is not one of GET, POST, PUT, PATCH, "
			    "DELETE, HEAD, OPTIONS or ANY (upper case)", s);
	}
	if (get_str(p, j, path, "path", true, &s) != 1)
		return;
	e->path = topo_strdup(s);
	if (http_route_path_check(s, why, sizeof(why)) < 0)
		ERR(p, path_key(kp, path, "path"), "BadRequestException",
		    "Invalid route key '%s %s': %s", e->method, s, why);
	else if (!strcmp(s, HTTP_ROUTE_DEFAULT) && strcmp(e->method, "ANY"))
		ERR(p, path_key(kp, path, "method"), "BadRequestException",
		    "The $default route takes every method: remove \"method\" (or make it ANY)");
}

/* Which keys each type of event source takes (after "type"). */
static bool key_applies(enum fn_event_type type, const char *key)
{
	if (type == FN_EVENT_SCHEDULE)
		return !strcmp(key, "expression");
	if (type == FN_EVENT_HTTP_API)
		return !strcmp(key, "method") || !strcmp(key, "path");
	return strcmp(key, "expression") && strcmp(key, "method") && strcmp(key, "path");
}

static void parse_event(struct parse *p, const cJSON *j, const char *path, struct fn_event *e)
{
	static const char *const keys[] = { "type", "expression", "bucket", "events", "prefix",
					    "suffix", "method", "path", NULL };
	const char *type;
	char kp[PATH_LEN];

	if (!as_object(p, j, path, "event source", keys) ||
	    get_str(p, j, path, "type", true, &type) != 1)
		return;
	if (!strcmp(type, "schedule")) {
		e->type = FN_EVENT_SCHEDULE;
		parse_schedule(p, j, path, e);
	} else if (!strcmp(type, "s3")) {
		e->type = FN_EVENT_S3;
		parse_s3(p, j, path, e);
	} else if (!strcmp(type, "http_api")) {
		e->type = FN_EVENT_HTTP_API;
		parse_http_api(p, j, path, e);
	} else {
		ERR(p, path_key(kp, path, "type"), CODE_PARAM, "The event source type '%s' is not "
		    "served by this vpcsim: use \"schedule\", \"s3\" or \"http_api\"", type);
		return;
	}
	for (const char *const *k = keys + 1; *k; k++) {
		if (!key_applies(e->type, *k) && cJSON_GetObjectItemCaseSensitive(j, *k))
			ERR(p, path_key(kp, path, *k), CODE_PARAM, "'%s' does not apply to a %s "
			    "event source: remove it", *k, type);
	}
}

void parse_function_events(struct parse *p, const cJSON *j, const char *path, struct function *f)
{
	const cJSON *arr, *e;
	char kp[PATH_LEN], ep[PATH_LEN];
	int n, i = 0;

	f->max_retry_attempts = ASYNC_RETRIES_DEFAULT;
	f->max_event_age_s = ASYNC_EVENT_AGE_MAX_S;
	get_int(p, j, path, "maximum_retry_attempts", false, 0, 2, CODE_PARAM,
		&f->max_retry_attempts);
	get_int(p, j, path, "maximum_event_age_s", false, ASYNC_EVENT_AGE_MIN_S,
		ASYNC_EVENT_AGE_MAX_S, CODE_PARAM, &f->max_event_age_s);
	if (get_array(p, j, path, "events", false, &arr) != 1)
		return;
	path_key(kp, path, "events");
	n = cJSON_GetArraySize(arr);
	if (n > FN_EVENTS_MAX) {
		ERR(p, kp, CODE_PARAM, "A function takes at most %d event sources here, not %d",
		    FN_EVENTS_MAX, n);
		return;
	}
	f->events = topo_calloc((size_t)n, sizeof(*f->events));
	cJSON_ArrayForEach(e, arr)
		parse_event(p, e, path_idx(ep, kp, i), &f->events[i]), i++;
	f->n_events = n;
}

static bool bucket_listed(const struct topology *t, const char *name)
{
	for (int i = 0; i < t->aws.n_buckets; i++)
		if (t->aws.buckets[i].name && !strcmp(t->aws.buckets[i].name, name))
			return true;
	return false;
}

void check_function_events(const struct topology *t, struct diags *d)
{
	char path[PATH_LEN];

	for (int i = 0; i < t->n_functions; i++)
		for (int k = 0; k < t->functions[i].n_events; k++) {
			const struct fn_event *e = &t->functions[i].events[k];

			if (e->type != FN_EVENT_S3 || !e->bucket || bucket_listed(t, e->bucket))
				continue;
			snprintf(path, sizeof(path), "functions[%d].events[%d].bucket", i, k);
			topo_error(d, path, "NoSuchBucket", "The bucket '%s' is not in aws.s3.buckets: "
				   "list it there (S3 notifications need a bucket of the topology's "
				   "S3)", e->bucket);
		}
}

/* The HTTP API: routes unique across the topology (API Gateway's
 * ConflictException), and the AWS zone that serves it, brought by the
 * routes as endpoints bring theirs (a topology without "aws" gets the
 * zone with the HTTP API only). */
void check_http_api(struct parse *p)
{
	struct topology *t = p->t;
	char key[HTTP_ROUTE_KEY_MAX], other[HTTP_ROUTE_KEY_MAX], kp[PATH_LEN];

	for (int i = 0; i < t->n_functions; i++)
		for (int k = 0; k < t->functions[i].n_events; k++) {
			const struct fn_event *e = &t->functions[i].events[k];

			if (e->type != FN_EVENT_HTTP_API || !e->path || !e->method)
				continue;
			if (!t->aws.enabled)
				t->aws.enabled = true, t->aws.services = 0;
			t->aws.services |= 1u << AWS_EXECUTE_API;
			http_route_key(e->method, e->path, key);
			for (int a = 0; a <= i; a++)
				for (int b = 0; b < t->functions[a].n_events && (a < i || b < k); b++) {
					const struct fn_event *o = &t->functions[a].events[b];

					if (o->type != FN_EVENT_HTTP_API || !o->path || !o->method)
						continue;
					http_route_key(o->method, o->path, other);
					if (strcmp(key, other))
						continue;
					snprintf(kp, sizeof(kp), "functions[%d].events[%d].path", i, k);
					ERR(p, kp, "ConflictException", "Route with key %s already exists "
					    "for this API (function %s): one function per route", key,
					    t->functions[a].name);
				}
		}
}
