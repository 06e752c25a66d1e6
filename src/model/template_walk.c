/* Walking a template: the evaluation of every value (intrinsics in
 * template_eval.c), parameters, dependency cycles and node names. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/template_internal.h"

/* The functions of template_eval.c this file dispatches to. */
cJSON *tmpl_fn(struct tctx *c, const char *fn, const cJSON *arg, const char *path);

static cJSON *eval_children(struct tctx *c, const cJSON *v, const char *path)
{
	cJSON *out = cJSON_IsArray(v) ? cJSON_CreateArray() : cJSON_CreateObject();
	const cJSON *it;
	int i = 0;

	cJSON_ArrayForEach(it, v) {
		char p[TPATH_LEN];
		cJSON *e;

		if (cJSON_IsArray(v))
			snprintf(p, sizeof(p), "%s[%d]", path, i++);
		else
			snprintf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", it->string);
		e = tmpl_eval(c, it, p);
		if (!e) {
			cJSON_Delete(out);
			return NULL;
		}
		if (cJSON_IsRaw(e))
			cJSON_Delete(e);   /* AWS::NoValue: the key or item is left out */
		else if (cJSON_IsArray(v))
			cJSON_AddItemToArray(out, e);
		else
			cJSON_AddItemToObject(out, it->string, e);
	}
	return out;
}

/* r with its {{resolve:...}} references replaced (template_secret.c). */
static cJSON *resolved(struct tctx *c, cJSON *r, const char *path)
{
	char *s;

	if (!cJSON_IsString(r) || !strstr(r->valuestring, "{{resolve:"))
		return r;
	s = tmpl_resolve(c, r->valuestring, path);
	cJSON_Delete(r);
	r = s ? cJSON_CreateString(s) : NULL;
	free(s);
	return r;
}

cJSON *tmpl_eval(struct tctx *c, const cJSON *v, const char *path)
{
	cJSON *r;

	if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
		return resolved(c, cJSON_Duplicate(v, false), path);
	if (++c->depth > 64) {
		tmpl_error(c, path, "InvalidTemplate", "functions nested more than 64 deep");
		c->depth--;
		return NULL;
	}
	if (cJSON_IsObject(v) && cJSON_GetArraySize(v) == 1 &&
	    (!strncmp(v->child->string, "Fn::", 4) || !strcmp(v->child->string, "Ref") ||
	     !strcmp(v->child->string, "Condition")))
		r = tmpl_fn(c, v->child->string, v->child, path);
	else
		r = eval_children(c, v, path);
	c->depth--;
	return resolved(c, r, path);
}

int tmpl_parameters(struct tctx *c, const cJSON *overrides)
{
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(c->doc, "Parameters"), *p, *o;
	int rc = 0;

	cJSON_ArrayForEach(o, overrides)
		if (!cJSON_GetObjectItemCaseSensitive(ps, o->string)) {
			tmpl_error(c, "Parameters", "UnresolvedReference", "the override '%s' names "
				   "no parameter of the template", o->string);
			rc = -1;
		}
	cJSON_ArrayForEach(p, ps) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(overrides, p->string);
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "Type");
		cJSON *val;

		if (!v)
			v = cJSON_GetObjectItemCaseSensitive(p, "Default");
		if (!v) {
			tmpl_error(c, "Parameters", "MissingParameter", "parameter '%s' has no Default "
				   "and no override: give it one (%s=VALUE)", p->string, p->string);
			rc = -1;
			continue;
		}
		val = cJSON_Duplicate(v, true);
		if (cJSON_IsString(t) && !strncmp(t->valuestring, "List<", 5) && cJSON_IsString(v)) {
			cJSON *a = cJSON_CreateArray();
			char *s = strdup(v->valuestring), *save = NULL;

			for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				cJSON_AddItemToArray(a, cJSON_CreateString(tok));
			free(s);
			cJSON_Delete(val);
			val = a;
		} else if (cJSON_IsString(t) && !strcmp(t->valuestring, "CommaDelimitedList") &&
			   cJSON_IsString(v)) {
			cJSON *a = cJSON_CreateArray();
			char *s = strdup(v->valuestring), *save = NULL;

			for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				cJSON_AddItemToArray(a, cJSON_CreateString(tok));
			free(s);
			cJSON_Delete(val);
			val = a;
		}
		cJSON_AddItemToObject(c->params, p->string, val);
	}
	return rc;
}

/* The logical ids that v refers to (Ref, GetAtt, ${X} of Sub) into deps. */
static void collect_refs(struct tctx *c, const cJSON *v, cJSON *deps)
{
	const cJSON *it;
	const char *id = tmpl_ref_id(v);

	if (id && cJSON_GetObjectItemCaseSensitive(c->resources, id) &&
	    !cJSON_GetObjectItemCaseSensitive(deps, id))
		cJSON_AddTrueToObject(deps, id);
	if (cJSON_IsString(v) && v->string && !strcmp(v->string, "Fn::Sub")) {
		for (const char *s = strstr(v->valuestring, "${"); s; s = strstr(s + 2, "${")) {
			size_t n = strcspn(s + 2, ".}");
			char *name = strndup(s + 2, n);

			if (cJSON_GetObjectItemCaseSensitive(c->resources, name) &&
			    !cJSON_GetObjectItemCaseSensitive(deps, name))
				cJSON_AddTrueToObject(deps, name);
			free(name);
		}
	}
	cJSON_ArrayForEach(it, v)
		collect_refs(c, it, deps);
}

