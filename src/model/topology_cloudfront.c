/* The "cloudfront" key (TOPOLOGY.md "Lambda@Edge", docs/EDGE.md):
 *
 *   "cloudfront": [ { "name": "cdn", "origin": "web" | "http_api", "origin_port": 80,
 *                     "lambda_associations": [
 *                       { "event_type": "viewer-request", "function": "auth",
 *                         "include_body": false } ] } ]
 *
 * Read after the functions, the hosts and "aws", so that an association's
 * function is checked against Lambda@Edge's rules with CloudFront's
 * InvalidLambdaFunctionAssociation wording. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/topology_internal_json.h"

#define CODE_ASSOC "InvalidLambdaFunctionAssociation"
#define CF_TRIGGERED "for functions that are triggered by a CloudFront event"

/* Lambda@Edge's limits (AWS-FACTS 9: CloudFront quotas). */
#define EDGE_VIEWER_MEMORY_MB 128
#define EDGE_VIEWER_TIMEOUT_S 5
#define EDGE_ORIGIN_TIMEOUT_S 30
#define EDGE_EPHEMERAL_MAX_MB 512

static const char *const event_names[CF_EVENT_COUNT] = {
	"viewer-request", "origin-request", "origin-response", "viewer-response",
};

const char *cf_event_name(enum cf_event_type e)
{
	return e >= 0 && e < CF_EVENT_COUNT ? event_names[e] : "?";
}

int cf_event_from_name(const char *s)
{
	for (int e = 0; e < CF_EVENT_COUNT; e++)
		if (!strcmp(s, event_names[e]))
			return e;
	return -1;
}

static void edge_rules(struct parse *p, const char *path, int fi, enum cf_event_type e)
{
	const struct function *f = &p->t->functions[fi];
	bool viewer = e == CF_VIEWER_REQUEST || e == CF_VIEWER_RESPONSE;
	int max_t = viewer ? EDGE_VIEWER_TIMEOUT_S : EDGE_ORIGIN_TIMEOUT_S;
	char arn[512];

	snprintf(arn, sizeof(arn), "Function: arn:aws:lambda:%s:%s:function:%s", p->t->region,
		 p->t->account_id, f->name);
	if (f->code.family != RUNTIME_PYTHON && f->code.family != RUNTIME_NODEJS)
		ERR(p, path, CODE_ASSOC, "The function has an invalid runtime %s: %s %s (Lambda@Edge "
		    "runs Node.js and Python functions of a .zip or a folder)", CF_TRIGGERED,
		    f->code.runtime ? f->code.runtime : "(a container image or a command)", arn);
	if (f->has_vpc)
		ERR(p, path, CODE_ASSOC, "The function cannot have a VPC configuration. %s "
		    "(remove its vpc_config)", arn);
	if (f->n_env)
		ERR(p, path, CODE_ASSOC, "The function cannot have environment variables. %s "
		    "(remove its environment)", arn);
	if (f->code.n_layers)
		ERR(p, path, CODE_ASSOC, "The function cannot have layers. %s (remove its layers)",
		    arn);
	if (viewer && f->memory_mb > EDGE_VIEWER_MEMORY_MB)
		ERR(p, path, CODE_ASSOC, "The function memory size is larger than the maximum "
		    "allowed size %s: %d Max allowed: %d %s", CF_TRIGGERED, f->memory_mb,
		    EDGE_VIEWER_MEMORY_MB, arn);
	if (f->timeout_s > max_t)
		ERR(p, path, CODE_ASSOC, "The function timeout is larger than the maximum allowed "
		    "%s: %d Max allowed: %d %s", CF_TRIGGERED, f->timeout_s, max_t, arn);
	if (f->ephemeral_storage_mb > EDGE_EPHEMERAL_MAX_MB)
		ERR(p, path, CODE_ASSOC, "The function ephemeral storage is larger than the maximum "
		    "allowed %s: %d Max allowed: %d %s", CF_TRIGGERED, f->ephemeral_storage_mb,
		    EDGE_EPHEMERAL_MAX_MB, arn);
}

static void parse_assoc(struct parse *p, const cJSON *j, const char *path,
			struct cf_distribution *d)
{
	static const char *const keys[] = { "event_type", "function", "include_body", NULL };
	const char *type, *fn;
	char kp[PATH_LEN];
	bool body = false;
	int e, fi;

	if (!as_object(p, j, path, "Lambda function association", keys) ||
	    get_str(p, j, path, "event_type", true, &type) != 1 ||
	    get_str(p, j, path, "function", true, &fn) != 1)
		return;
	e = cf_event_from_name(type);
	if (e < 0) {
		ERR(p, path_key(kp, path, "event_type"), CODE_PARAM, "The event type '%s' is invalid: "
		    "use viewer-request, origin-request, origin-response or viewer-response", type);
		return;
	}
	if (d->assoc[e].function >= 0)
		ERR(p, path_key(kp, path, "event_type"), CODE_ASSOC, "The distribution already "
		    "has a function for %s: a cache behavior takes one function per event type", type);
	fi = FIND(p->t->functions, p->t->n_functions, fn);
	if (fi < 0) {
		ERR(p, path_key(kp, path, "function"), CODE_ASSOC, "The function '%s' is not in "
		    "\"functions\": associate a function of this topology", fn);
		return;
	}
	get_bool(p, j, path, "include_body", &body);
	if (body && (e == CF_ORIGIN_RESPONSE || e == CF_VIEWER_RESPONSE))
		ERR(p, path_key(kp, path, "include_body"), CODE_PARAM, "include_body applies to "
		    "viewer-request and origin-request only (CloudFront's IncludeBody): remove it");
	d->assoc[e] = (struct cf_association){ .function = fi, .include_body = body };
	edge_rules(p, path_key(kp, path, "function"), fi, e);
}

