/* Containers in the topology: the "cni" object of a resource that the CNI
 * plugin's ADD writes into the live topology, its checks, and the edits of
 * the topology text that add and remove such a resource (docs/CNI.md).
 *
 *   { "name": "pg", "subnet": "private-a", "security_groups": ["db"],
 *     "ip": "10.0.1.9",
 *     "cni": { "container_id": "8f3c...", "ifname": "eth0",
 *              "network": "vpc-db", "link": 7 } }
 *
 * `link` is the router end's number (e<link>): the plugin picks a free one
 * and the layout keeps it, so adding or removing a container never
 * renumbers another attachment of a topology that is up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "model/topology_internal_json.h"
#include "util/err.h"

/* CNI's container id: non-empty, starts alphanumeric, then alphanumerics,
 * '_', '.', '-' (CNI SPEC.md). */
bool cni_container_id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CNI_ID_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	      (s[0] >= '0' && s[0] <= '9')))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* A Linux interface name (dev_valid_name): 1..15 bytes, not "." or "..",
 * no '/', ':' or white space. */
bool cni_ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || (unsigned char)s[i] <= ' ' ||
		    (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* A CNI network name: starts alphanumeric, then alphanumerics, '_', '.',
 * '-' (the container id's alphabet), at most 64 bytes here. */
bool cni_network_ok(const char *s)
{
	return strlen(s) <= NAME_MAX_LEN * 2 && cni_container_id_ok(s);
}

void parse_resource_cni(struct parse *p, const cJSON *j, const char *path, struct resource *r)
{
	static const char *const keys[] = { "container_id", "ifname", "network", "link", NULL };
	const cJSON *o = member(p, j, path, "cni", false);
	char kp[PATH_LEN], ep[PATH_LEN];
	const char *s;

	if (!o)
		return;
	path_key(kp, path, "cni");
	if (!as_object(p, o, kp, "container attachment", keys))
		return;
	r->cni = topo_calloc(1, sizeof(*r->cni));
	if (get_str(p, o, kp, "container_id", true, &s) == 1) {
		if (!cni_container_id_ok(s))
			ERR(p, path_key(ep, kp, "container_id"), CODE_PARAM,
			    "The container id '%.64s' is invalid: 1..%d characters, letters, digits, "
			    "'_', '.', '-', starting with a letter or digit", s, CNI_ID_MAX);
		else
			snprintf(r->cni->container_id, sizeof(r->cni->container_id), "%s", s);
	}
	if (get_str(p, o, kp, "ifname", true, &s) == 1) {
		if (!cni_ifname_ok(s))
			ERR(p, path_key(ep, kp, "ifname"), CODE_PARAM,
			    "The interface name '%.32s' is invalid: 1..15 characters, no '/', ':' "
			    "or space", s);
		else
			snprintf(r->cni->ifname, sizeof(r->cni->ifname), "%s", s);
	}
	if (get_str(p, o, kp, "network", true, &s) == 1) {
		if (!cni_network_ok(s))
			ERR(p, path_key(ep, kp, "network"), CODE_PARAM,
			    "The network name '%.80s' is invalid: letters, digits, '_', '.', '-', "
			    "at most %d", s, NAME_MAX_LEN * 2);
		else
			snprintf(r->cni->network, sizeof(r->cni->network), "%s", s);
	}
	get_int(p, o, kp, "link", true, 0, CNI_LINK_MAX, CODE_PARAM, &r->cni->link);
	if (!member(p, j, path, "ip", false))
		ERR(p, path_key(ep, path, "ip"), CODE_MISSING,
		    "A container's resource names its address (the plugin writes it)");
}

int topology_find_container(const struct topology *t, const char *container_id,
			    const char *ifname)
{
	for (int i = 0; i < t->n_resources; i++) {
		const struct resource_cni *c = t->resources[i].cni;

		if (c && !strcmp(c->container_id, container_id) && !strcmp(c->ifname, ifname))
			return i;
	}
	return -1;
}

static cJSON *container_object(const struct container_spec *s)
{
	cJSON *o = cJSON_CreateObject(), *c, *sgs;
	bool ok = o != NULL;

	ok = ok && cJSON_AddStringToObject(o, "name", s->name);
	ok = ok && cJSON_AddStringToObject(o, "subnet", s->subnet);
	sgs = ok ? cJSON_AddArrayToObject(o, "security_groups") : NULL;
	for (int i = 0; sgs && i < s->n_sgs; i++)
		cJSON_AddItemToArray(sgs, cJSON_CreateString(s->sgs[i]));
	ok = ok && sgs && cJSON_AddStringToObject(o, "ip", s->ip);
	c = ok ? cJSON_AddObjectToObject(o, "cni") : NULL;
	ok = ok && c && cJSON_AddStringToObject(c, "container_id", s->container_id);
	ok = ok && cJSON_AddStringToObject(c, "ifname", s->ifname);
	ok = ok && cJSON_AddStringToObject(c, "network", s->network);
	ok = ok && cJSON_AddNumberToObject(c, "link", s->link);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* The document's "resources" array, made when absent. */
static cJSON *resources_of(cJSON *root)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "resources");

	if (!arr)
		arr = cJSON_AddArrayToObject(root, "resources");
	return cJSON_IsArray(arr) ? arr : NULL;
}

char *topology_cni_edit(const char *text, size_t len, const struct container_spec *add,
			const char *remove)
{
	cJSON *root = cJSON_ParseWithLength(text, len), *arr, *e;
	char *out = NULL;

	arr = cJSON_IsObject(root) ? resources_of(root) : NULL;
	if (!arr) {
		cJSON_Delete(root);
		errf(EINVAL, "the saved topology has no resources list to edit");
		return NULL;
	}
	if (add) {
		e = container_object(add);
		if (e)
			cJSON_AddItemToArray(arr, e);
	} else {
		int i = 0;

		cJSON_ArrayForEach(e, arr) {
			const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));

			if (n && !strcmp(n, remove) && cJSON_GetObjectItemCaseSensitive(e, "cni"))
				break;
			i++;
		}
		if (e)
			cJSON_DeleteItemFromArray(arr, i);
	}
	if (!add || e)
		out = cJSON_Print(root);
	cJSON_Delete(root);
	if (!out)
		errf(ENOMEM, "editing the saved topology");
	return out;
}
