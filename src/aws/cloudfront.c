/* CloudFront distributions with Lambda@Edge (docs/EDGE.md), served by the
 * AWS zone's front at dXXXXXXXXXXXXX.cloudfront.net (model/cloudfront.h):
 *
 *   viewer request -> [viewer-request] -> [origin-request] -> the origin
 *   (an internet host's HTTP, or the HTTP API over HTTPS, cf_origin.h) -> [origin-response] ->
 *   [viewer-response] -> the viewer
 *
 * Each associated function runs synchronously through the front's Lambda
 * invoker (lambda_svc.c lambda_invoke_wait, the one invoke path) with CloudFront's event
 * (model/cf_event.h). A request function may answer itself (a generated
 * response): a viewer-request's skips the origin and the viewer-response;
 * an origin-request's skips the origin and the origin-response. As on
 * CloudFront, viewer-response does not run for an origin status of 400 or
 * more. Failures are CloudFront's error pages: 502 LambdaValidationError
 * (an invalid result), 503 LambdaExecutionError (the function failed),
 * 503 LambdaLimitExceeded (throttled or timed out), 502/504 for the origin.
 * No cache: every request goes to the origin (X-Cache: Miss from
 * cloudfront). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "aws/cf_origin.h"
#include "aws/ca.h"
#include "aws/front_internal.h"
#include "model/aws_zone.h"
#include "model/cf_event.h"
#include "model/cloudfront.h"
#include "util/b64.h"

struct cf_run {
	struct front *f;
	struct MHD_Connection *c;
	int d;
	struct cf_context x;
	char domain[CF_DOMAIN_MAX], id[CF_ID_MAX], rid[64], via[96], origin[AWS_HOST_MAX];
	struct cf_message rq, rp;
	const char *xcache;        /* X-Cache of the answer */
	int err;                   /* an error page's status, 0 if none */
	char why[CF_WHY_MAX];
};

/* CloudFront's request id (base64 of 40 random bytes, URL-safe) and the
 * Via name it adds. */
