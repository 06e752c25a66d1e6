/* A template's expectations (docs/TEMPLATES.md "Expectations"): the
 * template-level `Metadata.vpcsim.expect` list, which CloudFormation keeps
 * and ignores, as the topology's `expect` list that `vpcsim check` runs.
 * Intrinsics are evaluated; a value that refers to a resource (`!Ref Fn`)
 * becomes the node's name, and a `port` written as a string of digits (a
 * parameter's value is a string) its number. The topology's own checks
 * then judge each item (expect[N].KEY). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/template_internal.h"

/* One item: every value that refers to a resource as its string. */
static int expect_item(struct tctx *c, cJSON *item, const char *path)
{
	cJSON *v, *next;

	if (!cJSON_IsObject(item)) {
		tmpl_error(c, path, "InvalidTemplate", "an expectation is a map "
			   "({from: NODE, to: NODE, port: N, result: open|refused|timeout})");
		return -1;
	}
	for (v = item->child; v; v = next) { /* v is replaced: take next first */
		char vpath[TPATH_LEN];
		char *s;

		next = v->next;
		if (!strcmp(v->string, "port") && cJSON_IsString(v) && v->valuestring[0] &&
		    strspn(v->valuestring, "0123456789") == strlen(v->valuestring) &&
		    strlen(v->valuestring) <= 5) {
			/* CloudFormation's values are strings (a parameter's too) */
			cJSON_ReplaceItemInObjectCaseSensitive(item, "port",
				cJSON_CreateNumber(atoi(v->valuestring)));
			continue;
		}
		if (!tmpl_ref_id(v))
			continue;
		snprintf(vpath, sizeof(vpath), "%s.%s", path, v->string);
		if (!(s = tmpl_string(c, v, vpath)))
			return -1;
		cJSON_ReplaceItemInObjectCaseSensitive(item, v->string, cJSON_CreateString(s));
		free(s);
	}
	return 0;
}

int tmpl_map_expect(struct tctx *c, cJSON *topo)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(c->doc, "Metadata"), "vpcsim");
	const cJSON *k;
	cJSON *list, *item;
	int i = 0, rc = 0;

	if (!meta)
		return 0;
	if (!cJSON_IsObject(meta)) {
		tmpl_error(c, "Metadata.vpcsim", "InvalidTemplate",
			   "vpcsim's metadata is a map (vpcsim: {expect: [...]})");
		return -1;
	}
	cJSON_ArrayForEach(k, meta) {
		if (strcmp(k->string, "expect"))
			tmpl_unmapped(c, "Metadata.vpcsim", "key %s is not vpcsim's (it reads "
				      "expect); left out", k->string);
	}
	k = cJSON_GetObjectItemCaseSensitive(meta, "expect");
	if (!k)
		return 0;
	if (!cJSON_IsArray(k)) {
		tmpl_error(c, "Metadata.vpcsim.expect", "InvalidTemplate",
			   "expect is a list of expectations");
		return -1;
	}
	if (!(list = tmpl_eval(c, k, "Metadata.vpcsim.expect")))
		return -1;
	cJSON_ArrayForEach(item, list) {
		char path[TPATH_LEN];

		snprintf(path, sizeof(path), "Metadata.vpcsim.expect[%d]", i++);
		rc |= expect_item(c, item, path);
	}
	if (rc < 0) {
		cJSON_Delete(list);
		return -1;
	}
	cJSON_AddItemToObject(topo, "expect", list);
	return 0;
}
