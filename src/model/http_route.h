/* The routes of a topology's API Gateway HTTP API (docs/HTTP-API.md): the
 * route keys its functions' http_api events declare, checked with API
 * Gateway's rules, and the route a request selects, as API Gateway picks
 * it: the most specific full match (literal segments before {param}s, a
 * method before ANY), then a greedy {proxy+} match (the longest prefix
 * first), then $default. Pure: no JSON, no kernel. */
#ifndef VPCSIM_HTTP_ROUTE_H
#define VPCSIM_HTTP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/route_key.h"
#include "model/topology.h"

#define HTTP_PATH_MAX 8192         /* a request path we match (longer: no route) */

struct http_param {
	char name[HTTP_PARAM_NAME_MAX];
	const char *value;         /* into the match's buf, as sent (not decoded) */
};

struct http_match {
	int fn, ev;                /* the function and its event (route) */
	char route_key[HTTP_ROUTE_KEY_MAX];
	struct http_param params[HTTP_ROUTE_SEGS_MAX];
	int n_params;
	char buf[HTTP_PATH_MAX];   /* the request path's segments, split */
};

/* The route of t that a request `method` `path` (the path as sent,
 * without the query) selects. 0 with *m filled, or -1: no route
 * (API Gateway's 404 Not Found). */
int http_route_find(const struct topology *t, const char *method, const char *path,
		    struct http_match *m);

#endif