static void ids(struct cf_run *R)
{
	unsigned char r[40] = { 0 };
	char *b;

	if (getrandom(r, sizeof(r), 0) < 0)
		snprintf((char *)r, sizeof(r), "%ld", (long)time(NULL));
	b = b64_encode(r, sizeof(r));
	snprintf(R->rid, sizeof(R->rid), "%s", b ? b : "vpcsim");
	free(b);
	for (char *c = R->rid; *c; c++)
		*c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
	snprintf(R->via, sizeof(R->via), "1.1 %02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x"
		 "%02x%02x%02x.cloudfront.net (CloudFront)", r[0], r[1], r[2], r[3], r[4], r[5],
		 r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

static enum MHD_Result header_seen(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	cf_header_add(cls, key, value ? value : "");
	return MHD_YES;
}

static void read_request(struct cf_run *R, const char *method, const char *uri,
			 const char *body, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		sym_MHD_get_connection_info(R->c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr_in *a = ci ? (const struct sockaddr_in *)ci->client_addr : NULL;
	const char *q = strchr(uri, '?');

	snprintf(R->rq.method, sizeof(R->rq.method), "%s", method);
	R->rq.uri = q ? strndup(uri, (size_t)(q - uri)) : strdup(uri);
	R->rq.querystring = strdup(q ? q + 1 : "");
	snprintf(R->rq.client_ip, sizeof(R->rq.client_ip), "0.0.0.0");
	if (a && a->sin_family == AF_INET)
		inet_ntop(AF_INET, &a->sin_addr, R->rq.client_ip, sizeof(R->rq.client_ip));
	sym_MHD_get_connection_values(R->c, MHD_HEADER_KIND, header_seen, &R->rq);
	if (len && (R->rq.body = malloc(len + 1))) {
		memcpy(R->rq.body, body, len);
		R->rq.body[len] = '\0';
		R->rq.body_len = len;
	}
}

static int fail(struct cf_run *R, int status, const char *xcache, const char *why)
{
	R->err = status;
	R->xcache = xcache;
	if (why != R->why)
		snprintf(R->why, sizeof(R->why), "%s", why);
	return -1;
}

/* Run function fn with event; *status how it ended ("throttled" or
 * "error" when it could not run), *out its answer (malloc'ed). */
static void invoke(struct cf_run *R, int fn, const char *event, char status[32], char **out,
		   size_t *n)
{
	const struct function *f = &R->f->t->functions[fn];
	struct lambda_answer a;
	int r = event ? lambda_invoke_wait(R->f, f->name, event, strlen(event),
					   (f->timeout_s + 30) * 1000, &a) : -ENOMEM;

	*out = r == 0 ? a.body : NULL;
	*n = r == 0 ? a.len : 0;
	snprintf(status, 32, "%s", r < 0 ? "error" : a.e.status == 429 ? "throttled"
				 : a.e.status >= 400 ? "error" : a.status);
}

/* Run e's function, if any, and apply its result; -1 with R->err set. */
static int run_event(struct cf_run *R, enum cf_event_type e, bool *generated)
{
	const struct cf_association *a = &R->f->t->cloudfront[R->d].assoc[e];
	char status[32], *event, *out = NULL;
	size_t n = 0;
	int r;

	*generated = false;
	if (a->function < 0)
		return 0;
	R->x.include_body = a->include_body;
	event = cf_event_json(&R->x, e, &R->rq, &R->rp);
	invoke(R, a->function, event, status, &out, &n);
	free(event);
	fprintf(stderr, "cloudfront %s %s %s %s: %s\n", R->f->t->cloudfront[R->d].name, R->rid,
		cf_event_name(e), R->f->t->functions[a->function].name, status);
	if (strcmp(status, "ok")) {
		free(out);
		if (!strcmp(status, "throttled") || !strcmp(status, "timeout"))
			return fail(R, 503, "LambdaLimitExceeded from cloudfront", "The Lambda function "
				    "associated with the CloudFront distribution was throttled or "
				    "exceeded its timeout.");
		return fail(R, 503, "LambdaExecutionError from cloudfront", "The Lambda function "
			    "associated with the CloudFront distribution is invalid or doesn't have "
			    "the required permissions.");
	}
	r = cf_event_apply(e, out, n, &R->rq, &R->rp, generated, R->why);
	free(out);
	if (r < 0)
		return fail(R, 502, "LambdaValidationError from cloudfront", R->why);
	if (*generated)
		R->xcache = "LambdaGeneratedResponse from cloudfront";
	return 0;
}

/* The origin's name: the HTTP API's ID.execute-api.REGION.amazonaws.com,
 * a host's dns_name, else its address. */
static void origin_name(const struct topology *t, const struct cf_distribution *d,
			char out[AWS_HOST_MAX])
{
	const struct internet_host *h = d->origin_api ? NULL : &t->hosts[d->origin_host];

	if (!h)
		aws_service_host(t, AWS_EXECUTE_API, 0, out);
	else if (h->dns_name)
		snprintf(out, AWS_HOST_MAX, "%s", h->dns_name);
	else
		ip4_str(h->ip, out);
}

/* origin-request, the origin, origin-response. */
static int origin_side(struct cf_run *R)
{
	const struct cf_distribution *d = &R->f->t->cloudfront[R->d];
	enum cf_origin_result o;
	char why[256], ca[sizeof(R->f->dir) + 16];
	struct cf_origin_tls tls = { .ca_file = ca, .name = R->origin };
	uint32_t ip = d->origin_api ? aws_service_ip(AWS_EXECUTE_API)
				    : R->f->t->hosts[d->origin_host].ip;
	bool generated;
	const char *host;

	cf_header_set(&R->rq, "host", R->origin);
	cf_header_set(&R->rq, "via", R->via);
	cf_header_set(&R->rq, "x-forwarded-for", R->rq.client_ip);
	cf_header_set(&R->rq, "x-amz-cf-id", R->rid);
	if (run_event(R, CF_ORIGIN_REQUEST, &generated) < 0 || generated)
		return R->err ? -1 : 0;
	host = cf_header_get(&R->rq, "host");
	snprintf(ca, sizeof(ca), "%s/%s", R->f->dir, AWS_CA_CERT);
	o = cf_origin_fetch(ip, d->origin_port, host ? host : R->origin,
			    d->origin_api ? &tls : NULL, &R->rq, &R->rp, why);
	fprintf(stderr, "cloudfront %s %s origin %s:%d: %s\n", d->name, R->rid, d->origin,
		d->origin_port, o == CF_ORIGIN_OK ? "ok" : why);
	if (o == CF_ORIGIN_CONNECT)
		return fail(R, 502, "Error from cloudfront", "CloudFront wasn't able to connect to "
			    "the origin.");
	if (o == CF_ORIGIN_TIMEOUT)
		return fail(R, 504, "Error from cloudfront", "CloudFront attempted to establish a "
			    "connection with the origin, but either the attempt failed or the "
			    "origin closed the connection.");
	if (o != CF_ORIGIN_OK)
		return fail(R, 502, "Error from cloudfront", "CloudFront received an invalid "
			    "response from the origin.");
	R->xcache = "Miss from cloudfront";
	return run_event(R, CF_ORIGIN_RESPONSE, &generated);
}

/* CloudFront's error page. */
static enum MHD_Result error_page(struct cf_run *R)
{
	char *page = NULL;
	int n = asprintf(&page,
		"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\" "
		"\"http://www.w3.org/TR/html4/loose.dtd\">\n<HTML><HEAD><META HTTP-EQUIV="
		"\"Content-Type\" CONTENT=\"text/html; charset=iso-8859-1\">\n<TITLE>ERROR: The "
		"request could not be satisfied</TITLE>\n</HEAD><BODY>\n<H1>%d ERROR</H1>\n<H2>The "
		"request could not be satisfied.</H2>\n<HR noshade size=\"1px\">\n%s\nWe can't "
		"connect to the server for this app or website at this time. There might be too "
		"much traffic or a configuration error. Try again later, or contact the app or "
		"website owner.\n<BR clear=\"all\">\n<HR noshade size=\"1px\">\n<PRE>\nGenerated by "
		"cloudfront (CloudFront)\nRequest ID: %s\n</PRE>\n<ADDRESS>\n</ADDRESS>\n</BODY>"
		"</HTML>", R->err, R->why, R->rid);

	cf_message_clear(&R->rp);
	R->rp.status = R->err;
	if (n > 0) {
		R->rp.body = page;
		R->rp.body_len = (size_t)n;
	}
	cf_header_add(&R->rp, "Server", "CloudFront");
	cf_header_add(&R->rp, "Content-Type", "text/html");
	return MHD_YES;
}

static bool hop_header(const char *name)
{
	static const char *const hop[] = { "connection", "keep-alive", "content-length",
					   "transfer-encoding", "date", "x-cache", "via",
					   "x-amz-cf-id", NULL };

	for (const char *const *h = hop; *h; h++)
		if (!strcasecmp(name, *h))
			return true;
	return false;
}

static enum MHD_Result reply(struct cf_run *R)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (R->err)
		error_page(R);
	r = sym_MHD_create_response_from_buffer(R->rp.body_len, R->rp.body ? R->rp.body : "",
						MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	for (int i = 0; i < R->rp.n_h; i++)
		if (!hop_header(R->rp.h[i].name))
			sym_MHD_add_response_header(r, R->rp.h[i].name, R->rp.h[i].value);
	sym_MHD_add_response_header(r, "X-Cache", R->xcache);
	sym_MHD_add_response_header(r, "Via", R->via);
	sym_MHD_add_response_header(r, "X-Amz-Cf-Pop", "VPCSIM1-C1");
	sym_MHD_add_response_header(r, "X-Amz-Cf-Id", R->rid);
	ret = sym_MHD_queue_response(R->c, (unsigned)R->rp.status, r);
	sym_MHD_destroy_response(r);
	return ret;
}

/* The distributions allow CloudFront's seven methods (AllowedMethods
 * GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE). */
static bool method_allowed(const char *m)
{
	static const char *const ok[] = { "GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH",
					  "DELETE", NULL };

	for (const char *const *o = ok; *o; o++)
		if (!strcmp(m, *o))
			return true;
	return false;
}

enum MHD_Result aws_cloudfront(struct front *f, struct MHD_Connection *c, int d,
			       const char *method, const char *uri, const char *body, size_t len,
			       bool too_large)
{
	struct cf_run R = { .f = f, .c = c, .d = d, .xcache = "Miss from cloudfront" };
	const struct cf_distribution *cd = &f->t->cloudfront[d];
	enum MHD_Result ret;
	bool generated = false;

	ids(&R);
	cf_domain(f->t, d, R.domain);
	cf_id(f->t, d, R.id);
	origin_name(f->t, cd, R.origin);
	R.x = (struct cf_context){ .domain = R.domain, .id = R.id, .request_id = R.rid,
				   .origin_domain = R.origin, .origin_port = cd->origin_port,
				   .origin_https = cd->origin_api };
	if (too_large) {
		fail(&R, 413, "Error from cloudfront", "The request body is larger than this "
		     "distribution takes here.");
	} else if (!method_allowed(method)) {
		fail(&R, 403, "Error from cloudfront", "This distribution is not configured to "
		     "allow the HTTP request method that was used for this request.");
	} else {
		read_request(&R, method, uri, body, len);
		if (run_event(&R, CF_VIEWER_REQUEST, &generated) == 0 && !generated &&
		    origin_side(&R) == 0 && R.rp.status < 400)
			run_event(&R, CF_VIEWER_RESPONSE, &generated);
	}
	ret = reply(&R);
	cf_message_clear(&R.rq);
	cf_message_clear(&R.rp);
	return ret;
}
