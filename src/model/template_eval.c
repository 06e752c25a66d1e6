/* CloudFormation's intrinsic functions, evaluated (AWS-FACTS section 11,
 * docs/TEMPLATES.md): Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select,
 * Fn::Split, Fn::GetAZs, Fn::If with Conditions (Fn::Equals, Fn::Not,
 * Fn::And, Fn::Or), Fn::FindInMap, Fn::Base64; Fn::ImportValue is an
 * error naming it, as is any other function. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/template_internal.h"
#include "util/cidr.h"

#define EVAL_DEPTH_MAX 64

void tmpl_error(struct tctx *c, const char *path, const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diags_error(c->d, path, code, "%s", msg);
}

static const char *pseudo(struct tctx *c, const char *name)
{
	static char stack_id[256];

	if (!strcmp(name, "AWS::Region"))
		return c->region;
	if (!strcmp(name, "AWS::AccountId"))
		return c->account;
	if (!strcmp(name, "AWS::StackName"))
		return c->stack;
	if (!strcmp(name, "AWS::Partition"))
		return "aws";
	if (!strcmp(name, "AWS::URLSuffix"))
		return "amazonaws.com";
	if (!strcmp(name, "AWS::StackId")) {
		snprintf(stack_id, sizeof(stack_id), "arn:aws:cloudformation:%s:%s:stack/%s/"
			 "00000000-0000-0000-0000-000000000000", c->region, c->account, c->stack);
		return stack_id;
	}
	return NULL;
}

const char *tmpl_type(struct tctx *c, const char *id)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(c->resources, id);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "Type");

	return cJSON_IsString(t) ? t->valuestring : "";
}

const char *tmpl_ref_id(const cJSON *v)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(v, "Ref");
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(v, "Fn::GetAtt");

	if (cJSON_IsObject(v) && cJSON_GetArraySize(v) == 1 && cJSON_IsString(r))
		return r->valuestring;
	if (cJSON_IsObject(v) && cJSON_GetArraySize(v) == 1 && cJSON_IsArray(g) &&
	    cJSON_IsString(cJSON_GetArrayItem(g, 0)))
		return cJSON_GetArrayItem(g, 0)->valuestring;
	return NULL;
}

/* The string a value stands for inside Sub, Join, Equals... */
static char *as_string(struct tctx *c, const cJSON *v, const char *path)
{
	char buf[128];
	const char *id = tmpl_ref_id(v);

	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	if (cJSON_IsNumber(v)) {
		snprintf(buf, sizeof(buf), "%g", v->valuedouble);
		return strdup(buf);
	}
	if (cJSON_IsBool(v))
		return strdup(cJSON_IsTrue(v) ? "true" : "false");
	if (id) {
		char *a = tmpl_attr_string(c, v);

		if (a)
			return a;
		tmpl_name(c, id, buf, sizeof(buf));
		return strdup(buf);
	}
	tmpl_error(c, path, "InvalidTemplate", "a %s where a string is needed",
		   cJSON_IsArray(v) ? "list" : "map");
	return NULL;
}

char *tmpl_string(struct tctx *c, const cJSON *v, const char *path)
{
	return as_string(c, v, path);
}

static cJSON *ref(struct tctx *c, const cJSON *arg, const char *path)
{
	const char *name = cJSON_IsString(arg) ? arg->valuestring : NULL;
	const cJSON *p;
	const char *ps;

	if (!name) {
		tmpl_error(c, path, "InvalidTemplate", "Ref takes a name (a parameter or a logical id)");
		return NULL;
	}
	if (!strcmp(name, "AWS::NoValue"))
		return cJSON_CreateRaw("novalue");
	if ((ps = pseudo(c, name)))
		return cJSON_CreateString(ps);
	if ((p = cJSON_GetObjectItemCaseSensitive(c->params, name)))
		return cJSON_Duplicate(p, true);
	if (cJSON_GetObjectItemCaseSensitive(c->resources, name)) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "Ref", name);
		return o;
	}
	tmpl_error(c, path, "UnresolvedReference", "Ref '%s' names no parameter, pseudo "
		   "parameter or resource of the template: define it or fix the name", name);
	return NULL;
}

