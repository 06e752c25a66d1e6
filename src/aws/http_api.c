/* The topology's API Gateway HTTP API at ID.execute-api.REGION.amazonaws.com
 * (docs/HTTP-API.md): served by the zone's front on the address and names
 * of the execute-api "service", HTTPS with the topology's CA. A request
 * selects a route (model/http_route.h); its function is invoked
 * synchronously through the front's Lambda invoker (the one invoke path)
 * with API Gateway's payload format 2.0, and the function's answer is
 * mapped back as API Gateway maps it:
 *
 * - an object with statusCode: its statusCode, headers, cookies (one
 *   Set-Cookie each) and body (base64-decoded if isBase64Encoded);
 * - any other JSON (an object without statusCode, a string, a number):
 *   200, content-type application/json, the JSON as the body;
 * - a function error: 500 {"message":"Internal Server Error"}; no route:
 *   404 {"message":"Not Found"}; a throttle or the integration's timeout
 *   (30 s, API Gateway's HTTP API limit): 503 {"message":"Service Unavailable"};
 *   a body over Lambda's 6 MB: 413 {"message":"Request Entity Too Large"}.
 *
 * Every answer carries apigw-requestid, the requestContext.requestId.
 * HTTPS only, as execute-api: a plain HTTP request's connection is closed. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cJSON.h>

#include "aws/front.h"
#include "aws/front_internal.h"
#include "lambda/sandbox.h"
#include "model/http_route.h"
#include "util/b64.h"

#define HTTP_API_TIMEOUT_MS 30000  /* API Gateway HTTP API's integration timeout */

int http_api_timeout_ms(void)
{
	const char *v = getenv("VPCSIM_HTTP_API_TIMEOUT_MS");
	char *end;
	long ms = v ? strtol(v, &end, 10) : 0;

	return v && *v && !*end && ms >= 50 && ms <= HTTP_API_TIMEOUT_MS ? (int)ms
									 : HTTP_API_TIMEOUT_MS;
}

