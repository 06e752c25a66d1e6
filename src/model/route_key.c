/* HTTP API route keys; see route_key.h. */
#include <stdio.h>
#include <string.h>

#include "model/route_key.h"

static const char *const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD",
				       "OPTIONS", "ANY", NULL };

bool http_route_method_valid(const char *method)
{
	for (const char *const *m = methods; *m; m++)
		if (!strcmp(method, *m))
			return true;
	return false;
}

int http_route_seg(const char *s, size_t n, char name[HTTP_PARAM_NAME_MAX])
{
	size_t k;

	if (!memchr(s, '{', n) && !memchr(s, '}', n))
		return 0;
	if (n < 3 || s[0] != '{' || s[n - 1] != '}')
		return -1;
	k = n - 2 - (s[n - 2] == '+');
	if (!k || k >= HTTP_PARAM_NAME_MAX || memchr(s + 1, '{', n - 2) || memchr(s + 1, '}', n - 2))
		return -1;
	memcpy(name, s + 1, k);
	name[k] = '\0';
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != k)
		return -1;
	return s[n - 2] == '+' ? 2 : 1;
}

int http_route_path_check(const char *path, char *why, size_t size)
{
	char names[HTTP_ROUTE_SEGS_MAX][HTTP_PARAM_NAME_MAX];
	int n = 0;

	if (!strcmp(path, HTTP_ROUTE_DEFAULT))
		return 0;
	if (path[0] != '/') {
		snprintf(why, size, "a route path starts with '/' (or is $default)");
		return -1;
	}
	if (!strcmp(path, "/"))
		return 0;
	for (const char *s = path + 1;; s += strcspn(s, "/") + 1) {
		size_t len = strcspn(s, "/");
		int kind = len ? http_route_seg(s, len, names[n]) : 0;

		if (!len) {
			snprintf(why, size, "a route path has no empty segment ('//' or a trailing '/')");
			return -1;
		}
		if (kind < 0) {
			snprintf(why, size, "'%.*s': a path variable is a whole segment, {name} or "
				 "{name+}, its name of letters, digits, '_', '-' or '.'", (int)len, s);
			return -1;
		}
		if (kind == 2 && s[len]) {
			snprintf(why, size, "'%.*s': a greedy path variable {name+} must be the last "
				 "segment", (int)len, s);
			return -1;
		}
		for (int i = 0; kind && i < n; i++)
			if (!strcmp(names[i], names[n])) {
				snprintf(why, size, "the path variable '%s' appears twice", names[n]);
				return -1;
			}
		if (kind && ++n == HTTP_ROUTE_SEGS_MAX) {
			snprintf(why, size, "at most %d path variables", HTTP_ROUTE_SEGS_MAX - 1);
			return -1;
		}
		if (!s[len])
			return 0;
	}
}

void http_route_key(const char *method, const char *path, char out[HTTP_ROUTE_KEY_MAX])
{
	if (!strcmp(path, HTTP_ROUTE_DEFAULT))
		snprintf(out, HTTP_ROUTE_KEY_MAX, "%s", HTTP_ROUTE_DEFAULT);
	else
		snprintf(out, HTTP_ROUTE_KEY_MAX, "%s %s", method, path);
}

