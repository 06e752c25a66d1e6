/* What the template files share (template_eval.c, template_map.c,
 * template_fn.c, template.c). */
#ifndef VPCSIM_TEMPLATE_INTERNAL_H
#define VPCSIM_TEMPLATE_INTERNAL_H

#include "model/template.h"

#define TPATH_LEN 512

struct tctx {
	const cJSON *doc;          /* the template as read */
	const cJSON *resources;    /* doc.Resources */
	cJSON *params;             /* parameter values, by name */
	cJSON *conds;              /* evaluated conditions (true/false), by name */
	cJSON *evaluated;          /* resources with intrinsics evaluated, by logical id */
	cJSON *secrets;            /* secrets by name: {"id": logical id, "string": value} */
	const char *file;
	const char *region, *account, *stack;
	struct diags *d;
	int depth;
};

/* Evaluate the intrinsic functions of `v` (path: where it is, for errors).
 * Refs and GetAtts of resources stay as {"Ref":X} / {"Fn::GetAtt":[X,A]}
 * for the mapper, except inside strings (Sub, Join), where they are the
 * resource's node name. A value that is AWS::NoValue is a cJSON raw
 * "novalue" (its parent drops it). NULL on an error (reported). */
cJSON *tmpl_eval(struct tctx *c, const cJSON *v, const char *path);
/* The value of condition `name`: 1, 0, or -1 (reported). */
int tmpl_condition(struct tctx *c, const char *name, const char *path);
/* Parameters with defaults and overrides into c->params; -1 on an error. */
int tmpl_parameters(struct tctx *c, const cJSON *overrides);
/* Reports every dependency cycle among resources; -1 if one exists. */
int tmpl_cycles(struct tctx *c);
/* The node name of resource `id` (explicit name, else kebab case). */
void tmpl_name(struct tctx *c, const char *id, char *out, size_t size);
/* The logical id that v refers to ({"Ref":X} or {"Fn::GetAtt":[X,...]}),
 * or NULL. */
const char *tmpl_ref_id(const cJSON *v);
/* The type of resource `id`, or "" when it does not exist. */
const char *tmpl_type(struct tctx *c, const char *id);

__attribute__((format(printf, 4, 5)))
void tmpl_error(struct tctx *c, const char *path, const char *code, const char *fmt, ...);
__attribute__((format(printf, 3, 4)))
void tmpl_unmapped(struct tctx *c, const char *path, const char *fmt, ...);

/* Map the evaluated resources into topology document `topo` (template_map.c
 * for the network, template_fn.c for functions and databases). */
int tmpl_map_network(struct tctx *c, cJSON *topo);
int tmpl_map_compute(struct tctx *c, cJSON *topo);

/* Secrets (template_secret.c): every secret's value (generated with
 * getrandom for GenerateSecretString) into c->secrets, before the other
 * resources are evaluated; -1 reported. */
int tmpl_secrets(struct tctx *c);
/* s with its {{resolve:secretsmanager:...}} references replaced (free()
 * it), or NULL reported. */
char *tmpl_resolve(struct tctx *c, const char *s, const char *path);
/* A secret's name: Name as written, else the logical id in kebab case. */
void tmpl_secret_name(struct tctx *c, const char *id, char *out, size_t size);
/* v (a Ref of a secret, or its name or ARN) as the secret's name. */
bool tmpl_secret_at(struct tctx *c, const cJSON *v, const char *path, char *out, size_t size);
int tmpl_map_secrets(struct tctx *c, cJSON *topo);
/* A SAM function's Events and EventInvokeConfig into topology function
 * fn (template_events.c); -1 reported. */
int tmpl_events(struct tctx *c, const char *id, const cJSON *p, cJSON *fn);
/* S3 buckets and VPC endpoints (template_aws.c). */
int tmpl_map_aws(struct tctx *c, cJSON *topo);
/* Databases and proxies (template_rds.c). */
int tmpl_map_rds(struct tctx *c, cJSON *topo);
/* The string Fn::GetAtt v stands for when it is not the node's name (an
 * RDS endpoint's DNS name or port; free() it), or NULL. */
char *tmpl_attr_string(struct tctx *c, const cJSON *v);

/* Helpers of the mappers (template_map.c). */
/* Warn about every property of props not in known (NULL-ended). */
void tmpl_rest_unmapped(struct tctx *c, const char *id, const cJSON *props,
			const char *const known[]);
/* props.key as a reference to a resource of `type`: its logical id, its
 * node name in name; NULL (reported when required or wrong) otherwise. */
const char *tmpl_ref(struct tctx *c, const char *id, const cJSON *props, const char *key,
		     const char *type, bool required, char *name, size_t size);
bool tmpl_ref_at(struct tctx *c, const cJSON *v, const char *path, const char *type,
		 bool required, char *name, size_t size);
/* The node names of props[key], a list of references to `type`, into
 * o[out] (left out when the list is empty); -1 when one is wrong. */
int tmpl_ref_list(struct tctx *c, const char *id, const cJSON *props, const char *key,
		  const char *type, cJSON *o, const char *out);
cJSON *tmpl_named(cJSON *arr, const char *name);
cJSON *tmpl_vpc_of(cJSON *topo, const char *list, const char *name);
/* A mapper: resource `id` of the template with its Properties `p` into
 * the topology document; 0, or -1 with the problem added to c's diags. */
typedef int (*tmpl_mapper)(struct tctx *c, cJSON *topo, const char *id, const cJSON *p);
/* One step of a mapping: `fn` for every resource of `type`, in template
 * order; fn NULL maps nothing but lists the properties outside `known` as
 * not mapped. type NULL is a barrier: the steps after it follow
 * references the steps before it make, so they run only if those
 * succeeded. */
struct tmpl_step {
	const char *type;
	tmpl_mapper fn;
	const char *const *known;
};
/* Run n steps: 0, -1 when a mapper failed (every step ran), -2 when a
 * barrier stopped the run. */
int tmpl_run(struct tctx *c, cJSON *topo, const struct tmpl_step *steps, size_t n);
int tmpl_bool(const cJSON *v);           /* 1, 0, -1 absent or not a boolean */
long tmpl_num(const cJSON *v, long dflt);
/* The string a value stands for (a resource: its node name); free() it. */
char *tmpl_string(struct tctx *c, const cJSON *v, const char *path);
/* Metadata.vpcsim.expect as the topology's expect list (template_expect.c). */
int tmpl_map_expect(struct tctx *c, cJSON *topo);
/* Security groups, their rules, network ACLs (template_filter.c). */
int tmpl_map_filters(struct tctx *c, cJSON *topo);
/* A subnet's route table or network ACL association. */
int tmpl_map_subnet_assoc(struct tctx *c, cJSON *topo, const char *id, const cJSON *p);

#endif