static cJSON *getatt(struct tctx *c, const cJSON *a, const char *path)
{
	const cJSON *res = cJSON_GetArrayItem(a, 0), *att = cJSON_GetArrayItem(a, 1);
	cJSON *o, *arr;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 2 || !cJSON_IsString(res) ||
	    !cJSON_IsString(att)) {
		tmpl_error(c, path, "InvalidTemplate", "Fn::GetAtt takes [LogicalId, Attribute] "
			   "(or !GetAtt LogicalId.Attribute)");
		return NULL;
	}
	if (!cJSON_GetObjectItemCaseSensitive(c->resources, res->valuestring)) {
		tmpl_error(c, path, "UnresolvedReference", "Fn::GetAtt '%s.%s': the template has "
			   "no resource '%s'", res->valuestring, att->valuestring, res->valuestring);
		return NULL;
	}
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "Fn::GetAtt");
	cJSON_AddItemToArray(arr, cJSON_CreateString(res->valuestring));
	cJSON_AddItemToArray(arr, cJSON_CreateString(att->valuestring));
	return o;
}

/* One ${...} of Fn::Sub: a variable of the map, a parameter, a pseudo
 * parameter, a resource (its name) or Res.Attr. */
static char *sub_var(struct tctx *c, const char *var, const cJSON *vars, const char *path)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(vars, var);
	const char *dot = strchr(var, '.');
	cJSON *r;
	char *s;

	if (v)
		return as_string(c, v, path);
	if (dot && !strstr(var, "::")) {
		cJSON *a = cJSON_CreateArray();
		char *id = strndup(var, (size_t)(dot - var));

		cJSON_AddItemToArray(a, cJSON_CreateString(id));
		cJSON_AddItemToArray(a, cJSON_CreateString(dot + 1));
		free(id);
		r = getatt(c, a, path);
		cJSON_Delete(a);
	} else {
		cJSON *n = cJSON_CreateString(var);

		r = ref(c, n, path);
		cJSON_Delete(n);
	}
	s = r && !cJSON_IsRaw(r) ? as_string(c, r, path) : NULL;
	if (r && cJSON_IsRaw(r))
		s = strdup("");
	cJSON_Delete(r);
	return s;
}

static int append(char **out, size_t *n, const char *s, size_t len)
{
	char *b = realloc(*out, *n + len + 1);

	if (!b)
		return -1;
	memcpy(b + *n, s, len);
	*n += len;
	b[*n] = '\0';
	*out = b;
	return 0;
}

static cJSON *sub(struct tctx *c, const cJSON *arg, const char *path)
{
	const cJSON *tmpl = cJSON_IsArray(arg) ? cJSON_GetArrayItem(arg, 0) : arg;
	cJSON *vars = NULL;
	char *out = strdup(""), *end;
	size_t n = 0;
	const char *s;

	if (cJSON_IsArray(arg) && cJSON_GetArraySize(arg) == 2)
		vars = tmpl_eval(c, cJSON_GetArrayItem(arg, 1), path);
	if (!cJSON_IsString(tmpl) || (cJSON_IsArray(arg) && !cJSON_IsObject(vars))) {
		tmpl_error(c, path, "InvalidTemplate", "Fn::Sub takes a string or [string, {Var: value}]");
		goto bad;
	}
	for (s = tmpl->valuestring; *s;) {
		const char *open = strstr(s, "${");

		if (!open) {
			append(&out, &n, s, strlen(s));
			break;
		}
		append(&out, &n, s, (size_t)(open - s));
		end = strchr(open, '}');
		if (!end) {
			tmpl_error(c, path, "InvalidTemplate", "Fn::Sub: '${' without its '}'");
			goto bad;
		}
		if (open[2] == '!') {
			append(&out, &n, "${", 2);
			append(&out, &n, open + 3, (size_t)(end - open - 2));
		} else {
			char *var = strndup(open + 2, (size_t)(end - open - 2));
			char *val = sub_var(c, var, vars, path);

			free(var);
			if (!val)
				goto bad;
			append(&out, &n, val, strlen(val));
			free(val);
		}
		s = end + 1;
	}
	cJSON_Delete(vars);
	{
		cJSON *r = cJSON_CreateString(out);

		free(out);
		return r;
	}
bad:
	cJSON_Delete(vars);
	free(out);
	return NULL;
}

