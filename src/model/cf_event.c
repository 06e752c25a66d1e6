/* Lambda@Edge's event and result; see cf_event.h. */
#include <cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/cf_event.h"
#include "model/cloudfront.h"
#include "util/b64.h"

#define INVALID_JSON "The Lambda function returned invalid JSON: "
#define FAILED "The Lambda function result failed validation: "

/* CloudFront's read-only headers per event (CloudFront's "Restrictions on
 * edge functions", read-only headers): a function may not add, delete or
 * change them. */
static const char *const read_only[CF_EVENT_COUNT][9] = {
	[CF_VIEWER_REQUEST] = { "content-length", "host", "transfer-encoding", "via", NULL },
	[CF_ORIGIN_REQUEST] = { "accept-encoding", "content-length", "if-modified-since",
				"if-none-match", "if-range", "if-unmodified-since",
				"transfer-encoding", "via", NULL },
	[CF_ORIGIN_RESPONSE] = { "transfer-encoding", "via", NULL },
	[CF_VIEWER_RESPONSE] = { "content-encoding", "content-length", "transfer-encoding",
				 "warning", "via", NULL },
};

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

const char *cf_header_get(const struct cf_message *m, const char *name)
{
	for (int i = 0; i < m->n_h; i++)
		if (!strcasecmp(m->h[i].name, name))
			return m->h[i].value;
	return NULL;
}

void cf_header_add(struct cf_message *m, const char *name, const char *value)
{
	struct cf_header *g = realloc(m->h, (size_t)(m->n_h + 1) * sizeof(*g));

	if (!g)
		return;
	m->h = g;
	m->h[m->n_h].name = dup0(name);
	m->h[m->n_h].value = dup0(value);
	m->n_h++;
}

void cf_header_set(struct cf_message *m, const char *name, const char *value)
{
	int k = 0;

	for (int i = 0; i < m->n_h; i++) {
		if (strcasecmp(m->h[i].name, name)) {
			m->h[k++] = m->h[i];
			continue;
		}
		free(m->h[i].name);
		free(m->h[i].value);
	}
	m->n_h = k;
	if (value)
		cf_header_add(m, name, value);
}

