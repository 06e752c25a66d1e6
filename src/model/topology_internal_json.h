/* The JSON reading helpers of topology.c, shared with the other files that
 * turn a part of the file into the model (topology_db.c). Only model files
 * that parse JSON include this; the rest of the program never sees cJSON.
 *
 * The getters return 1 when the member is present and well typed, 0 when it
 * is absent, -1 when it has another type (reported); *out is untouched
 * unless 1 is returned. Every problem is reported with its JSON path. */
#ifndef VPCSIM_TOPOLOGY_INTERNAL_JSON_H
#define VPCSIM_TOPOLOGY_INTERNAL_JSON_H

#include <stdbool.h>

#include <cJSON.h>

#include "model/topology.h"
#include "model/topology_internal.h"

#define CODE_PARAM "InvalidParameterValue"
#define CODE_MISSING "MissingParameter"
#define CODE_TYPE "InvalidType"

struct parse {
	struct topology *t;
	struct diags *d;
};

#define ERR(p, path, code, ...) topo_error((p)->d, path, code, __VA_ARGS__)

const char *path_key(char buf[PATH_LEN], const char *base, const char *key);
const char *path_idx(char buf[PATH_LEN], const char *base, int i);
const char *json_type(const cJSON *j);
/* An object with only `keys` (unknown and repeated keys reported), or NULL
 * (reported) when j is something else. */
const cJSON *as_object(struct parse *p, const cJSON *j, const char *path,
		       const char *what, const char *const keys[]);
/* The member `key` of obj, or NULL when absent (reported if required). */
const cJSON *member(struct parse *p, const cJSON *obj, const char *path,
		    const char *key, bool required);
int get_str(struct parse *p, const cJSON *obj, const char *path,
	    const char *key, bool required, const char **out);
int get_bool(struct parse *p, const cJSON *obj, const char *path,
	     const char *key, bool *out);
/* An integer in lo..hi; out of range or fractional is reported with `code`. */
int get_int(struct parse *p, const cJSON *obj, const char *path,
	    const char *key, bool required, long lo, long hi,
	    const char *code, int *out);

typedef void (*elem_fn)(struct parse *, const cJSON *, const char *, void *);
/* Allocates *out for the top-level array `key` and parses each element. */
void parse_list(struct parse *p, const cJSON *root, const char *key, size_t size,
		void **out, int *n, elem_fn fn);
#define LIST(p, root, key, arr, n, fn) \
	parse_list(p, root, key, sizeof(*(arr)), (void **)&(arr), &(n), fn)

/* topology_db.c: database engines, proxies and secrets. */
void parse_secret(struct parse *p, const cJSON *j, const char *path, void *out);
/* The engine and proxy keys of resource r (its kind already read). */
void parse_resource_db(struct parse *p, const cJSON *j, const char *path,
		       struct resource *r);
/* After every resource is read: proxy targets, which may come later in the
 * file. `root` is the whole document. */
void resolve_proxy_targets(struct parse *p, const cJSON *root);

/* topology_dns.c: the DNS keys (docs/DNS.md). */
void parse_vpc_dns(struct parse *p, const cJSON *j, const char *path, struct vpc *v);
void parse_dns_name(struct parse *p, const cJSON *j, const char *path,
		    struct internet_host *h);
/* topology_aws.c: the "aws" key, a function's "role", the zone's addresses. */
void parse_aws(struct parse *p, const cJSON *j);
void parse_function_role(struct parse *p, const cJSON *j, const char *path, struct function *f);
void check_aws_zone(const struct topology *t, struct diags *d);

#endif
