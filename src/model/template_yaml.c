/* A CloudFormation/SAM template's text, YAML or JSON, as one cJSON document.
 *
 * YAML is read by libyaml (opened on first use, util/dlib.h), event by
 * event; CloudFormation's short-form tags become the long form a JSON
 * template writes: `!Ref X` -> {"Ref":"X"}, `!GetAtt A.B` ->
 * {"Fn::GetAtt":["A","B"]}, `!Sub s` -> {"Fn::Sub":s}, `!Condition C` ->
 * {"Condition":"C"}, any other `!Name v` -> {"Fn::Name": v}. Plain scalars
 * are typed as YAML 1.1 core does for what templates write: integers,
 * true/false, null; quoted ones stay strings. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/template.h"
#include "util/dlib.h"
#include "util/err.h"

#define YAML_DEPTH_MAX 64

struct yreader {
	yaml_parser_t p;
	struct diags *d;
	int depth;
};

static void yerr(struct yreader *y, const yaml_mark_t *m, const char *what)
{
	diags_error(y->d, "", "InvalidTemplate", "line %lu column %lu: %s (fix the YAML there)",
		    (unsigned long)m->line + 1, (unsigned long)m->column + 1, what);
}

static cJSON *plain_scalar(const char *s)
{
	char *end;
	long long v;

	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return cJSON_CreateTrue();
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return cJSON_CreateFalse();
	if (!strcmp(s, "null") || !strcmp(s, "~") || !s[0])
		return cJSON_CreateNull();
	if ((isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))) &&
	    !(s[0] == '0' && s[1])) {
		v = strtoll(s, &end, 10);
		if (!*end && v > -(1LL << 53) && v < (1LL << 53))
			return cJSON_CreateNumber((double)v);
	}
	return cJSON_CreateString(s);
}

/* `!GetAtt A.B.C` is ["A", "B.C"]. */
static cJSON *getatt_short(const char *s)
{
	const char *dot = strchr(s, '.');
	cJSON *a = cJSON_CreateArray();
	char *res = dot ? strndup(s, (size_t)(dot - s)) : strdup(s);

	cJSON_AddItemToArray(a, cJSON_CreateString(res));
	cJSON_AddItemToArray(a, cJSON_CreateString(dot ? dot + 1 : ""));
	free(res);
	return a;
}

/* Wrap v in the long form of the short tag `tag` ("!Ref", ...). */
static cJSON *tagged(const char *tag, cJSON *v, bool scalar)
{
	char key[64];
	cJSON *o;

	if (!tag || tag[0] != '!' || !tag[1])
		return v;
	o = cJSON_CreateObject();
	if (!strcmp(tag, "!Ref") || !strcmp(tag, "!Condition")) {
		cJSON_AddItemToObject(o, tag + 1, v);
		return o;
	}
	if (!strcmp(tag, "!GetAtt") && scalar && cJSON_IsString(v)) {
		cJSON *a = getatt_short(v->valuestring);

		cJSON_Delete(v);
		v = a;
	}
	snprintf(key, sizeof(key), "Fn::%s", tag + 1);
	cJSON_AddItemToObject(o, key, v);
	return o;
}

static cJSON *read_node(struct yreader *y, yaml_event_t *ev);

static int next(struct yreader *y, yaml_event_t *ev)
{
	if (!sym_yaml_parser_parse(&y->p, ev)) {
		yerr(y, &y->p.problem_mark, y->p.problem ? y->p.problem : "invalid YAML");
		return -1;
	}
	return 0;
}

