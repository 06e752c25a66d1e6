/* Reading JSON values for the topology parser: typed getters that report
 * every problem with its JSON path, objects checked against their allowed
 * keys (with a did-you-mean), arrays parsed element by element, and the
 * document itself (line and column of a syntax error; NUL bytes and
 * \u0000 escapes refused). Knows nothing of VPCs or functions: the
 * parsers (topology.c, topology_db.c, topology_dns.c) do. See
 * topology_internal_json.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "model/topology_internal_json.h"
#include "util/suggest.h"

/* ---- memory ---- */

void *topo_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		abort();
	return p;
}

/* ---- paths ---- */

/* Paths are far shorter than PATH_LEN unless a key is absurdly long; such
 * a path is cut and marked rather than refused. */
static const char *path_end(char buf[PATH_LEN], int n)
{
	if (n >= PATH_LEN)
		memcpy(buf + PATH_LEN - 4, "...", 4);
	return buf;
}

const char *path_key(char buf[PATH_LEN], const char *base, const char *key)
{
	return path_end(buf, snprintf(buf, PATH_LEN, "%s%s%s", base, *base ? "." : "", key));
}

const char *path_idx(char buf[PATH_LEN], const char *base, int i)
{
	return path_end(buf, snprintf(buf, PATH_LEN, "%s[%d]", base, i));
}

/* ---- JSON access ---- */

const char *json_type(const cJSON *j)
{
	if (cJSON_IsString(j))
		return "a string";
	if (cJSON_IsNumber(j))
		return "a number";
	if (cJSON_IsBool(j))
		return "a boolean";
	if (cJSON_IsNull(j))
		return "null";
	if (cJSON_IsArray(j))
		return "an array";
	return "an object";
}

/* Keys given twice (cJSON keeps both) in an object: each repeat is
 * reported once. Sorting keeps this O(n log n) on huge objects. */
void check_duplicate_keys(struct parse *p, const cJSON *obj, const char *path,
			  const char *what)
{
	int n = cJSON_GetArraySize(obj), i = 0, *first;
	const char **keys;
	const cJSON *c;
	char kp[PATH_LEN];

	if (n < 2)
		return;
	keys = topo_calloc((size_t)n, sizeof(*keys));
	first = topo_calloc((size_t)n, sizeof(*first));
	cJSON_ArrayForEach(c, obj)
		keys[i++] = c->string;
	topo_first_equal_str(keys, n, first);
	for (i = 0; i < n; i++)
		if (first[i] >= 0)
			ERR(p, path_key(kp, path, keys[i]), "DuplicateKey",
			    "The key '%s' appears twice in %s; keep one", keys[i], what);
	free(keys);
	free(first);
}

/* Typos must not pass silently: report unknown keys with the valid ones and
 * the likely intended one, and keys given twice. Linear in the object's
 * size (times the few valid keys), plus the sort of check_duplicate_keys. */
void check_keys(struct parse *p, const cJSON *obj, const char *path,
		const char *what, const char *const keys[])
{
	const cJSON *c;
	char kp[PATH_LEN], list[512];

	list[0] = '\0';
	for (int i = 0; keys[i]; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? ", " : "", keys[i]);
	check_duplicate_keys(p, obj, path, what);
	cJSON_ArrayForEach(c, obj) {
		const char *best = NULL;
		int known = 0, best_d = 3;

		for (int i = 0; keys[i] && !known; i++) {
			int dist = edit_distance(c->string, keys[i]);

			known = dist == 0;
			if (dist < best_d) {
				best_d = dist;
				best = keys[i];
			}
		}
		if (known)
			continue;
		if (best)
			ERR(p, path_key(kp, path, c->string), "UnknownKey",
			    "Unknown key '%s' in %s (did you mean '%s'?); valid keys: %s",
			    c->string, what, best, list);
		else
			ERR(p, path_key(kp, path, c->string), "UnknownKey",
			    "Unknown key '%s' in %s; valid keys: %s", c->string, what, list);
	}
}