/* Depth-first search; colour: 0 new, 1 on the path, 2 done. */
static int visit(struct tctx *c, const cJSON *graph, cJSON *colour, const char *id,
		 char *trail, size_t size)
{
	cJSON *col = cJSON_GetObjectItemCaseSensitive(colour, id);
	const cJSON *dep;
	size_t len = strlen(trail);
	int rc = 0;

	if (col && col->valuedouble == 2)
		return 0;
	if (col && col->valuedouble == 1) {
		char *from = strstr(trail, id);

		tmpl_error(c, "Resources", "CircularDependency", "resources depend on each "
			   "other in a circle: %s -> %s; remove one of the references",
			   from ? from : trail, id);
		return -1;
	}
	if (col)
		cJSON_SetNumberValue(col, 1);
	else
		cJSON_AddNumberToObject(colour, id, 1);
	snprintf(trail + len, size - len, "%s%s", len ? " -> " : "", id);
	cJSON_ArrayForEach(dep, cJSON_GetObjectItemCaseSensitive(graph, id))
		if (visit(c, graph, colour, dep->string, trail, size) < 0) {
			rc = -1;
			break;
		}
	trail[len] = '\0';
	cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(colour, id), 2);
	return rc;
}

int tmpl_cycles(struct tctx *c)
{
	cJSON *graph = cJSON_CreateObject(), *colour = cJSON_CreateObject();
	const cJSON *r;
	char trail[2048] = "";
	int rc = 0;

	cJSON_ArrayForEach(r, c->resources) {
		cJSON *deps = cJSON_AddObjectToObject(graph, r->string);
		const cJSON *on = cJSON_GetObjectItemCaseSensitive(r, "DependsOn"), *it;

		collect_refs(c, cJSON_GetObjectItemCaseSensitive(r, "Properties"), deps);
		if (cJSON_IsString(on) && !cJSON_GetObjectItemCaseSensitive(deps, on->valuestring))
			cJSON_AddTrueToObject(deps, on->valuestring);
		if (!cJSON_IsArray(on))
			continue;
		cJSON_ArrayForEach(it, on)
			if (cJSON_IsString(it) && !cJSON_GetObjectItemCaseSensitive(deps, it->valuestring))
				cJSON_AddTrueToObject(deps, it->valuestring);
	}
	cJSON_ArrayForEach(r, c->resources)
		if (visit(c, graph, colour, r->string, trail, sizeof(trail)) < 0) {
			rc = -1;
			break;
		}
	cJSON_Delete(graph);
	cJSON_Delete(colour);
	return rc;
}

void template_kebab(const char *id, char *out, size_t size)
{
	size_t o = 0, max = size - 1 < NAME_MAX_LEN ? size - 1 : NAME_MAX_LEN;

	for (size_t i = 0; id[i] && o < max; i++) {
		unsigned char ch = (unsigned char)id[i], prev = i ? (unsigned char)id[i - 1] : 0;
		unsigned char nx = (unsigned char)id[i + 1];

		if (!isalnum(ch)) {
			if (o && out[o - 1] != '-')
				out[o++] = '-';
			continue;
		}
		if (isupper(ch) && o && out[o - 1] != '-' &&
		    (islower(prev) || isdigit(prev) || (isupper(prev) && islower(nx))) && o < max)
			out[o++] = '-';
		if (o < max)
			out[o++] = (char)tolower(ch);
	}
	while (o && out[o - 1] == '-')
		o--;
	out[o] = '\0';
}

/* The explicit name properties (CLI.md), lowercased. */
static const char *const name_props[] = {
	"FunctionName", "DBInstanceIdentifier", "DBProxyName", "DBSubnetGroupName", "BucketName",
	NULL
};

void tmpl_name(struct tctx *c, const char *id, char *out, size_t size)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(c->resources, id), "Properties");

	if (!strcmp(tmpl_type(c, id), "AWS::SecretsManager::Secret")) {
		tmpl_secret_name(c, id, out, size);
		return;
	}

	for (int i = 0; name_props[i]; i++) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(props, name_props[i]);
		cJSON *v;

		if (!n || c->depth > 32)
			continue;
		v = tmpl_eval(c, n, "");
		if (cJSON_IsString(v) && v->valuestring[0]) {
			size_t k = 0;

			for (; v->valuestring[k] && k + 1 < size && k < NAME_MAX_LEN; k++)
				out[k] = (char)tolower((unsigned char)v->valuestring[k]);
			out[k] = '\0';
			cJSON_Delete(v);
			return;
		}
		cJSON_Delete(v);
	}
	template_kebab(id, out, size);
}
