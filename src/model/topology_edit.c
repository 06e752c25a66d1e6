/* Editing a topology file's text: the rule lists of one security group.
 *
 * Used by `vpcsim sg` on the state copy of a topology that is up. The edit
 * works on the JSON document, so everything the edit does not touch keeps
 * its meaning (cJSON re-indents the text). Implicit rules are written out
 * before the edit, so that the edit means what it means in AWS: the VPC's
 * `default` group when the file does not define it, the allow-all egress
 * rule of a group that omits `egress`, and the from-default ingress rule of
 * a `default` group that omits `ingress`. Group and rule positions stay
 * those of the model (the implicit default group is last in the model and
 * is appended last), so group ids and rule indices do not move. */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "util/err.h"
#include "model/topology.h"

static cJSON *allow_all_rule(const char *peer_key, const char *peer)
{
	cJSON *r = cJSON_CreateObject();

	if (r && (!cJSON_AddStringToObject(r, "proto", "all") ||
		  !cJSON_AddStringToObject(r, peer_key, peer))) {
		cJSON_Delete(r);
		r = NULL;
	}
	return r;
}

/* obj[key], created as an array holding `implicit` (may be NULL: empty)
 * when absent. `implicit` is consumed. */
static cJSON *ensure_list(cJSON *obj, const char *key, cJSON *implicit)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (arr) {
		cJSON_Delete(implicit);
		return cJSON_IsArray(arr) ? arr : NULL;
	}
	arr = cJSON_AddArrayToObject(obj, key);
	if (arr && implicit)
		cJSON_AddItemToArray(arr, implicit);
	else
		cJSON_Delete(implicit);
	return arr;
}

/* The group's object in the document, created when it is the implicit
 * default group. */
static cJSON *group_object(cJSON *root, const struct topology *t, int vi, int gi)
{
	const struct vpc *v = &t->vpcs[vi];
	const struct security_group *g = &v->security_groups[gi];
	cJSON *vobj, *sgs, *gobj;
	const char *name;

	vobj = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "vpcs"), vi);
	name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(vobj, "name"));
	if (!name || strcmp(name, v->name) != 0)
		return NULL;
	sgs = ensure_list(vobj, "security_groups", NULL);
	if (!sgs)
		return NULL;
	if (g->implicit) {
		if (cJSON_GetArraySize(sgs) != gi)
			return NULL;
		gobj = cJSON_CreateObject();
		if (!gobj || !cJSON_AddStringToObject(gobj, "name", g->name)) {
			cJSON_Delete(gobj);
			return NULL;
		}
		cJSON_AddItemToArray(sgs, gobj);
		return gobj;
	}
	gobj = cJSON_GetArrayItem(sgs, gi);
	name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(gobj, "name"));
	return name && strcmp(name, g->name) == 0 ? gobj : NULL;
}

char *topology_edit_sg_rules(const char *text, size_t len, const struct topology *t,
			     int vi, int gi, bool ingress, const char *add, int remove_at)
{
	const struct vpc *v = &t->vpcs[vi];
	bool is_default = gi == v->default_sg;
	cJSON *root, *gobj, *list = NULL, *rule;
	char *out = NULL;

	root = cJSON_ParseWithLength(text, len);
	if (!root) {
		errf(EINVAL, "the topology file no longer parses as JSON");
		return NULL;
	}
	gobj = group_object(root, t, vi, gi);
	if (gobj &&
	    ensure_list(gobj, "ingress", is_default ? allow_all_rule("sg", "default") : NULL) &&
	    ensure_list(gobj, "egress", allow_all_rule("cidr", "0.0.0.0/0")))
		list = cJSON_GetObjectItemCaseSensitive(gobj, ingress ? "ingress" : "egress");
	if (!list) {
		errf(EINVAL, "security group %s/%s is not where the model puts it in the file",
		     v->name, v->security_groups[gi].name);
		goto out;
	}
	if (add) {
		rule = cJSON_Parse(add);
		if (!rule) {
			errf(EINVAL, "the rule is not valid JSON");
			goto out;
		}
		cJSON_AddItemToArray(list, rule);
	} else if (remove_at >= 0 && remove_at < cJSON_GetArraySize(list)) {
		cJSON_DeleteItemFromArray(list, remove_at);
	} else {
		errf(EINVAL, "rule %d of %s/%s is not in the file", remove_at, v->name,
		     v->security_groups[gi].name);
		goto out;
	}
	out = cJSON_Print(root);
	if (!out)
		errf(ENOMEM, "writing the topology as JSON");
out:
	cJSON_Delete(root);
	return out;
}