static void headers_free(struct cf_header *h, int n)
{
	for (int i = 0; i < n; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
}

void cf_message_clear(struct cf_message *m)
{
	headers_free(m->h, m->n_h);
	free(m->uri);
	free(m->querystring);
	free(m->status_desc);
	free(m->body);
	memset(m, 0, sizeof(*m));
}

const char *cf_reason(int status)
{
	static const struct { int s; const char *r; } r[] = {
		{ 200, "OK" }, { 201, "Created" }, { 204, "No Content" },
		{ 301, "Moved Permanently" }, { 302, "Found" }, { 304, "Not Modified" },
		{ 307, "Temporary Redirect" }, { 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 500, "Internal Server Error" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
	};

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (r[i].s == status)
			return r[i].r;
	return "";
}

/* ---- the event ---- */

/* {"lowercase": [{"key": "As-Sent", "value": "..."}], ...} in order. */
static cJSON *headers_json(const struct cf_message *m)
{
	cJSON *o = cJSON_CreateObject();

	for (int i = 0; o && i < m->n_h; i++) {
		char low[256];
		cJSON *arr, *e = cJSON_CreateObject();
		size_t k = 0;

		for (; m->h[i].name[k] && k < sizeof(low) - 1; k++)
			low[k] = (char)tolower((unsigned char)m->h[i].name[k]);
		low[k] = '\0';
		arr = cJSON_GetObjectItemCaseSensitive(o, low);
		if (!arr)
			arr = cJSON_AddArrayToObject(o, low);
		cJSON_AddStringToObject(e, "key", m->h[i].name);
		cJSON_AddStringToObject(e, "value", m->h[i].value);
		cJSON_AddItemToArray(arr, e);
	}
	return o;
}

static void add_origin(cJSON *rq, const struct cf_context *x)
{
	cJSON *c = cJSON_AddObjectToObject(cJSON_AddObjectToObject(rq, "origin"), "custom");
	const char *ssl[] = { "TLSv1.2" };

	cJSON_AddObjectToObject(c, "customHeaders");
	cJSON_AddStringToObject(c, "domainName", x->origin_domain ? x->origin_domain : "");
	cJSON_AddNumberToObject(c, "keepaliveTimeout", 5);
	cJSON_AddStringToObject(c, "path", "");
	cJSON_AddNumberToObject(c, "port", x->origin_port);
	cJSON_AddStringToObject(c, "protocol", x->origin_https ? "https" : "http");
	cJSON_AddNumberToObject(c, "readTimeout", 30);
	cJSON_AddItemToObject(c, "sslProtocols", cJSON_CreateStringArray(ssl, 1));
}

/* body: {inputTruncated, action: read-only, encoding: base64, data}. */
static void add_body(cJSON *rq, const struct cf_message *m, enum cf_event_type e)
{
	size_t max = e == CF_VIEWER_REQUEST ? CF_VIEWER_GENERATED_MAX : CF_ORIGIN_GENERATED_MAX;
	size_t n = m->body_len > max ? max : m->body_len;
	char *data = b64_encode(m->body ? m->body : "", n);
	cJSON *b = cJSON_AddObjectToObject(rq, "body");

	cJSON_AddBoolToObject(b, "inputTruncated", m->body_len > max);
	cJSON_AddStringToObject(b, "action", "read-only");
	cJSON_AddStringToObject(b, "encoding", "base64");
	cJSON_AddStringToObject(b, "data", data ? data : "");
	free(data);
}

char *cf_event_json(const struct cf_context *x, enum cf_event_type e,
		    const struct cf_message *rq, const struct cf_message *rp)
{
	cJSON *root = cJSON_CreateObject(), *rec = cJSON_CreateObject(), *cf, *cfg, *r;
	char *text;

	cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "Records"), rec);
	cf = cJSON_AddObjectToObject(rec, "cf");
	cfg = cJSON_AddObjectToObject(cf, "config");
	cJSON_AddStringToObject(cfg, "distributionDomainName", x->domain);
	cJSON_AddStringToObject(cfg, "distributionId", x->id);
	cJSON_AddStringToObject(cfg, "eventType", cf_event_name(e));
	cJSON_AddStringToObject(cfg, "requestId", x->request_id);
	r = cJSON_AddObjectToObject(cf, "request");
	if (x->include_body && (e == CF_VIEWER_REQUEST || e == CF_ORIGIN_REQUEST))
		add_body(r, rq, e);
	cJSON_AddStringToObject(r, "clientIp", rq->client_ip);
	cJSON_AddItemToObject(r, "headers", headers_json(rq));
	cJSON_AddStringToObject(r, "method", rq->method);
	if (e == CF_ORIGIN_REQUEST || e == CF_ORIGIN_RESPONSE)
		add_origin(r, x);
	cJSON_AddStringToObject(r, "querystring", rq->querystring ? rq->querystring : "");
	cJSON_AddStringToObject(r, "uri", rq->uri ? rq->uri : "/");
	if (rp && (e == CF_ORIGIN_RESPONSE || e == CF_VIEWER_RESPONSE)) {
		char st[8];
		cJSON *s = cJSON_AddObjectToObject(cf, "response");

		snprintf(st, sizeof(st), "%d", rp->status);
		cJSON_AddItemToObject(s, "headers", headers_json(rp));
		cJSON_AddStringToObject(s, "status", st);
		cJSON_AddStringToObject(s, "statusDescription",
					rp->status_desc ? rp->status_desc : cf_reason(rp->status));
	}
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return text;
}

/* ---- the result ---- */

/* "x-custom-header" -> "X-Custom-Header": the key CloudFront fills in. */
static void title_case(const char *low, char *out, size_t size)
{
	bool up = true;
	size_t k = 0;

	for (; low[k] && k < size - 1; k++) {
		out[k] = up ? (char)toupper((unsigned char)low[k]) : low[k];
		up = low[k] == '-';
	}
	out[k] = '\0';
}

/* No control characters (CR, LF, NUL...) nor, in a name or a uri, spaces:
 * what goes on to the origin or the viewer stays one header, one line. */
static bool clean(const char *s, bool token)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || (token && (*s == ' ' || *s == ':')))
			return false;
	return true;
}