static enum MHD_Result gw_answer(struct MHD_Connection *c, unsigned status, const char *id,
				 const char *type, const char *body, size_t len)
{
	struct MHD_Response *r = sym_MHD_create_response_from_buffer(len, (void *)body,
								     MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	if (type)
		sym_MHD_add_response_header(r, "Content-Type", type);
	sym_MHD_add_response_header(r, "apigw-requestid", id);
	ret = sym_MHD_queue_response(c, status, r);
	sym_MHD_destroy_response(r);
	return ret;
}

/* API Gateway's own error: {"message":"..."}. */
static enum MHD_Result gw_error(struct MHD_Connection *c, unsigned status, const char *id,
				const char *message)
{
	char body[128];
	int n = snprintf(body, sizeof(body), "{\"message\":\"%s\"}", message);

	return gw_answer(c, status, id, "application/json", body, (size_t)n);
}

/* ---- the request: payload format 2.0 ---- */

/* Add value to member `name` of o, comma-joining duplicates. */
static void join_add(cJSON *o, const char *name, const char *value)
{
	cJSON *old = cJSON_GetObjectItemCaseSensitive(o, name);
	char *both;

	if (!old) {
		cJSON_AddStringToObject(o, name, value);
		return;
	}
	if (asprintf(&both, "%s,%s", old->valuestring, value) < 0)
		return;
	cJSON_ReplaceItemInObjectCaseSensitive(o, name, cJSON_CreateString(both));
	free(both);
}

struct hdr_walk {
	cJSON *headers, *cookies;
	const char *user_agent, *content_type;
};

static enum MHD_Result one_header(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	struct hdr_walk *w = cls;
	char name[256];
	size_t i = 0;

	for (; key[i] && i < sizeof(name) - 1; i++)
		name[i] = (char)(key[i] >= 'A' && key[i] <= 'Z' ? key[i] + 32 : key[i]);
	name[i] = '\0';
	value = value ? value : "";
	if (!strcmp(name, "cookie")) { /* format 2.0: cookies, not a header */
		char *copy = strdup(value), *save = NULL;

		for (char *t = copy ? strtok_r(copy, ";", &save) : NULL; t; t = strtok_r(NULL, ";", &save)) {
			t += strspn(t, " \t");
			if (*t)
				cJSON_AddItemToArray(w->cookies, cJSON_CreateString(t));
		}
		free(copy);
		return MHD_YES;
	}
	if (!strcmp(name, "user-agent"))
		w->user_agent = value;
	if (!strcmp(name, "content-type"))
		w->content_type = value;
	join_add(w->headers, name, value);
	return MHD_YES;
}

/* queryStringParameters: each name=value of the raw query decoded,
 * duplicates comma-joined; NULL when there are none. */
static cJSON *query_params(const char *raw)
{
	cJSON *q = cJSON_CreateObject();
	char *copy = strdup(raw), *save = NULL;
	int n = 0;

	for (char *t = copy ? strtok_r(copy, "&", &save) : NULL; t; t = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(t, '='), name[1024], value[4096];

		if (eq)
			*eq = '\0';
		invoke_api_url_decode(t, name, sizeof(name));
		invoke_api_url_decode(eq ? eq + 1 : "", value, sizeof(value));
		if (name[0])
			join_add(q, name, value), n++;
	}
	free(copy);
	if (!n) {
		cJSON_Delete(q);
		return NULL;
	}
	return q;
}

/* Is the body text API Gateway passes as it is? Text content types
 * (text/..., JSON, XML, JavaScript) that are valid UTF-8; everything else
 * (forms, images, none) is base64-encoded, isBase64Encoded true. */
static bool body_is_text(const char *type, const char *body, size_t len)
{
	bool text = type && (!strncasecmp(type, "text/", 5) || strcasestr(type, "json") ||
			     strcasestr(type, "xml") || strcasestr(type, "javascript"));

	for (size_t i = 0; text && i < len;) {
		unsigned char b = (unsigned char)body[i];
		size_t k = b < 0x80 ? 0 : (b >> 5) == 6 ? 1 : (b >> 4) == 14 ? 2 : (b >> 3) == 30 ? 3 : 9;

		if (!b || k == 9 || i + k >= len)
			return false;
		for (size_t j = 1; j <= k; j++)
			if (((unsigned char)body[i + j] >> 6) != 2)
				return false;
		i += k + 1;
	}
	return text;
}

static void add_body(cJSON *ev, const char *type, const char *body, size_t len)
{
	char *b64;

	if (!len) {
		cJSON_AddBoolToObject(ev, "isBase64Encoded", false);
		return;
	}
	if (body_is_text(type, body, len)) {
		cJSON_AddStringToObject(ev, "body", body);
		cJSON_AddBoolToObject(ev, "isBase64Encoded", false);
		return;
	}
	b64 = b64_encode(body, len);
	cJSON_AddStringToObject(ev, "body", b64 ? b64 : "");
	cJSON_AddBoolToObject(ev, "isBase64Encoded", true);
	free(b64);
}

struct gw_req {
	struct front *f;
	struct MHD_Connection *c;
	const char *method, *uri, *body;
	size_t len;
	char id[37];
};

static void client_ip(struct MHD_Connection *c, char ip[INET_ADDRSTRLEN])
{
	const union MHD_ConnectionInfo *ci =
		sym_MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr_in *a = ci ? (const struct sockaddr_in *)ci->client_addr : NULL;

	snprintf(ip, INET_ADDRSTRLEN, "0.0.0.0");
	if (a && a->sin_family == AF_INET)
		inet_ntop(AF_INET, &a->sin_addr, ip, INET_ADDRSTRLEN);
}

static cJSON *request_context(const struct gw_req *q, const struct http_match *m,
			      const char *path, const char *user_agent)
{
	cJSON *rc = cJSON_CreateObject(), *http = cJSON_CreateObject();
	char ip[INET_ADDRSTRLEN], id[HTTP_API_ID_LEN], host[AWS_HOST_MAX], when[64];
	struct timespec ts;
	struct tm tm;

	client_ip(q->c, ip);
	http_api_id(q->f->t, id);
	aws_service_host(q->f->t, AWS_EXECUTE_API, 0, host);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
	cJSON_AddStringToObject(rc, "accountId", q->f->t->account_id);
	cJSON_AddStringToObject(rc, "apiId", id);
	cJSON_AddStringToObject(rc, "domainName", host);
	cJSON_AddStringToObject(rc, "domainPrefix", id);
	cJSON_AddStringToObject(http, "method", q->method);
	cJSON_AddStringToObject(http, "path", path);
	cJSON_AddStringToObject(http, "protocol", "HTTP/1.1");
	cJSON_AddStringToObject(http, "sourceIp", ip);
	cJSON_AddStringToObject(http, "userAgent", user_agent ? user_agent : "");
	cJSON_AddItemToObject(rc, "http", http);
	cJSON_AddStringToObject(rc, "requestId", q->id);
	cJSON_AddStringToObject(rc, "routeKey", m->route_key);
	cJSON_AddStringToObject(rc, "stage", "$default");
	cJSON_AddStringToObject(rc, "time", when);
	cJSON_AddNumberToObject(rc, "timeEpoch",
				(double)((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000));
	return rc;
}

/* The headers API Gateway adds: the client's address, port and scheme,
 * and an X-Ray trace id (Root=1-EPOCHHEX-24HEX). */
static void forwarded(const struct gw_req *q, cJSON *headers)
{
	char ip[INET_ADDRSTRLEN], trace[64], hex[25];

	client_ip(q->c, ip);
	for (int i = 0; i < 24; i++)
		hex[i] = q->id[i < 8 ? i : i < 12 ? i + 1 : i < 16 ? i + 2 : i + 3];
	hex[24] = '\0';
	snprintf(trace, sizeof(trace), "Root=1-%08lx-%s", (unsigned long)time(NULL), hex);
	join_add(headers, "x-amzn-trace-id", trace);
	join_add(headers, "x-forwarded-for", ip);
	cJSON_DeleteItemFromObjectCaseSensitive(headers, "x-forwarded-port");
	cJSON_DeleteItemFromObjectCaseSensitive(headers, "x-forwarded-proto");
	cJSON_AddStringToObject(headers, "x-forwarded-port", "443");
	cJSON_AddStringToObject(headers, "x-forwarded-proto", "https");
}

/* The event, malloc'ed JSON text, or NULL without memory. */
static char *event_v2(const struct gw_req *q, const struct http_match *m)
{
	const char *qs = strchr(q->uri, '?');
	char *path = strndup(q->uri, qs ? (size_t)(qs - q->uri) : strlen(q->uri)), *text;
	struct hdr_walk w = { cJSON_CreateObject(), cJSON_CreateArray(), NULL, NULL };
	cJSON *ev = cJSON_CreateObject(), *params = NULL, *query;

	sym_MHD_get_connection_values(q->c, MHD_HEADER_KIND, one_header, &w);
	forwarded(q, w.headers);
	cJSON_AddStringToObject(ev, "version", "2.0");
	cJSON_AddStringToObject(ev, "routeKey", m->route_key);
	cJSON_AddStringToObject(ev, "rawPath", path ? path : "/");
	cJSON_AddStringToObject(ev, "rawQueryString", qs ? qs + 1 : "");
	if (cJSON_GetArraySize(w.cookies))
		cJSON_AddItemToObject(ev, "cookies", w.cookies);
	else
		cJSON_Delete(w.cookies);
	cJSON_AddItemToObject(ev, "headers", w.headers);
	if ((query = qs ? query_params(qs + 1) : NULL))
		cJSON_AddItemToObject(ev, "queryStringParameters", query);
	cJSON_AddItemToObject(ev, "requestContext", request_context(q, m, path ? path : "/",
								      w.user_agent));
	for (int i = 0; i < m->n_params; i++) {
		char value[4096];

		if (!params)
			params = cJSON_AddObjectToObject(ev, "pathParameters");
		invoke_api_url_decode(m->params[i].value, value, sizeof(value));
		cJSON_AddStringToObject(params, m->params[i].name, value);
	}
	add_body(ev, w.content_type, q->body ? q->body : "", q->len);
	text = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	free(path);
	return text;
}

/* ---- the answer ---- */

/* A header value as text: strings as they are, numbers and booleans
 * printed (API Gateway takes them too). */
static char *value_text(const cJSON *v)
{
	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	if (cJSON_IsNumber(v) || cJSON_IsBool(v))
		return cJSON_PrintUnformatted(v);
	return NULL;
}

/* A response object with statusCode: API Gateway's fields. */
static enum MHD_Result structured(const struct gw_req *q, const cJSON *o)
{
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(o, "statusCode"), *h, *e;
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(o, "body");
	const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(o, "isBase64Encoded");
	char *raw = NULL;
	size_t len = 0;
	struct MHD_Response *r;
	enum MHD_Result ret;
	bool typed = false;

	if (!cJSON_IsNumber(sc) || sc->valueint < 100 || sc->valueint > 599 ||
	    (body && !cJSON_IsString(body) && !cJSON_IsNull(body)))
		return gw_error(q->c, 500, q->id, "Internal Server Error");
	if (cJSON_IsString(body) && cJSON_IsTrue(b64)) {
		if (b64_decode(body->valuestring, strlen(body->valuestring), &raw, &len) < 0)
			return gw_error(q->c, 500, q->id, "Internal Server Error");
	} else if (cJSON_IsString(body)) {
		len = strlen(body->valuestring);
	}
	r = sym_MHD_create_response_from_buffer(len, raw ? raw : cJSON_IsString(body) ?
						 body->valuestring : "", MHD_RESPMEM_MUST_COPY);
	free(raw);
	if (!r)
		return MHD_NO;
	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(o, "headers")) {
		char *v = value_text(h);

		if (v && h->string && strcasecmp(h->string, "content-length")) {
			sym_MHD_add_response_header(r, h->string, v);
			typed |= !strcasecmp(h->string, "content-type");
		}
		free(v);
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "cookies"))
		if (cJSON_IsString(e))
			sym_MHD_add_response_header(r, "Set-Cookie", e->valuestring);
	if (!typed)
		sym_MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	sym_MHD_add_response_header(r, "apigw-requestid", q->id);
	ret = sym_MHD_queue_response(q->c, (unsigned)sc->valueint, r);
	sym_MHD_destroy_response(r);
	return ret;
}

