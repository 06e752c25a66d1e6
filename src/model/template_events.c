/* A SAM function's Events as the topology function's "events" (docs/TEMPLATES.md):
 * Schedule -> schedule, S3 -> s3 (a bucket of the template), HttpApi ->
 * http_api (a route of the topology's HTTP API); other kinds are listed as
 * not mapped. EventInvokeConfig's retries and event age too. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/template_internal.h"

/* Schedule {Schedule, Enabled, State, ...}; NULL when it is disabled. */
static cJSON *schedule(struct tctx *c, const cJSON *ev, const char *path)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(ev, "Properties"), *k;
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(p, "Schedule");
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(p, "State");
	char kp[TPATH_LEN];
	cJSON *o;

	if (!cJSON_IsString(x)) {
		snprintf(kp, sizeof(kp), "%s.Properties.Schedule", path);
		tmpl_error(c, kp, "InvalidEventException", "a Schedule event needs its Schedule "
			   "(rate(...) or cron(...))");
		return NULL;
	}
	if (tmpl_bool(cJSON_GetObjectItemCaseSensitive(p, "Enabled")) == 0 ||
	    (cJSON_IsString(state) && strcasecmp(state->valuestring, "ENABLED"))) {
		tmpl_unmapped(c, path, "the schedule is disabled (Enabled/State): left out");
		return NULL;
	}
	cJSON_ArrayForEach(k, (cJSON_IsObject(p) ? p : NULL)) /* a list has no names */
		if (strcmp(k->string, "Schedule") && strcmp(k->string, "Enabled") &&
		    strcmp(k->string, "State") && strcmp(k->string, "Name") &&
		    strcmp(k->string, "Description")) {
			snprintf(kp, sizeof(kp), "%s.Properties.%s", path, k->string);
			tmpl_unmapped(c, kp, "Schedule event property %s is not simulated (the "
				      "function gets EventBridge's scheduled event); left out",
				      k->string);
		}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "schedule");
	cJSON_AddStringToObject(o, "expression", x->valuestring);
	return o;
}

/* Filter.S3Key.Rules [{Name: prefix|suffix, Value}] onto o. */
static void s3_filter(struct tctx *c, const cJSON *f, const char *path, cJSON *o)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(f, "S3Key"), "Rules")) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(r, "Name");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, "Value");

		if (cJSON_IsString(n) && cJSON_IsString(v) &&
		    (!strcasecmp(n->valuestring, "prefix") || !strcasecmp(n->valuestring, "suffix")))
			cJSON_AddStringToObject(o, !strcasecmp(n->valuestring, "prefix") ? "prefix"
						: "suffix", v->valuestring);
		else
			tmpl_unmapped(c, path, "an S3 key filter rule is {Name: prefix|suffix, "
				      "Value}; this one is left out");
	}
}

/* S3 {Bucket: !Ref B, Events: string or list, Filter}. */
static cJSON *s3(struct tctx *c, const cJSON *ev, const char *path)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(ev, "Properties");
	const cJSON *evs = cJSON_GetObjectItemCaseSensitive(p, "Events"), *e;
	char kp[TPATH_LEN], bucket[64];
	cJSON *o, *arr;

	snprintf(kp, sizeof(kp), "%s.Properties.Bucket", path);
	if (!tmpl_ref_at(c, cJSON_GetObjectItemCaseSensitive(p, "Bucket"), kp, "AWS::S3::Bucket",
			 true, bucket, sizeof(bucket)))
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "s3");
	cJSON_AddStringToObject(o, "bucket", bucket);
	arr = cJSON_AddArrayToObject(o, "events");
	if (cJSON_IsString(evs))
		cJSON_AddItemToArray(arr, cJSON_CreateString(evs->valuestring));
	if (cJSON_IsArray(evs))
		cJSON_ArrayForEach(e, evs)
			if (cJSON_IsString(e))
				cJSON_AddItemToArray(arr, cJSON_CreateString(e->valuestring));
	snprintf(kp, sizeof(kp), "%s.Properties.Filter", path);
	s3_filter(c, cJSON_GetObjectItemCaseSensitive(p, "Filter"), kp, o);
	return o;
}