/* An object with only `keys`, or NULL (reported) when j is something else. */
const cJSON *as_object(struct parse *p, const cJSON *j, const char *path,
			      const char *what, const char *const keys[])
{
	if (!cJSON_IsObject(j)) {
		ERR(p, path, CODE_TYPE, "A %s must be an object, not %s", what, json_type(j));
		return NULL;
	}
	check_keys(p, j, path, what, keys);
	return j;
}

/* The member `key` of obj, or NULL when absent (reported if required). */
const cJSON *member(struct parse *p, const cJSON *obj, const char *path,
			   const char *key, bool required)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);
	char kp[PATH_LEN];

	if (!m && required)
		ERR(p, path_key(kp, path, key), CODE_MISSING,
		    "The key '%s' is required", key);
	return m;
}

/* The getters return 1 when the member is present and well typed, 0 when it
 * is absent, -1 when it has another type (reported). *out is untouched
 * unless 1 is returned. */
int get_str(struct parse *p, const cJSON *obj, const char *path,
		   const char *key, bool required, const char **out)
{
	const cJSON *m = member(p, obj, path, key, required);
	char kp[PATH_LEN];

	if (!m)
		return 0;
	if (!cJSON_IsString(m)) {
		ERR(p, path_key(kp, path, key), CODE_TYPE,
		    "'%s' must be a string, not %s", key, json_type(m));
		return -1;
	}
	*out = m->valuestring;
	return 1;
}

int get_bool(struct parse *p, const cJSON *obj, const char *path,
		    const char *key, bool *out)
{
	const cJSON *m = member(p, obj, path, key, false);
	char kp[PATH_LEN];

	if (!m)
		return 0;
	if (!cJSON_IsBool(m)) {
		ERR(p, path_key(kp, path, key), CODE_TYPE,
		    "'%s' must be true or false, not %s", key, json_type(m));
		return -1;
	}
	*out = cJSON_IsTrue(m);
	return 1;
}

bool json_int(const cJSON *j, long lo, long hi, long *out)
{
	double v;

	if (!cJSON_IsNumber(j))
		return false;
	v = j->valuedouble;
	if (!(v >= (double)lo && v <= (double)hi) || (double)(long)v != v)
		return false;
	*out = (long)v;
	return true;
}

