/* AWS's event payloads; see event_payload.h. Shapes from Lambda's
 * developer guide (services-cloudwatchevents, with-s3) and S3's
 * notification-content-structure. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/event_payload.h"

static void iso_time(long long ms, bool with_ms, char *out, size_t size)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	char base[32];

	gmtime_r(&s, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	if (with_ms)
		snprintf(out, size, "%s.%03lldZ", base, ms % 1000);
	else
		snprintf(out, size, "%sZ", base);
}

void event_rule_name(const struct topology *t, int fn, int k, char *out, size_t size)
{
	snprintf(out, size < 65 ? size : 65, "vpcsim-%s-%s-schedule-%d", t->name,
		 t->functions[fn].name, k);
}

static char *print_free(cJSON *o)
{
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return s;
}

char *event_scheduled(const struct topology *t, int fn, int k, const char *id, time_t when)
{
	cJSON *o = cJSON_CreateObject(), *res = cJSON_CreateArray();
	char rule[80], arn[256], time_s[40];

	event_rule_name(t, fn, k, rule, sizeof(rule));
	snprintf(arn, sizeof(arn), "arn:aws:events:%s:%s:rule/%s", t->region, t->account_id, rule);
	iso_time((long long)when * 1000, false, time_s, sizeof(time_s));
	cJSON_AddStringToObject(o, "version", "0");
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "detail-type", "Scheduled Event");
	cJSON_AddStringToObject(o, "source", "aws.events");
	cJSON_AddStringToObject(o, "account", t->account_id);
	cJSON_AddStringToObject(o, "time", time_s);
	cJSON_AddStringToObject(o, "region", t->region);
	cJSON_AddItemToArray(res, cJSON_CreateString(arn));
	cJSON_AddItemToObject(o, "resources", res);
	cJSON_AddItemToObject(o, "detail", cJSON_CreateObject());
	return print_free(o);
}

void s3_key_encode(const char *key, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t w = 0;

	for (const unsigned char *p = (const unsigned char *)key; *p && w + 4 < size; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-_.*/", *p)) {
			out[w++] = (char)*p;
		} else if (*p == ' ') {
			out[w++] = '+';
		} else {
			out[w++] = '%';
			out[w++] = hex[*p >> 4];
			out[w++] = hex[*p & 15];
		}
	}
	out[w] = '\0';
}

static cJSON *s3_part(const struct topology *t, const struct s3_notice *n)
{
	cJSON *s3 = cJSON_CreateObject(), *b = cJSON_CreateObject(), *own = cJSON_CreateObject();
	cJSON *obj = cJSON_CreateObject();
	char arn[128], key[4096], seq[32];

	snprintf(arn, sizeof(arn), "arn:aws:s3:::%s", n->bucket);
	s3_key_encode(n->key, key, sizeof(key));
	snprintf(seq, sizeof(seq), "%018llX", n->sequence);
	cJSON_AddStringToObject(s3, "s3SchemaVersion", "1.0");
	cJSON_AddStringToObject(s3, "configurationId", "vpcsim-notification");
	cJSON_AddStringToObject(b, "name", n->bucket);
	cJSON_AddStringToObject(own, "principalId", t->account_id);
	cJSON_AddItemToObject(b, "ownerIdentity", own);
	cJSON_AddStringToObject(b, "arn", arn);
	cJSON_AddItemToObject(s3, "bucket", b);
	cJSON_AddStringToObject(obj, "key", key);
	if (n->size >= 0)
		cJSON_AddNumberToObject(obj, "size", (double)n->size);
	if (n->etag && n->etag[0])
		cJSON_AddStringToObject(obj, "eTag", n->etag);
	cJSON_AddStringToObject(obj, "sequencer", seq);
	cJSON_AddItemToObject(s3, "object", obj);
	return s3;
}

