/* The runtime's input: CNI_* variables and the network configuration. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cni/cni.h"
#include "model/names.h"

const char *const cni_versions[] = { "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL };

static int code;
static char message[2048];

int cni_fail(int c, const char *fmt, ...)
{
	va_list ap;

	code = c;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return -1;
}

int cni_code(void)
{
	return code;
}

const char *cni_message(void)
{
	return message;
}

bool cni_version_supported(const char *v)
{
	for (int i = 0; cni_versions[i]; i++)
		if (!strcmp(v, cni_versions[i]))
			return true;
	return false;
}

/* CNI_ARGS "K=V;K=V": K8S_POD_NAME names the resource when it is a valid
 * node name (podman passes the container's name there). */
static void read_args(struct cni_call *c)
{
	const char *args = getenv("CNI_ARGS");
	char buf[1024], *save = NULL;

	if (!args || strlen(args) >= sizeof(buf))
		return;
	snprintf(buf, sizeof(buf), "%s", args);
	for (char *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
		if (strncmp(kv, "K8S_POD_NAME=", 13))
			continue;
		if (strlen(kv + 13) < sizeof(c->pod_name))
			snprintf(c->pod_name, sizeof(c->pod_name), "%s", kv + 13);
	}
}

int cni_read_env(struct cni_call *c)
{
	bool add_check, del;

	c->command = getenv("CNI_COMMAND");
	if (!c->command || !*c->command)
		return cni_fail(CNI_ERR_ENV, "CNI_COMMAND is not set: ADD, DEL, CHECK, GC, STATUS "
				"or VERSION");
	add_check = !strcmp(c->command, "ADD") || !strcmp(c->command, "CHECK");
	del = !strcmp(c->command, "DEL");
	if (!add_check && !del && strcmp(c->command, "GC") && strcmp(c->command, "STATUS") &&
	    strcmp(c->command, "VERSION"))
		return cni_fail(CNI_ERR_ENV, "CNI_COMMAND '%.32s' is none of ADD, DEL, CHECK, GC, "
				"STATUS, VERSION", c->command);
	c->container_id = getenv("CNI_CONTAINERID");
	c->netns = getenv("CNI_NETNS");
	c->ifname = getenv("CNI_IFNAME");
	if (c->netns && !*c->netns)
		c->netns = NULL;
	if ((add_check || del) && (!c->container_id || !cni_container_id_ok(c->container_id)))
		return cni_fail(CNI_ERR_ENV, "CNI_CONTAINERID '%.64s' is invalid: 1..%d letters, "
				"digits, '_', '.', '-', starting with a letter or digit",
				c->container_id ? c->container_id : "", CNI_ID_MAX);
	if ((add_check || del) && (!c->ifname || !cni_ifname_ok(c->ifname)))
		return cni_fail(CNI_ERR_ENV, "CNI_IFNAME '%.32s' is not an interface name (1..15 "
				"characters, no '/', ':' or space)", c->ifname ? c->ifname : "");
	if (add_check && !c->netns)
		return cni_fail(CNI_ERR_ENV, "CNI_NETNS is not set: %s needs the container's "
				"network namespace path", c->command);
	read_args(c);
	return 0;
}

/* Keys of the configuration: ours, the specification's, the runtime's. */
static bool key_known(const char *k)
{
	static const char *const keys[] = {
		"cniVersion", "cniVersions", "name", "type", "topology", "subnet",
		"security_groups", "ip", "runtimeConfig", "args", "prevResult", "capabilities",
		"dns", "ipam", "ipMasq", "disableCheck", "disableGC", "loadOnlyInlinedPlugins",
		NULL };

	if (!strncmp(k, "cni.dev/", 8))
		return true;
	for (int i = 0; keys[i]; i++)
		if (!strcmp(k, keys[i]))
			return true;
	return false;
}

/* A string member into buf: required or not; -1 (cni_fail) if wrong. */
static int conf_str(const cJSON *root, const char *key, bool required, char *buf, size_t len)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, key);

	if (!j && !required)
		return 0;
	if (!cJSON_IsString(j) || !*j->valuestring)
		return cni_fail(CNI_ERR_CONFIG, "the network configuration's \"%s\" must be a "
				"non-empty string%s", key, j ? "" : " (it is missing)");
	if (strlen(j->valuestring) >= len)
		return cni_fail(CNI_ERR_CONFIG, "the network configuration's \"%s\" is longer than "
				"%zu characters", key, len - 1);
	snprintf(buf, len, "%s", j->valuestring);
	return 1;
}