/* The HTTP API as an origin: HTTPS (CloudFront's origin protocol policy
 * https-only) on 443, where the zone's front serves it. */
static void api_origin(struct parse *p, const char *path, struct cf_distribution *d, bool port)
{
	char kp[PATH_LEN];

	d->origin_api = true;
	if (!port)
		d->origin_port = 443;
	else if (d->origin_port != 443)
		ERR(p, path_key(kp, path, "origin_port"), "InvalidOrigin", "The HTTP API answers "
		    "HTTPS on 443 only, not %d: remove origin_port or set it to 443", d->origin_port);
	if (!topo_has_http_api(p->t))
		ERR(p, path_key(kp, path, "origin"), "InvalidOrigin", "The origin 'http_api' is the "
		    "topology's HTTP API, but no function has an http_api event: add one, or name an "
		    "internet host");
}

static void parse_origin(struct parse *p, const cJSON *j, const char *path,
			 struct cf_distribution *d)
{
	const char *s;
	char kp[PATH_LEN];
	bool port = cJSON_GetObjectItemCaseSensitive(j, "origin_port") != NULL;

	d->origin_host = -1;
	d->origin_port = 80;
	get_int(p, j, path, "origin_port", false, 1, 65535, CODE_PARAM, &d->origin_port);
	if (get_str(p, j, path, "origin", true, &s) != 1)
		return;
	d->origin = topo_strdup(s);
	if (!strcmp(s, HTTP_API_TARGET)) {
		api_origin(p, path, d, port);
		return;
	}
	d->origin_host = FIND(p->t->hosts, p->t->n_hosts, s);
	if (d->origin_host < 0)
		ERR(p, path_key(kp, path, "origin"), "InvalidOrigin", "The origin '%s' is not an "
		    "internet host: name a host of \"internet\" that serves HTTP, or \"http_api\" "
		    "for the topology's HTTP API", s);
}

static void parse_distribution(struct parse *p, const cJSON *j, const char *path, void *out)
{
	static const char *const keys[] = { "name", "origin", "origin_port",
					    "lambda_associations", NULL };
	struct cf_distribution *d = out;
	const cJSON *arr, *a;
	char kp[PATH_LEN], ap[PATH_LEN];
	int i = 0;

	for (int e = 0; e < CF_EVENT_COUNT; e++)
		d->assoc[e].function = -1;
	if (!as_object(p, j, path, "distribution", keys))
		return;
	d->name = get_name(p, j, path, "distribution");
	if (d->name && topo_has_node(p->t, d->name))
		ERR(p, path_key(kp, path, "name"), "DuplicateName", "The name '%s' is already a "
		    "function, resource or internet host: give the distribution its own", d->name);
	parse_origin(p, j, path, d);
	if (get_array(p, j, path, "lambda_associations", false, &arr) != 1)
		return;
	path_key(kp, path, "lambda_associations");
	cJSON_ArrayForEach(a, arr)
		parse_assoc(p, a, path_idx(ap, kp, i), d), i++;
}

void parse_cloudfront(struct parse *p, const cJSON *root)
{
	const cJSON *arr = array_quiet(root, "cloudfront");

	if (!member(p, root, "", "cloudfront", false))
		return;
	LIST(p, root, "cloudfront", p->t->cloudfront, p->t->n_cloudfront, parse_distribution);
	if (!arr)
		return;
	if (p->t->n_cloudfront > CF_DISTRIBUTIONS_MAX)
		ERR(p, "cloudfront", CODE_PARAM, "A topology takes at most %d distributions here, "
		    "not %d", CF_DISTRIBUTIONS_MAX, p->t->n_cloudfront);
	if (!p->t->aws.enabled && p->t->n_cloudfront)
		ERR(p, "cloudfront", CODE_MISSING, "A CloudFront distribution lives in the AWS zone "
		    "and takes its HTTPS certificate from the topology's CA: add \"aws\": {}");
	for (int i = 0; i < p->t->n_cloudfront; i++)
		for (int k = 0; k < i; k++)
			if (p->t->cloudfront[i].name && p->t->cloudfront[k].name &&
			    !strcmp(p->t->cloudfront[i].name, p->t->cloudfront[k].name)) {
				char kp[PATH_LEN], ip[PATH_LEN];

				ERR(p, path_key(kp, path_idx(ip, "cloudfront", i), "name"),
				    "DuplicateName", "Two distributions are named '%s': rename one",
				    p->t->cloudfront[i].name);
			}
}