char *event_s3(const struct topology *t, const struct s3_notice *n)
{
	cJSON *o = cJSON_CreateObject(), *recs = cJSON_CreateArray(), *r = cJSON_CreateObject();
	cJSON *who = cJSON_CreateObject(), *rq = cJSON_CreateObject(), *rs = cJSON_CreateObject();
	char time_s[40], id2[80];

	iso_time(n->ms, true, time_s, sizeof(time_s));
	snprintf(id2, sizeof(id2), "vpcsim/%s", n->request_id);
	cJSON_AddStringToObject(r, "eventVersion", "2.1");
	cJSON_AddStringToObject(r, "eventSource", "aws:s3");
	cJSON_AddStringToObject(r, "awsRegion", t->region);
	cJSON_AddStringToObject(r, "eventTime", time_s);
	cJSON_AddStringToObject(r, "eventName", n->name);
	cJSON_AddStringToObject(who, "principalId", n->principal);
	cJSON_AddItemToObject(r, "userIdentity", who);
	cJSON_AddStringToObject(rq, "sourceIPAddress", n->source_ip);
	cJSON_AddItemToObject(r, "requestParameters", rq);
	cJSON_AddStringToObject(rs, "x-amz-request-id", n->request_id);
	cJSON_AddStringToObject(rs, "x-amz-id-2", id2);
	cJSON_AddItemToObject(r, "responseElements", rs);
	cJSON_AddItemToObject(r, "s3", s3_part(t, n));
	cJSON_AddItemToArray(recs, r);
	cJSON_AddItemToObject(o, "Records", recs);
	return print_free(o);
}

static unsigned event_bit(const char *name)
{
	static const struct { const char *n; unsigned b; } m[] = {
		{ "ObjectCreated:Put", S3_EV_PUT }, { "ObjectCreated:Post", S3_EV_POST },
		{ "ObjectCreated:Copy", S3_EV_COPY },
		{ "ObjectCreated:CompleteMultipartUpload", S3_EV_MPU },
		{ "ObjectRemoved:Delete", S3_EV_DELETE },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(name, m[i].n))
			return m[i].b;
	return 0;
}

bool s3_event_matches(const struct fn_event *e, const char *bucket, const char *name,
		      const char *key)
{
	size_t kl = strlen(key), sl = e->suffix ? strlen(e->suffix) : 0;

	return e->type == FN_EVENT_S3 && e->bucket && !strcmp(e->bucket, bucket) &&
	       (e->s3_events & event_bit(name)) &&
	       (!e->prefix || !strncmp(key, e->prefix, strlen(e->prefix))) &&
	       (!e->suffix || (kl >= sl && !strcmp(key + kl - sl, e->suffix)));
}

static cJSON *json_or_string(const char *text)
{
	cJSON *j = text ? cJSON_Parse(text) : NULL;

	return j ? j : cJSON_CreateString(text ? text : "");
}

char *event_failure_record(const struct topology *t, int fn, const struct async_failure *f)
{
	cJSON *o = cJSON_CreateObject(), *rc = cJSON_CreateObject(), *rs = cJSON_CreateObject();
	char time_s[40], arn[256];

	iso_time(f->ms, true, time_s, sizeof(time_s));
	snprintf(arn, sizeof(arn), "arn:aws:lambda:%s:%s:function:%s:$LATEST", t->region,
		 t->account_id, t->functions[fn].name);
	cJSON_AddStringToObject(o, "version", "1.0");
	cJSON_AddStringToObject(o, "timestamp", time_s);
	cJSON_AddStringToObject(rc, "requestId", f->request_id);
	cJSON_AddStringToObject(rc, "functionArn", arn);
	cJSON_AddStringToObject(rc, "condition", f->condition);
	cJSON_AddNumberToObject(rc, "approximateInvokeCount", f->invokes);
	cJSON_AddItemToObject(o, "requestContext", rc);
	cJSON_AddItemToObject(o, "requestPayload", json_or_string(f->payload));
	if (f->response) {
		cJSON_AddNumberToObject(rs, "statusCode", 200);
		cJSON_AddStringToObject(rs, "executedVersion", "$LATEST");
		cJSON_AddStringToObject(rs, "functionError", "Unhandled");
		cJSON_AddItemToObject(o, "responseContext", rs);
		cJSON_AddItemToObject(o, "responsePayload", json_or_string(f->response));
	} else {
		cJSON_Delete(rs);
	}
	return print_free(o);
}