/* The headers object of a result into *h, *n; -1 with why. */
static int headers_read(const cJSON *o, struct cf_header **h, int *n, char *why)
{
	const cJSON *arr, *e;

	*h = NULL;
	*n = 0;
	if (!o)
		return 0;
	if (!cJSON_IsObject(o))
		return snprintf(why, CF_WHY_MAX, FAILED "The headers are not an object."), -1;
	cJSON_ArrayForEach(arr, o) {
		char low[256], tc[256];
		struct cf_header *g;

		if (!cJSON_IsArray(arr))
			return snprintf(why, CF_WHY_MAX, FAILED "Header '%.64s' is not an array of "
					"{key, value} objects.", arr->string), -1;
		cJSON_ArrayForEach(e, arr) {
			const cJSON *k = cJSON_GetObjectItemCaseSensitive(e, "key");
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "value");

			snprintf(low, sizeof(low), "%s", arr->string);
			for (char *c = low; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			if (strcmp(low, arr->string) || !low[0] || !clean(low, true) ||
			    !cJSON_IsString(v) || !clean(v->valuestring, false) ||
			    (k && (!cJSON_IsString(k) || strcasecmp(k->valuestring, low))))
				return snprintf(why, CF_WHY_MAX, FAILED "Header '%.64s' is not valid: "
						"its name must be lowercase, each value a string and "
						"each key the same name in any case.", arr->string), -1;
			title_case(low, tc, sizeof(tc));
			g = realloc(*h, (size_t)(*n + 1) * sizeof(*g));
			if (!g)
				return snprintf(why, CF_WHY_MAX, FAILED "out of memory"), -1;
			*h = g;
			(*h)[*n].name = dup0(k ? k->valuestring : tc);
			(*h)[(*n)++].value = dup0(v->valuestring);
		}
	}
	return 0;
}

/* Did a read-only header of e change between before and after? */
static bool read_only_changed(enum cf_event_type e, const struct cf_message *before,
			      const struct cf_header *h, int n)
{
	for (const char *const *r = read_only[e]; *r; r++) {
		const char *a = cf_header_get(before, *r), *b = NULL;

		for (int i = 0; i < n && !b; i++)
			if (!strcasecmp(h[i].name, *r))
				b = h[i].value;
		if ((a == NULL) != (b == NULL) || (a && strcmp(a, b)))
			return true;
	}
	return false;
}

/* The headers of a result replace m's; with check, a read-only header
 * of e may not change. -1 with why. */
static int take_headers(enum cf_event_type e, const cJSON *hs, bool check, struct cf_message *m,
			char *why)
{
	struct cf_header *h = NULL;
	int n = 0;

	if (headers_read(hs, &h, &n, why) < 0 || (check && read_only_changed(e, m, h, n))) {
		if (!why[0])
			snprintf(why, CF_WHY_MAX, FAILED "The function tried to add, delete, or "
				 "change a read-only header.");
		headers_free(h, n);
		return -1;
	}
	headers_free(m->h, m->n_h);
	m->h = h;
	m->n_h = n;
	return 0;
}

/* The body of a result: text or base64 (bodyEncoding, or the request
 * body's encoding); -1 with why. */
static int body_read(const cJSON *b, const char *enc, char **out, size_t *n, char *why)
{
	if (!cJSON_IsString(b))
		return snprintf(why, CF_WHY_MAX, FAILED "The body is not a string, is not an "
				"object, or exceeds the maximum size."), -1;
	if (enc && !strcmp(enc, "base64"))
		return b64_decode(b->valuestring, strlen(b->valuestring), out, n) == 0 ? 0
			: (snprintf(why, CF_WHY_MAX, FAILED "The body is not valid base64."), -1);
	*out = strdup(b->valuestring);
	*n = strlen(b->valuestring);
	return *out ? 0 : -1;
}

static int status_read(const cJSON *s, int *out, char *why)
{
	long v = -1;

	if (cJSON_IsString(s) && s->valuestring[0] && strlen(s->valuestring) <= 3 &&
	    strspn(s->valuestring, "0123456789") == strlen(s->valuestring))
		v = strtol(s->valuestring, NULL, 10);
	else if (cJSON_IsNumber(s) && s->valuedouble == (double)(long)s->valuedouble)
		v = (long)s->valuedouble;
	if (v < 100 || v > 599)
		return snprintf(why, CF_WHY_MAX, FAILED "The status is not a valid HTTP status "
				"code."), -1;
	*out = (int)v;
	return 0;
}

static size_t message_size(const struct cf_message *m)
{
	size_t n = m->body_len;

	for (int i = 0; i < m->n_h; i++)
		n += strlen(m->h[i].name) + strlen(m->h[i].value) + 4;
	return n;
}