/* The function's response (JSON text) as API Gateway maps format 2.0. */
static enum MHD_Result map_response(const struct gw_req *q, const char *text, size_t len)
{
	cJSON *o = cJSON_ParseWithLength(text, len);
	enum MHD_Result ret;

	if (!o) /* Lambda's responses are JSON; anything else is API Gateway's 500 */
		return gw_error(q->c, 500, q->id, "Internal Server Error");
	if (cJSON_IsObject(o) && cJSON_GetObjectItemCaseSensitive(o, "statusCode"))
		ret = structured(q, o);
	else
		ret = gw_answer(q->c, 200, q->id, "application/json", text, len);
	cJSON_Delete(o);
	return ret;
}

static enum MHD_Result invoke_route(const struct gw_req *q, const struct http_match *m)
{
	const char *fn = q->f->t->functions[m->fn].name;
	char *event = event_v2(q, m);
	struct lambda_answer a;
	enum MHD_Result ret;
	int err;

	if (!event)
		return gw_error(q->c, 500, q->id, "Internal Server Error");
	if (strlen(event) > FRONT_JSON_BODY_MAX) {
		free(event);
		return gw_error(q->c, 413, q->id, "Request Entity Too Large");
	}
	err = lambda_invoke_wait(q->f, fn, event, strlen(event), http_api_timeout_ms(), &a);
	fprintf(stderr, "http api: %s %s %s -> %s %s\n", q->id, q->method, m->route_key, fn,
		err == -ETIMEDOUT ? "timed out" : err < 0 ? "no answer" : a.function_error ?
		"function error" : a.e.status == 200 ? "ok" : a.e.type);
	free(event);
	if (err == -ETIMEDOUT)
		ret = gw_error(q->c, 503, q->id, "Service Unavailable");
	else if (err < 0 || a.function_error || (a.e.status >= 400 && a.e.status != 429))
		ret = gw_error(q->c, 500, q->id, "Internal Server Error");
	else if (a.e.status == 429)
		ret = gw_error(q->c, 503, q->id, "Service Unavailable");
	else
		ret = map_response(q, a.body, a.len);
	free(a.body);
	return ret;
}

enum MHD_Result aws_http_api(struct front *f, struct MHD_Connection *c, const char *method,
			     const char *uri, const char *body, size_t len, bool too_large)
{
	struct gw_req q = { f, c, method, uri, body, len, "" };
	const union MHD_ConnectionInfo *ci;
	struct http_match *m;
	const char *qs = strchr(uri, '?');
	char *path;
	enum MHD_Result ret;

	ci = sym_MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session) /* execute-api answers HTTPS only */
		return MHD_NO;
	sandbox_uuid_v4(q.id);
	if (too_large)
		return gw_error(c, 413, q.id, "Request Entity Too Large");
	m = malloc(sizeof(*m));
	path = strndup(uri, qs ? (size_t)(qs - uri) : strlen(uri));
	if (!m || !path) {
		free(m);
		free(path);
		return MHD_NO;
	}
	if (http_route_find(f->t, method, path, m) < 0)
		ret = gw_error(c, 404, q.id, "Not Found");
	else
		ret = invoke_route(&q, m);
	free(m);
	free(path);
	return ret;
}