/* An integer in lo..hi; out of range or fractional is reported with `code`. */
int get_int(struct parse *p, const cJSON *obj, const char *path,
		   const char *key, bool required, long lo, long hi,
		   const char *code, int *out)
{
	const cJSON *m = member(p, obj, path, key, required);
	char kp[PATH_LEN];
	long v;

	if (!m)
		return 0;
	path_key(kp, path, key);
	if (!cJSON_IsNumber(m)) {
		ERR(p, kp, CODE_TYPE, "'%s' must be a number, not %s", key, json_type(m));
		return -1;
	}
	if (!json_int(m, lo, hi, &v)) {
		ERR(p, kp, code, "The value %g for '%s' is invalid: it must be an integer from %ld to %ld",
		    m->valuedouble, key, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 1;
}

int get_array(struct parse *p, const cJSON *obj, const char *path,
	      const char *key, bool required, const cJSON **out)
{
	const cJSON *m = member(p, obj, path, key, required);
	char kp[PATH_LEN];

	*out = NULL;
	if (!m)
		return 0;
	if (!cJSON_IsArray(m)) {
		ERR(p, path_key(kp, path, key), CODE_TYPE,
		    "'%s' must be an array, not %s", key, json_type(m));
		return -1;
	}
	*out = m;
	return 1;
}

/* The array `key` when present and an array; a later pass uses this to walk
 * what an earlier pass already type-checked and reported. */
const cJSON *array_quiet(const cJSON *obj, const char *key)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsArray(m) ? m : NULL;
}

const char *str_quiet(const cJSON *obj, const char *key)
{
	if (!cJSON_IsObject(obj))
		return NULL;
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* Allocates t->KEY for the top-level array `key` and parses each element. */
void parse_list(struct parse *p, const cJSON *root, const char *key, size_t size,
		       void **out, int *n, elem_fn fn)
{
	const cJSON *arr, *e;
	char ep[PATH_LEN];
	int i = 0;

	if (get_array(p, root, "", key, false, &arr) != 1)
		return;
	*n = cJSON_GetArraySize(arr);
	*out = topo_calloc((size_t)*n, size);
	cJSON_ArrayForEach(e, arr) {
		path_idx(ep, key, i);
		fn(p, e, ep, (char *)*out + size * (size_t)i);
		i++;
	}
}

/* Line and column of the byte where cJSON stopped (its error position). */
static void report_json_error(struct parse *p, const char *text, size_t len, const char *end,
			      const char *what)
{
	size_t off = end && end >= text ? (size_t)(end - text) : 0;
	int line = 1, col = 1;

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	ERR(p, "$", "InvalidJson", "The file is not valid JSON: %s at line %d, column %d",
	    len ? what : "empty file", line, col);
}

/* A string with a NUL in it would be cut short by every C string function
 * ("t\u0000x" would validate as "t"), so such files are refused. Escapes
 * \u0000 are swapped for U+FFFF before parsing; after it, every string (key
 * or value) holding that marker is reported with its path. */
#define NUL_MARK "\xef\xbf\xbf"

static char *swap_nul_escapes(const char *text, size_t len)
{
	char *copy = NULL;

	for (size_t i = 0; i + 1 < len; i++) {
		if (text[i] != '\\')
			continue;
		if (text[i + 1] == 'u' && i + 5 < len && !memcmp(text + i + 2, "0000", 4)) {
			if (!copy) {
				copy = malloc(len);
				if (!copy)
					abort();
				memcpy(copy, text, len);
			}
			memcpy(copy + i + 2, "ffff", 4);
		}
		i++; /* the escaped character */
	}
	return copy;
}

static void report_nul_strings(struct parse *p, const cJSON *j, const char *path, int depth)
{
	char kp[PATH_LEN];
	const cJSON *c;
	int i = 0;

	if (cJSON_IsString(j) && strstr(j->valuestring, NUL_MARK))
		ERR(p, path[0] ? path : "$", CODE_PARAM,
		    "The string contains a NUL character (\\u0000), which would cut it short; remove it");
	if (depth > 64 || !(cJSON_IsObject(j) || cJSON_IsArray(j)))
		return;
	cJSON_ArrayForEach(c, j) {
		if (cJSON_IsObject(j)) {
			char key[PATH_LEN], *m;

			snprintf(key, sizeof(key), "%s", c->string);
			while ((m = strstr(key, NUL_MARK)) && strlen(key) + 4 < sizeof(key)) {
				memmove(m + 6, m + 3, strlen(m + 3) + 1);
				memcpy(m, "\\u0000", 6);
			}
			path_key(kp, path, key);
			if (strstr(c->string, NUL_MARK))
				ERR(p, kp, CODE_PARAM,
				    "The key contains a NUL character (\\u0000), which would cut it short; remove it");
		} else {
			path_idx(kp, path, i++);
		}
		report_nul_strings(p, c, kp, depth + 1);
	}
}

/* The document, or NULL when the text is not one JSON value (reported). */
cJSON *json_parse(struct parse *p, const char *text, size_t len)
{
	const char *end, *nul = text && len ? memchr(text, '\0', len) : NULL;
	char *swapped = NULL;
	cJSON *root = NULL;

	if (nul) {
		report_json_error(p, text, len, nul, "a NUL byte");
		return NULL;
	}
	if (text && len && (swapped = swap_nul_escapes(text, len)))
		text = swapped;
	end = text;
	/* cJSON's own trailing-garbage check wants a NUL inside len; do it here. */
	if (text && len)
		root = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!root) {
		report_json_error(p, text, text ? len : 0, end, "syntax error");
		free(swapped);
		return NULL;
	}
	while (end < text + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (end != text + len) {
		report_json_error(p, text, len, end, "unexpected text after the document");
		cJSON_Delete(root);
		free(swapped);
		return NULL;
	}
	if (swapped) {
		int errors = p->d->n_errors;

		free(swapped);
		report_nul_strings(p, root, "", 0);
		if (p->d->n_errors == errors)
			ERR(p, "$", CODE_PARAM, "The file contains a NUL character (\\u0000); remove it");
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}