/* Fn::Join [delim, list] and Fn::Split [delim, string]. */
static cJSON *join_split(struct tctx *c, const cJSON *ea, bool join, const char *path)
{
	const cJSON *delim = cJSON_GetArrayItem(ea, 0), *x = cJSON_GetArrayItem(ea, 1), *it;
	char *out = strdup("");
	size_t n = 0;
	bool first = true;

	if (cJSON_GetArraySize(ea) != 2 || !cJSON_IsString(delim) ||
	    (join ? !cJSON_IsArray(x) : !cJSON_IsString(x)) || (!join && !delim->valuestring[0])) {
		tmpl_error(c, path, "InvalidTemplate", join ? "Fn::Join takes [delimiter, [values]]"
			   : "Fn::Split takes [delimiter, string], the delimiter not empty");
		free(out);
		return NULL;
	}
	if (!join) {
		cJSON *arr = cJSON_CreateArray();
		const char *s = x->valuestring, *d;
		size_t dl = strlen(delim->valuestring);

		while ((d = strstr(s, delim->valuestring))) {
			char *part = strndup(s, (size_t)(d - s));

			cJSON_AddItemToArray(arr, cJSON_CreateString(part));
			free(part);
			s = d + dl;
		}
		cJSON_AddItemToArray(arr, cJSON_CreateString(s));
		free(out);
		return arr;
	}
	cJSON_ArrayForEach(it, x) {
		char *s = as_string(c, it, path);

		if (!s) {
			free(out);
			return NULL;
		}
		if (!first)
			append(&out, &n, delim->valuestring, strlen(delim->valuestring));
		append(&out, &n, s, strlen(s));
		free(s);
		first = false;
	}
	it = cJSON_CreateString(out);
	free(out);
	return (cJSON *)it;
}

static cJSON *select_fn(struct tctx *c, const cJSON *ea, const char *path)
{
	const cJSON *idx = cJSON_GetArrayItem(ea, 0), *list = cJSON_GetArrayItem(ea, 1);
	long i = cJSON_IsNumber(idx) ? (long)idx->valuedouble
		 : cJSON_IsString(idx) ? strtol(idx->valuestring, NULL, 10) : -1;

	if (cJSON_GetArraySize(ea) != 2 || !cJSON_IsArray(list) || i < 0 ||
	    i >= cJSON_GetArraySize(list)) {
		tmpl_error(c, path, "InvalidTemplate", "Fn::Select takes [index, list] with the "
			   "index inside the list (0..%d)", cJSON_GetArraySize(list) - 1);
		return NULL;
	}
	return cJSON_Duplicate(cJSON_GetArrayItem(list, (int)i), true);
}

/* Fn::Cidr [ipBlock, count, cidrBits]: count blocks of 2^cidrBits
 * addresses, in order from the block's start. */
static cJSON *cidr_fn(struct tctx *c, const cJSON *ea, const char *path)
{
	const cJSON *blk = cJSON_GetArrayItem(ea, 0);
	long n = tmpl_num(cJSON_GetArrayItem(ea, 1), -1), bits = tmpl_num(cJSON_GetArrayItem(ea, 2), -1);
	struct cidr b;
	cJSON *a;

	if (!cJSON_IsString(blk) || !cidr_parse(blk->valuestring, &b, NULL) || n < 1 || n > 256 ||
	    bits < 0 || bits > 32 - b.len || ((uint64_t)n << bits) > cidr_size(b)) {
		tmpl_error(c, path, "InvalidTemplate", "Fn::Cidr takes [ipBlock, count (1..256), "
			   "cidrBits] with count blocks of 2^cidrBits addresses inside ipBlock");
		return NULL;
	}
	a = cJSON_CreateArray();
	for (long i = 0; i < n; i++) {
		struct cidr s = { .addr = (b.addr & cidr_mask(b.len)) + (uint32_t)(i << bits),
				  .len = (uint8_t)(32 - bits) };
		char buf[CIDR_STRLEN];

		cJSON_AddItemToArray(a, cJSON_CreateString(cidr_str(s, buf)));
	}
	return a;
}

