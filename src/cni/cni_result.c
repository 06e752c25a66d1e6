/* The plugin's answers on standard output (CNI SPEC.md "Result" and
 * "Error"): libcni reads standard output, errors included. */
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "cni/cni.h"
#include "util/cidr.h"

static void print_json(cJSON *root)
{
	char *text = cJSON_Print(root);

	if (text) {
		fputs(text, stdout);
		fputc('\n', stdout);
	}
	cJSON_free(text);
	cJSON_Delete(root);
}

/* Before 1.0.0 an IP carries "version": "4". */
static bool pre_1_0(const char *v)
{
	return !strncmp(v, "0.", 2);
}

void cni_print_result(const struct cni_call *c, const struct cni_added *a)
{
	cJSON *root = cJSON_CreateObject(), *ifs, *ifc, *ips, *ip, *routes, *rt, *dns, *ns;
	char mac[18], addr[CIDR_STRLEN + 4], gw[16], buf[16];

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", a->mac[0], a->mac[1],
		 a->mac[2], a->mac[3], a->mac[4], a->mac[5]);
	snprintf(addr, sizeof(addr), "%s/%d", ip4_str(a->ip, buf), a->prefix);
	ip4_str(a->gateway, gw);
	cJSON_AddStringToObject(root, "cniVersion", c->version);
	ifs = cJSON_AddArrayToObject(root, "interfaces");
	ifc = cJSON_CreateObject();
	cJSON_AddStringToObject(ifc, "name", a->ifname);
	cJSON_AddStringToObject(ifc, "mac", mac);
	if (!strcmp(c->version, "1.1.0"))
		cJSON_AddNumberToObject(ifc, "mtu", a->mtu);
	cJSON_AddStringToObject(ifc, "sandbox", a->sandbox);
	cJSON_AddItemToArray(ifs, ifc);
	ips = cJSON_AddArrayToObject(root, "ips");
	ip = cJSON_CreateObject();
	if (pre_1_0(c->version))
		cJSON_AddStringToObject(ip, "version", "4");
	cJSON_AddStringToObject(ip, "address", addr);
	cJSON_AddStringToObject(ip, "gateway", gw);
	cJSON_AddNumberToObject(ip, "interface", 0);
	cJSON_AddItemToArray(ips, ip);
	routes = cJSON_AddArrayToObject(root, "routes");
	rt = cJSON_CreateObject();
	cJSON_AddStringToObject(rt, "dst", "0.0.0.0/0");
	cJSON_AddStringToObject(rt, "gw", gw);
	cJSON_AddItemToArray(routes, rt);
	dns = cJSON_AddObjectToObject(root, "dns");
	ns = cJSON_AddArrayToObject(dns, "nameservers");
	cJSON_AddItemToArray(ns, cJSON_CreateString(ip4_str(a->dns, buf)));
	print_json(root);
}

void cni_print_version(const char *version)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *list = cJSON_CreateStringArray(cni_versions, 5);

	cJSON_AddStringToObject(root, "cniVersion", version && *version ? version : "1.1.0");
	cJSON_AddItemToObject(root, "supportedVersions", list);
	print_json(root);
}

void cni_print_error(const char *version)
{
	cJSON *root = cJSON_CreateObject();

	cJSON_AddStringToObject(root, "cniVersion", version && *version ? version : "1.1.0");
	cJSON_AddNumberToObject(root, "code", cni_code());
	cJSON_AddStringToObject(root, "msg", cni_message());
	print_json(root);
	fprintf(stderr, "vpcsim-cni: %s\n", cni_message());
}
