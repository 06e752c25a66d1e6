/* API Gateway HTTP API route keys (docs/HTTP-API.md): "METHOD /path",
 * checked with API Gateway's rules. Strings only: the topology's parser
 * uses it; model/http_route.h selects routes. */
#ifndef VPCSIM_ROUTE_KEY_H
#define VPCSIM_ROUTE_KEY_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_ROUTE_DEFAULT "$default"
#define HTTP_ROUTE_KEY_MAX 512     /* "METHOD /path": API Gateway's route keys are short */
#define HTTP_ROUTE_SEGS_MAX 32     /* path variables of a route, and params of a match */
#define HTTP_PARAM_NAME_MAX 128

/* Is `method` a route key method (GET POST PUT PATCH DELETE HEAD OPTIONS
 * ANY)? */
bool http_route_method_valid(const char *method);

/* Check a route path: "$default", or "/" and segments, each a literal
 * (no braces), "{name}" or, last only, "{name+}"; names unique, of
 * letters, digits, '_', '-', '.'. 0, or -1 with what breaks which rule in
 * why. */
int http_route_path_check(const char *path, char *why, size_t size);

/* "METHOD /path" (or "$default"), as API Gateway writes a route key. */
void http_route_key(const char *method, const char *path, char out[HTTP_ROUTE_KEY_MAX]);

/* Segment s (n bytes) of a route path: 0 a literal, 1 {name}, 2 {name+};
 * the name into name; -1 when it breaks the rules above. */
int http_route_seg(const char *s, size_t n, char name[HTTP_PARAM_NAME_MAX]);

#endif