/* Fn::GetAZs: the region's zones a, b, c, alphabetical. */
static cJSON *getazs(struct tctx *c, const cJSON *arg, const char *path)
{
	const char *region = cJSON_IsString(arg) && arg->valuestring[0] ? arg->valuestring : c->region;
	cJSON *a = cJSON_CreateArray();
	char az[80];

	(void)path;
	for (char z = 'a'; z <= 'c'; z++) {
		snprintf(az, sizeof(az), "%s%c", region, z);
		cJSON_AddItemToArray(a, cJSON_CreateString(az));
	}
	return a;
}

static cJSON *find_in_map(struct tctx *c, const cJSON *ea, const char *path)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(c->doc, "Mappings");
	const cJSON *v = m;

	for (int i = 0; i < 3 && v; i++) {
		const cJSON *k = cJSON_GetArrayItem(ea, i);

		v = cJSON_IsString(k) ? cJSON_GetObjectItemCaseSensitive(v, k->valuestring) : NULL;
	}
	if (!v || cJSON_GetArraySize(ea) != 3) {
		tmpl_error(c, path, "UnresolvedReference", "Fn::FindInMap [Map, Key, Key]: no such "
			   "entry in Mappings");
		return NULL;
	}
	return cJSON_Duplicate(v, true);
}

/* Fn::Equals, Fn::Not, Fn::And, Fn::Or, {"Condition": X}: 1, 0, -1. */
static int truth(struct tctx *c, const char *fn, const cJSON *ea, const char *path)
{
	const cJSON *it;
	int n = cJSON_GetArraySize(ea), r = -1;

	if (!strcmp(fn, "Condition"))
		return cJSON_IsString(ea) ? tmpl_condition(c, ea->valuestring, path) : -1;
	if (!cJSON_IsArray(ea) || (!strcmp(fn, "Fn::Equals") && n != 2) ||
	    (!strcmp(fn, "Fn::Not") && n != 1)) {
		tmpl_error(c, path, "InvalidTemplate", "%s takes a list (Equals: 2 values, Not: 1)", fn);
		return -1;
	}
	if (!strcmp(fn, "Fn::Equals")) {
		char *a = as_string(c, cJSON_GetArrayItem(ea, 0), path);
		char *b = as_string(c, cJSON_GetArrayItem(ea, 1), path);

		r = a && b ? !strcmp(a, b) : -1;
		free(a);
		free(b);
		return r;
	}
	r = !strcmp(fn, "Fn::And") || !strcmp(fn, "Fn::Not");
	cJSON_ArrayForEach(it, ea) {
		const char *k = cJSON_IsObject(it) && it->child ? it->child->string : "";
		int v = cJSON_IsBool(it) ? cJSON_IsTrue(it) : truth(c, k, it->child, path);

		if (v < 0)
			return -1;
		if (!strcmp(fn, "Fn::Not"))
			return !v;
		r = !strcmp(fn, "Fn::And") ? r && v : r || v;
	}
	return r;
}

