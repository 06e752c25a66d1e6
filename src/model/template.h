/* SAM and CloudFormation templates as topologies (docs/TEMPLATES.md).
 *
 * template_read() turns the text (YAML through libyaml, or JSON) into one
 * cJSON document; template_import() evaluates its intrinsic functions and
 * maps its resources to the topology JSON document that topology_parse()
 * reads, so validation, planning and everything after are a topology's.
 * What is not mapped is a warning diag by logical id and property; a bad
 * reference, a cycle or Fn::ImportValue an error. */
#ifndef VPCSIM_TEMPLATE_H
#define VPCSIM_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <cJSON.h>

#include "model/topology.h"

/* Whether `file` (its text given) is a template: a .yaml/.yml name, or a
 * JSON object with Resources or AWSTemplateFormatVersion. */
bool template_is(const char *file, const char *text, size_t len);

/* The template document, or NULL with errors in *d. json: the text is JSON. */
cJSON *template_read(const char *text, size_t len, bool json, struct diags *d);

struct template_opts {
	const char *name;          /* topology name; NULL: file name without extension */
	const cJSON *overrides;    /* {"Param": "value", ...} or NULL */
};

/* The topology JSON text (free() it) of template `file` whose text is
 * given, or NULL with errors in *d. Warnings (what is not mapped) go to *d
 * too. */
char *template_import(const char *file, const char *text, size_t len,
		      const struct template_opts *o, struct diags *d);

/* A logical id in lower kebab case ("OrdersFunction" -> "orders-function"),
 * at most NAME_MAX_LEN characters, into out. */
void template_kebab(const char *id, char *out, size_t size);

#endif
