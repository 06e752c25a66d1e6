/* The JSON reading helpers (topology_json.c), shared by the files that turn
 * a part of the file into the model (topology.c, topology_db.c,
 * topology_dns.c). Only model files that parse JSON include this; the rest
 * of the program never sees cJSON.
 *
 * The getters return 1 when the member is present and well typed, 0 when it
 * is absent, -1 when it has another type (reported); *out is untouched
 * unless 1 is returned. Every problem is reported with its JSON path. */
#ifndef VPCSIM_TOPOLOGY_INTERNAL_JSON_H
#define VPCSIM_TOPOLOGY_INTERNAL_JSON_H

#include <stdbool.h>
#include <stddef.h>

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

/* calloc that aborts on allocation failure (see topology.c). */
void *topo_calloc(size_t n, size_t size);

const char *path_key(char buf[PATH_LEN], const char *base, const char *key);
const char *path_idx(char buf[PATH_LEN], const char *base, int i);
const char *json_type(const cJSON *j);
/* Keys given twice in obj, each repeat reported once. */
void check_duplicate_keys(struct parse *p, const cJSON *obj, const char *path,
			  const char *what);
/* Unknown keys of obj (with the valid ones and a did-you-mean) and repeats. */
void check_keys(struct parse *p, const cJSON *obj, const char *path,
		const char *what, const char *const keys[]);
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

/* The array `key` of obj (1), absent (0), or another type (-1, reported);
 * *out is NULL unless 1. */
int get_array(struct parse *p, const cJSON *obj, const char *path,
	      const char *key, bool required, const cJSON **out);
/* The array or string `key` when present and of that type, unreported: for
 * a later pass over what an earlier pass already type-checked. */
const cJSON *array_quiet(const cJSON *obj, const char *key);
const char *str_quiet(const cJSON *obj, const char *key);
/* A JSON number that is an integer in lo..hi. */
bool json_int(const cJSON *j, long lo, long hi, long *out);
/* The document, or NULL when the text is not one JSON value (reported with
 * line and column); NUL bytes and \u0000 escapes refused with their path. */
cJSON *json_parse(struct parse *p, const char *text, size_t len);

typedef void (*elem_fn)(struct parse *, const cJSON *, const char *, void *);
/* Allocates *out for the top-level array `key` and parses each element. */
void parse_list(struct parse *p, const cJSON *root, const char *key, size_t size,
		void **out, int *n, elem_fn fn);
#define LIST(p, root, key, arr, n, fn) \
	parse_list(p, root, key, sizeof(*(arr)), (void **)&(arr), &(n), fn)

/* topology_cni.c: a container's attachment ("cni"), made by the plugin. */
void parse_resource_cni(struct parse *p, const cJSON *j, const char *path, struct resource *r);

/* topology_db.c: database engines, proxies and secrets. */
void parse_secret(struct parse *p, const cJSON *j, const char *path, void *out);
/* The engine and proxy keys of resource r (its kind already read). */
void parse_resource_db(struct parse *p, const cJSON *j, const char *path,
		       struct resource *r);
/* After every resource is read: proxy targets, which may come later in the
 * file. `root` is the whole document. */
void resolve_proxy_targets(struct parse *p, const cJSON *root);
/* After "aws" is read: iam_auth REQUIRED needs the AWS zone's keys. */
void check_proxy_auth(struct parse *p);

/* topology_dns.c: the DNS keys (docs/DNS.md). */
void parse_vpc_dns(struct parse *p, const cJSON *j, const char *path, struct vpc *v);
void parse_dns_name(struct parse *p, const cJSON *j, const char *path,
		    struct internet_host *h);
/* topology_aws.c: the "aws" key, a function's "role", the zone's addresses. */
void parse_aws(struct parse *p, const cJSON *j);
void parse_function_role(struct parse *p, const cJSON *j, const char *path, struct function *f);
void check_aws_zone(const struct topology *t, struct diags *d);
/* topology_events.c: a function's "events" and asynchronous-invoke keys;
 * after the "aws" key is read, the buckets they name. */
void parse_function_events(struct parse *p, const cJSON *j, const char *path,
			   struct function *f);
void check_function_events(const struct topology *t, struct diags *d);
void check_http_api(struct parse *p);
/* topology_cloudfront.c: the "cloudfront" distributions, after the
 * functions and hosts are read; Lambda@Edge's rules on their functions. */
void parse_cloudfront(struct parse *p, const cJSON *root);

/* topology.c: the required "name" of obj, checked as every object name
 * (a copy; NULL when absent, reported). */
char *get_name(struct parse *p, const cJSON *obj, const char *path, const char *what);
/* topology.c: a list of group names of VPC vi (1..ENI_SG_MAX, each once);
 * an empty list is reported as empty_msg with `code`. */
void parse_sg_list(struct parse *p, const cJSON *arr, const char *path, int vi,
		   const char *code, const char *empty_msg, int sgs[ENI_SG_MAX], int *n);
/* topology_endpoints.c: a VPC's "endpoints" (after its names are known),
 * then, once "aws" is read, whether the zone serves their services. */
void parse_vpc_endpoints(struct parse *p, const cJSON *j, const char *path, int vi);
void check_endpoint_services(struct parse *p);

#endif