int tmpl_condition(struct tctx *c, const char *name, const char *path)
{
	const cJSON *known = cJSON_GetObjectItemCaseSensitive(c->conds, name);
	const cJSON *def = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(c->doc, "Conditions"), name);
	cJSON *ev;
	int r;

	if (known)
		return cJSON_IsTrue(known) ? 1 : cJSON_IsFalse(known) ? 0 : -1;
	if (!def) {
		tmpl_error(c, path, "UnresolvedReference", "condition '%s' is not in Conditions", name);
		return -1;
	}
	cJSON_AddNullToObject(c->conds, name);   /* a cycle ends here as an error */
	ev = tmpl_eval(c, def, path);
	r = ev && cJSON_IsObject(ev) && ev->child ? truth(c, ev->child->string, ev->child, path)
	    : cJSON_IsBool(ev) ? cJSON_IsTrue(ev) : -1;
	cJSON_Delete(ev);
	if (r < 0 && c->d->n_errors == 0)
		tmpl_error(c, path, "InvalidTemplate", "condition '%s' is not a condition "
			   "function (Fn::Equals, Fn::Not, Fn::And, Fn::Or)", name);
	cJSON_ReplaceItemInObjectCaseSensitive(c->conds, name, r < 0 ? cJSON_CreateNull()
					       : cJSON_CreateBool(r));
	return r;
}

cJSON *tmpl_fn(struct tctx *c, const char *fn, const cJSON *arg, const char *path);

/* {"Fn::If": [cond, a, b]} */
static cJSON *if_fn(struct tctx *c, const cJSON *arg, const char *path)
{
	const cJSON *cond = cJSON_GetArrayItem(arg, 0);
	int v;

	if (cJSON_GetArraySize(arg) != 3 || !cJSON_IsString(cond)) {
		tmpl_error(c, path, "InvalidTemplate", "Fn::If takes [Condition, IfTrue, IfFalse]");
		return NULL;
	}
	v = tmpl_condition(c, cond->valuestring, path);
	return v < 0 ? NULL : tmpl_eval(c, cJSON_GetArrayItem(arg, v ? 1 : 2), path);
}

/* One function `fn` of argument arg (not yet evaluated). */
cJSON *tmpl_fn(struct tctx *c, const char *fn, const cJSON *arg, const char *path)
{
	cJSON *ea, *r = NULL;
	int t;

	if (!strcmp(fn, "Ref"))
		return ref(c, arg, path);
	if (!strcmp(fn, "Fn::If"))
		return if_fn(c, arg, path);
	if (!strcmp(fn, "Fn::Sub"))
		return sub(c, arg, path);
	if (!strcmp(fn, "Fn::ImportValue")) {
		tmpl_error(c, path, "UnsupportedFunction", "Fn::ImportValue '%s' imports an output "
			   "of another stack, which vpcsim does not have: write the value, or a "
			   "Parameter, in its place", cJSON_IsString(arg) ? arg->valuestring : "...");
		return NULL;
	}
	ea = tmpl_eval(c, arg, path);
	if (!ea)
		return NULL;
	if (!strcmp(fn, "Fn::GetAtt"))
		r = getatt(c, ea, path);
	else if (!strcmp(fn, "Fn::Join"))
		r = join_split(c, ea, true, path);
	else if (!strcmp(fn, "Fn::Split"))
		r = join_split(c, ea, false, path);
	else if (!strcmp(fn, "Fn::Select"))
		r = select_fn(c, ea, path);
	else if (!strcmp(fn, "Fn::Cidr"))
		r = cidr_fn(c, ea, path);
	else if (!strcmp(fn, "Fn::GetAZs"))
		r = getazs(c, ea, path);
	else if (!strcmp(fn, "Fn::FindInMap"))
		r = find_in_map(c, ea, path);
	else if (!strcmp(fn, "Fn::Base64"))
		r = cJSON_Duplicate(ea, true);
	else if (!strcmp(fn, "Fn::Equals") || !strcmp(fn, "Fn::Not") || !strcmp(fn, "Fn::And") ||
		 !strcmp(fn, "Fn::Or") || !strcmp(fn, "Condition"))
		r = (t = truth(c, fn, ea, path)) < 0 ? NULL : cJSON_CreateBool(t);
	else
		tmpl_error(c, path, "UnsupportedFunction", "%s is not supported by vpcsim "
			   "(docs/TEMPLATES.md lists the functions): write its value out", fn);
	cJSON_Delete(ea);
	return r;
}