/* The items of a sequence or mapping that `start` opened, until its end. */
static cJSON *read_collection(struct yreader *y, bool map)
{
	cJSON *c = map ? cJSON_CreateObject() : cJSON_CreateArray();
	yaml_event_t ev;

	for (;;) {
		cJSON *k = NULL, *v;

		if (next(y, &ev) < 0)
			goto bad;
		if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
			sym_yaml_event_delete(&ev);
			return c;
		}
		if (map) {
			k = read_node(y, &ev);
			if (!k)
				goto bad;
			if (!cJSON_IsString(k) && !cJSON_IsNumber(k)) {
				yerr(y, &y->p.mark, "a mapping key must be a plain scalar");
				cJSON_Delete(k);
				goto bad;
			}
			if (next(y, &ev) < 0) {
				cJSON_Delete(k);
				goto bad;
			}
		}
		v = read_node(y, &ev);
		if (!v) {
			cJSON_Delete(k);
			goto bad;
		}
		if (!map) {
			cJSON_AddItemToArray(c, v);
		} else {
			char num[32];
			const char *key = k->valuestring;

			if (cJSON_IsNumber(k)) {
				snprintf(num, sizeof(num), "%lld", (long long)k->valuedouble);
				key = num;
			}
			if (cJSON_GetObjectItemCaseSensitive(c, key)) {
				yerr(y, &y->p.mark, "a key appears twice in one mapping");
				cJSON_Delete(k);
				cJSON_Delete(v);
				goto bad;
			}
			cJSON_AddItemToObject(c, key, v);
			cJSON_Delete(k);
		}
	}
bad:
	cJSON_Delete(c);
	return NULL;
}

/* The node that event *ev starts (the event is consumed). */
static cJSON *read_node(struct yreader *y, yaml_event_t *ev)
{
	char *tag = NULL;
	cJSON *v = NULL;
	bool scalar = false;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		scalar = true;
		tag = ev->data.scalar.tag ? strdup((char *)ev->data.scalar.tag) : NULL;
		v = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag
			? plain_scalar((char *)ev->data.scalar.value)
			: cJSON_CreateString((char *)ev->data.scalar.value);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool map = ev->type == YAML_MAPPING_START_EVENT;
		yaml_char_t *t = map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;

		tag = t ? strdup((char *)t) : NULL;
		if (++y->depth > YAML_DEPTH_MAX) {
			yerr(y, &ev->start_mark, "nested more than 64 levels deep");
			break;
		}
		v = read_collection(y, map);
		y->depth--;
		break;
	}
	case YAML_ALIAS_EVENT:
		yerr(y, &ev->start_mark, "aliases (*name) are not supported: write the value out");
		break;
	default:
		yerr(y, &ev->start_mark, "unexpected YAML event");
		break;
	}
	sym_yaml_event_delete(ev);
	if (v)
		v = tagged(tag, v, scalar);
	free(tag);
	return v;
}

static cJSON *yaml_document(const char *text, size_t len, struct diags *d)
{
	struct yreader y = { .d = d };
	yaml_event_t ev;
	cJSON *doc = NULL;

	if (dlib_load(DLIB_YAML) < 0) {
		diags_error(d, "", "MissingLibrary", "%s", err_msg());
		return NULL;
	}
	sym_yaml_parser_initialize(&y.p);
	sym_yaml_parser_set_input_string(&y.p, (const unsigned char *)text, len);
	while (!doc && next(&y, &ev) == 0) {
		yaml_event_type_t t = ev.type;

		if (t == YAML_MAPPING_START_EVENT) {
			doc = read_node(&y, &ev);
			if (!doc)
				break;
			continue;
		}
		sym_yaml_event_delete(&ev);
		if (t == YAML_STREAM_END_EVENT || t == YAML_SEQUENCE_START_EVENT ||
		    t == YAML_SCALAR_EVENT) {
			diags_error(d, "", "InvalidTemplate", "a template is a YAML mapping with "
				    "a Resources section");
			break;
		}
	}
	sym_yaml_parser_delete(&y.p);
	return doc;
}

cJSON *template_read(const char *text, size_t len, bool json, struct diags *d)
{
	cJSON *doc;

	if (!json)
		return yaml_document(text, len, d);
	doc = cJSON_ParseWithLength(text, len);
	if (!doc || !cJSON_IsObject(doc)) {
		diags_error(d, "", "InvalidTemplate", "not a JSON object: fix the JSON syntax");
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}