/* A response result (a response event's, or one a request event made). */
static int apply_response(enum cf_event_type e, const cJSON *o, bool generated,
			  struct cf_message *rp, char *why)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "status");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "statusDescription");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "body");
	const cJSON *enc = cJSON_GetObjectItemCaseSensitive(o, "bodyEncoding");
	const cJSON *hs = cJSON_GetObjectItemCaseSensitive(o, "headers");
	size_t max = e == CF_VIEWER_REQUEST || e == CF_VIEWER_RESPONSE ? CF_VIEWER_GENERATED_MAX
									: CF_ORIGIN_GENERATED_MAX;
	int status = rp->status;

	if (s && status_read(s, &status, why) < 0)
		return -1;
	if (e == CF_VIEWER_RESPONSE && status != rp->status)
		return snprintf(why, CF_WHY_MAX, FAILED "A viewer response function cannot change "
				"the status code."), -1;
	if (hs && take_headers(e, hs, !generated, rp, why) < 0)
		return -1;
	if (b) {
		char *data = NULL;
		size_t len = 0;

		if (body_read(b, cJSON_IsString(enc) ? enc->valuestring : NULL, &data, &len, why) < 0)
			return -1;
		free(rp->body);
		rp->body = data;
		rp->body_len = len;
	}
	rp->status = status;
	free(rp->status_desc);
	rp->status_desc = dup0(cJSON_IsString(d) ? d->valuestring : cf_reason(status));
	if ((generated || b) && message_size(rp) > max)
		return snprintf(why, CF_WHY_MAX, FAILED "The body is not a string, is not an "
				"object, or exceeds the maximum size."), -1;
	return 0;
}

/* A request result: uri, querystring, headers, a replaced body. */
static int apply_request(enum cf_event_type e, const cJSON *o, struct cf_message *rq, char *why)
{
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "uri");
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(o, "querystring");
	const cJSON *hs = cJSON_GetObjectItemCaseSensitive(o, "headers");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "body");

	if ((u && (!cJSON_IsString(u) || u->valuestring[0] != '/' || !clean(u->valuestring, true))) ||
	    (q && (!cJSON_IsString(q) || !clean(q->valuestring, true))))
		return snprintf(why, CF_WHY_MAX, FAILED "The uri must be a string that begins with "
				"'/', and the querystring a string."), -1;
	if (hs && take_headers(e, hs, true, rq, why) < 0)
		return -1;
	if (u) {
		free(rq->uri);
		rq->uri = dup0(u->valuestring);
	}
	if (q) {
		free(rq->querystring);
		rq->querystring = dup0(q->valuestring);
	}
	if (cJSON_IsObject(b) && cJSON_IsString(cJSON_GetObjectItem(b, "action")) &&
	    !strcmp(cJSON_GetObjectItem(b, "action")->valuestring, "replace")) {
		const cJSON *enc = cJSON_GetObjectItemCaseSensitive(b, "encoding");
		char *data = NULL;
		size_t len = 0;

		if (body_read(cJSON_GetObjectItemCaseSensitive(b, "data"),
			      cJSON_IsString(enc) ? enc->valuestring : "text", &data, &len, why) < 0)
			return -1;
		free(rq->body);
		rq->body = data;
		rq->body_len = len;
	}
	return 0;
}

int cf_event_apply(enum cf_event_type e, const char *out, size_t n, struct cf_message *rq,
		   struct cf_message *rp, bool *generated, char why[CF_WHY_MAX])
{
	cJSON *o = cJSON_ParseWithLength(out, n);
	int r;

	why[0] = '\0';
	*generated = false;
	if (!o) {
		snprintf(why, CF_WHY_MAX, INVALID_JSON "The JSON output is not parsable.");
		return -1;
	}
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		snprintf(why, CF_WHY_MAX, FAILED "The result is not an object: return the %s.",
			 e <= CF_ORIGIN_REQUEST ? "request, or a response" : "response");
		return -1;
	}
	if (e == CF_VIEWER_REQUEST || e == CF_ORIGIN_REQUEST) {
		*generated = cJSON_GetObjectItemCaseSensitive(o, "status") != NULL;
		if (*generated) {
			cf_message_clear(rp);
			rp->status = 200;
		}
		r = *generated ? apply_response(e, o, true, rp, why) : apply_request(e, o, rq, why);
	} else {
		r = apply_response(e, o, false, rp, why);
	}
	cJSON_Delete(o);
	return r;
}