/* HttpApi {Path, Method, ...}: a route of the topology's one HTTP API
 * (docs/HTTP-API.md); no Path and no Method is SAM's $default route. */
static cJSON *http_api(struct tctx *c, const cJSON *ev, const char *path)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(ev, "Properties"), *k;
	const cJSON *route = cJSON_GetObjectItemCaseSensitive(p, "Path");
	const cJSON *method = cJSON_GetObjectItemCaseSensitive(p, "Method");
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(p, "PayloadFormatVersion");
	char m[16] = "ANY", kp[TPATH_LEN];
	cJSON *o = cJSON_CreateObject();

	if (cJSON_IsString(method)) {
		snprintf(m, sizeof(m), "%s", method->valuestring);
		for (char *x = m; *x; x++)
			*x = (char)toupper((unsigned char)*x);
	}
	cJSON_AddStringToObject(o, "type", "http_api");
	cJSON_AddStringToObject(o, "method", m);
	cJSON_AddStringToObject(o, "path", cJSON_IsString(route) ? route->valuestring : "$default");
	if (cJSON_IsString(fmt) && strcmp(fmt->valuestring, "2.0")) {
		snprintf(kp, sizeof(kp), "%s.Properties.PayloadFormatVersion", path);
		tmpl_unmapped(c, kp, "only payload format 2.0 is simulated; the route gets 2.0");
	}
	cJSON_ArrayForEach(k, (cJSON_IsObject(p) ? p : NULL)) /* a list has no names */
		if (strcmp(k->string, "Path") && strcmp(k->string, "Method") &&
		    strcmp(k->string, "PayloadFormatVersion")) {
			snprintf(kp, sizeof(kp), "%s.Properties.%s", path, k->string);
			tmpl_unmapped(c, kp, "HttpApi event property %s is not simulated (one HTTP "
				      "API per topology, no authorizers); left out", k->string);
		}
	return o;
}

/* One event of Events into out; -1 reported. */
static int event(struct tctx *c, const cJSON *ev, const char *path, cJSON *out)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "Type");
	const char *t = cJSON_IsString(type) ? type->valuestring : "";
	cJSON *o = NULL;

	if (!strcmp(t, "Schedule"))
		o = schedule(c, ev, path);
	else if (!strcmp(t, "S3"))
		o = s3(c, ev, path);
	else if (!strcmp(t, "HttpApi"))
		o = http_api(c, ev, path);
	else {
		tmpl_unmapped(c, path, "%s events are not simulated (Schedule, S3 and HttpApi "
			      "are); left out", t[0] ? t : "untyped");
		return 0;
	}
	if (o)
		cJSON_AddItemToArray(out, o);
	return o || !c->d->n_errors ? 0 : -1;
}

int tmpl_events(struct tctx *c, const char *id, const cJSON *p, cJSON *fn)
{
	const cJSON *evs = cJSON_GetObjectItemCaseSensitive(p, "Events"), *ev;
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(p, "EventInvokeConfig");
	const cJSON *retry = cJSON_GetObjectItemCaseSensitive(cfg, "MaximumRetryAttempts");
	const cJSON *age = cJSON_GetObjectItemCaseSensitive(cfg, "MaximumEventAgeInSeconds");
	cJSON *out = cJSON_CreateArray();
	int rc = 0;

	cJSON_ArrayForEach(ev, evs) {
		char path[TPATH_LEN];

		snprintf(path, sizeof(path), "Resources.%s.Properties.Events.%s", id, ev->string);
		rc |= event(c, ev, path, out);
	}
	if (cJSON_GetArraySize(out))
		cJSON_AddItemToObject(fn, "events", out);
	else
		cJSON_Delete(out);
	if (retry)
		cJSON_AddNumberToObject(fn, "maximum_retry_attempts", (double)tmpl_num(retry, 2));
	if (age)
		cJSON_AddNumberToObject(fn, "maximum_event_age_s", (double)tmpl_num(age, 21600));
	return rc;
}