static int conf_sgs(struct cni_call *c, const cJSON *root)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "security_groups"), *e;

	if (!arr) {
		snprintf(c->sgs[0], sizeof(c->sgs[0]), "default");
		c->n_sgs = 1;
		return 0;
	}
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1 ||
	    cJSON_GetArraySize(arr) > CNI_SG_MAX)
		return cni_fail(CNI_ERR_CONFIG, "\"security_groups\" must be a list of 1..%d group "
				"names of the subnet's VPC (AWS: at most 5 per ENI)", CNI_SG_MAX);
	cJSON_ArrayForEach(e, arr) {
		if (!cJSON_IsString(e) || !ns_component_ok(e->valuestring, NAME_MAX_LEN))
			return cni_fail(CNI_ERR_CONFIG, "\"security_groups\"[%d] is not a group name "
					"(^[a-z][a-z0-9-]{0,31}$)", c->n_sgs);
		snprintf(c->sgs[c->n_sgs++], sizeof(c->sgs[0]), "%s", e->valuestring);
	}
	return 0;
}

/* GC: "cni.dev/valid-attachments" (HEAD) or "cni.dev/attachments" (the
 * 1.1.0 tag): [{"containerID", "ifname"}]. */
static int conf_valid(struct cni_call *c, const cJSON *root)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "cni.dev/valid-attachments"), *e;

	if (!arr)
		arr = cJSON_GetObjectItemCaseSensitive(root, "cni.dev/attachments");
	if (!arr)
		return 0;
	if (!cJSON_IsArray(arr))
		return cni_fail(CNI_ERR_CONFIG, "\"cni.dev/valid-attachments\" must be a list");
	c->valid = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*c->valid));
	if (!c->valid)
		return cni_fail(CNI_ERR_INTERNAL, "out of memory");
	cJSON_ArrayForEach(e, arr) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "containerID"));
		const char *ifn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "ifname"));

		if (!id || !ifn || strlen(id) > CNI_ID_MAX || strlen(ifn) > CNI_ID_MAX)
			return cni_fail(CNI_ERR_CONFIG, "\"cni.dev/valid-attachments\"[%d] needs "
					"\"containerID\" and \"ifname\" strings", c->n_valid);
		snprintf(c->valid[c->n_valid][0], CNI_ID_MAX + 1, "%s", id);
		snprintf(c->valid[c->n_valid++][1], CNI_ID_MAX + 1, "%s", ifn);
	}
	return 0;
}

static int conf_fields(struct cni_call *c, const cJSON *root)
{
	char type[32];
	const cJSON *e;

	cJSON_ArrayForEach(e, root)
		if (!key_known(e->string))
			return cni_fail(CNI_ERR_FIELD, "the network configuration's key \"%.64s\" is "
					"unknown to vpcsim (keys: topology, subnet, security_groups, "
					"ip; docs/CNI.md)", e->string);
	if (conf_str(root, "cniVersion", true, c->version, sizeof(c->version)) < 0)
		return -1;
	if (!cni_version_supported(c->version))
		return cni_fail(CNI_ERR_VERSION, "cniVersion %s is not supported: 0.3.0 to 1.1.0",
				c->version);
	if (conf_str(root, "type", true, type, sizeof(type)) < 0 ||
	    conf_str(root, "name", true, c->network, sizeof(c->network)) < 0)
		return -1;
	if (!cni_network_ok(c->network))
		return cni_fail(CNI_ERR_CONFIG, "the network name \"%.80s\" is invalid: letters, "
				"digits, '_', '.', '-', starting with a letter or digit", c->network);
	if (conf_str(root, "topology", true, c->topology, sizeof(c->topology)) < 0 ||
	    conf_str(root, "subnet", !strcmp(c->command, "ADD"), c->subnet, sizeof(c->subnet)) < 0 ||
	    conf_str(root, "ip", false, c->ip, sizeof(c->ip)) < 0)
		return -1;
	if (!ns_component_ok(c->topology, TOPO_NAME_MAX_LEN))
		return cni_fail(CNI_ERR_CONFIG, "\"topology\" '%s' is not a topology name "
				"(^[a-z][a-z0-9-]{0,11}$)", c->topology);
	return conf_sgs(c, root) < 0 ? -1 : conf_valid(c, root);
}

int cni_read_conf(struct cni_call *c, const char *text, size_t len)
{
	cJSON *root = cJSON_ParseWithLength(text, len);
	int err;

	if (!root || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return cni_fail(CNI_ERR_DECODE, "the network configuration on standard input is not "
				"a JSON object");
	}
	err = conf_fields(c, root);
	cJSON_Delete(root);
	return err;
}
