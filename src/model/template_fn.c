/* A template's functions as a topology's: AWS::Lambda::Function and
 * AWS::Serverless::Function (Globals merged before, template.c), with
 * CodeUri a folder or .zip relative to the template; secrets
 * (template_secret.c) and databases (template_rds.c) mapped first. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/template_internal.h"

/* CodeUri: relative to the template, no "..", no absolute path, and no
 * symbolic link on the way (each component opened with O_NOFOLLOW from
 * the template's folder): a template must not make vpcsim, as root, read
 * outside its folder. 0, or -1 reported. */
static int code_path_check(struct tctx *c, const char *uri, const char *path)
{
	char *dup = strdup(c->file), *dir = dirname(dup), *p = strdup(uri), *save = NULL;
	int fd = open(dir, O_PATH | O_DIRECTORY), rc = 0;
	struct stat st;

	if (uri[0] == '/' || strstr(uri, "://"))
		rc = -1;
	for (char *tok = strtok_r(p, "/", &save); !rc && tok; tok = strtok_r(NULL, "/", &save)) {
		int nfd;

		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..") || fd < 0) {
			rc = -1;
			break;
		}
		nfd = openat(fd, tok, O_PATH | O_NOFOLLOW);
		close(fd);
		fd = nfd;
		if (fd < 0 || fstat(fd, &st) < 0 || S_ISLNK(st.st_mode))
			rc = -1;
	}
	if (rc < 0)
		tmpl_error(c, path, "InvalidParameterValue", "'%s': give a folder or .zip "
			   "inside the template's folder, by a relative path without '..' nor "
			   "symbolic links (%s)", uri, fd < 0 && errno == ENOENT ? "it does not exist"
			   : "S3 locations and links are not followed");
	if (fd >= 0)
		close(fd);
	free(dup);
	free(p);
	return rc;
}

/* VpcConfig into the function's vpc_config. */
static int vpc_config(struct tctx *c, const char *id, const cJSON *vc, cJSON *fn)
{
	static const char *const keys[] = { "SubnetIds", "SecurityGroupIds" };
	static const char *const types[] = { "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup" };
	static const char *const out[] = { "subnets", "security_groups" };
	cJSON *o = cJSON_AddObjectToObject(fn, "vpc_config");
	int rc = 0;

	for (int k = 0; k < 2; k++) {
		cJSON *arr = cJSON_AddArrayToObject(o, out[k]);
		const cJSON *it;
		int i = 0;

		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(vc, keys[k])) {
			char path[TPATH_LEN], name[64];

			snprintf(path, sizeof(path), "Resources.%s.Properties.VpcConfig.%s[%d]", id,
				 keys[k], i++);
			if (tmpl_ref_at(c, it, path, types[k], true, name, sizeof(name)))
				cJSON_AddItemToArray(arr, cJSON_CreateString(name));
			else
				rc = -1;
		}
	}
	return rc;
}

static int environment(struct tctx *c, const char *id, const cJSON *env, cJSON *fn)
{
	cJSON *o = cJSON_AddObjectToObject(fn, "environment");
	const cJSON *v;

	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(env, "Variables")) {
		char path[TPATH_LEN];
		char *s;

		snprintf(path, sizeof(path), "Resources.%s.Properties.Environment.Variables.%s", id,
			 v->string);
		if (!(s = tmpl_string(c, v, path)))
			return -1;
		cJSON_AddStringToObject(o, v->string, s);
		free(s);
	}
	return 0;
}

/* A local package path v (CodeUri, ContentUri, ImageUri) at path into
 * o[key]; 0 (a non-string listed as not mapped), or -1 reported. */
static int local_path(struct tctx *c, const cJSON *v, const char *path, cJSON *o,
		      const char *key)
{
	if (!cJSON_IsString(v)) {
		tmpl_unmapped(c, path, "code in S3 or inline is not simulated; give a local "
			      "folder or .zip");
		return 0;
	}
	if (strstr(v->valuestring, ".dkr.ecr.") || strchr(v->valuestring, '@')) {
		tmpl_unmapped(c, path, "an image in a registry is not pulled: give a local "
			      "`docker save` / `podman save` archive or OCI layout folder");
		return 0;
	}
	if (code_path_check(c, v->valuestring, path) < 0)
		return -1;
	cJSON_AddStringToObject(o, key, v->valuestring);
	return 0;
}

/* ImageConfig {Command, EntryPoint, WorkingDirectory} as image_config. */
static void image_config(const cJSON *ic, cJSON *fn)
{
	static const char *const in[] = { "Command", "EntryPoint", "WorkingDirectory" };
	static const char *const out[] = { "command", "entry_point", "working_directory" };
	cJSON *o = NULL;

	for (int i = 0; i < 3; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(ic, in[i]);

		if (!v)
			continue;
		if (!o)
			o = cJSON_AddObjectToObject(fn, "image_config");
		cJSON_AddItemToObject(o, out[i], cJSON_Duplicate(v, true));
	}
}

/* Code (Lambda::Function: Code is a string path as `sam build` and
 * `aws cloudformation package` leave it, or an object with ImageUri),
 * CodeUri, or ImageUri (PackageType Image): a local archive. */
static int code(struct tctx *c, const char *id, const cJSON *p, cJSON *fn)
{
	const cJSON *uri = cJSON_GetObjectItemCaseSensitive(p, "CodeUri");
	const cJSON *img = cJSON_GetObjectItemCaseSensitive(p, "ImageUri");
	const char *key = uri ? "CodeUri" : img ? "ImageUri" : "Code";
	char path[TPATH_LEN];

	if (!uri && !img)
		uri = cJSON_GetObjectItemCaseSensitive(p, "Code");
	if (!img && cJSON_GetObjectItemCaseSensitive(uri, "ImageUri")) {
		img = cJSON_GetObjectItemCaseSensitive(uri, "ImageUri");
		key = "Code.ImageUri";
	}
	snprintf(path, sizeof(path), "Resources.%s.Properties.%s", id, key);
	if (img) {
		int rc = local_path(c, img, path, fn, "image");

		if (cJSON_GetObjectItemCaseSensitive(fn, "image"))
			image_config(cJSON_GetObjectItemCaseSensitive(p, "ImageConfig"), fn);
		return rc;
	}
	return uri ? local_path(c, uri, path, fn, "code") : 0;
}

/* Layers: each a !Ref of a LayerVersion of the template, as its local
 * ContentUri (Content, for Lambda::LayerVersion); ARNs are listed. */
static int layers(struct tctx *c, const char *id, const cJSON *p, cJSON *fn)
{
	const cJSON *it;
	cJSON *out = cJSON_AddArrayToObject(fn, "layers");
	int i = 0, rc = 0;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(p, "Layers")) {
		const char *to = tmpl_ref_id(it);
		const cJSON *lp = to ? cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(c->evaluated, to), "Properties") : NULL;
		const cJSON *uri = cJSON_GetObjectItemCaseSensitive(lp, "ContentUri");
		char path[TPATH_LEN];

		snprintf(path, sizeof(path), "Resources.%s.Properties.Layers[%d]", id, i++);
		if (!uri)
			uri = cJSON_GetObjectItemCaseSensitive(lp, "Content");
		if (cJSON_IsString(it)) {
			tmpl_unmapped(c, path, "a layer by ARN is not simulated: give a "
				      "LayerVersion of the template with a local ContentUri");
		} else if (!to || !strstr(tmpl_type(c, to), "::LayerVersion")) {
			tmpl_error(c, path, "UnresolvedReference", "a layer must be a !Ref of an "
				   "AWS::Serverless::LayerVersion or AWS::Lambda::LayerVersion");
			rc = -1;
		} else if (cJSON_IsString(uri)) {
			cJSON_AddItemToArray(out, cJSON_CreateString(uri->valuestring));
		}
	}
	if (!cJSON_GetArraySize(out))
		cJSON_DeleteItemFromObjectCaseSensitive(fn, "layers");
	return rc;
}

/* A LayerVersion: its ContentUri (Content) checked as a package path. */
static int map_layer(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "ContentUri", "Content", "LayerName",
		"Description", "CompatibleRuntimes", "LicenseInfo", NULL };
	const char *key = cJSON_GetObjectItemCaseSensitive(p, "ContentUri") ? "ContentUri" : "Content";
	char path[TPATH_LEN];
	cJSON *scratch = cJSON_CreateObject();
	int rc;

	(void)topo;
	snprintf(path, sizeof(path), "Resources.%s.Properties.%s", id, key);
	rc = local_path(c, cJSON_GetObjectItemCaseSensitive(p, key), path, scratch, "layer");
	cJSON_Delete(scratch);
	tmpl_rest_unmapped(c, id, p, known);
	return rc;
}

static int map_function(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "FunctionName", "Handler", "Runtime", "CodeUri",
		"Code", "MemorySize", "Timeout", "Environment", "VpcConfig",
		"ReservedConcurrentExecutions", "EphemeralStorage", "ImageUri", "ImageConfig",
		"PackageType", "Layers", "Events", "EventInvokeConfig", NULL };
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(p, "Runtime");
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(p, "Handler");
	const cJSON *vc = cJSON_GetObjectItemCaseSensitive(p, "VpcConfig");
	const cJSON *es = cJSON_GetObjectItemCaseSensitive(p, "EphemeralStorage");
	const cJSON *rc_ = cJSON_GetObjectItemCaseSensitive(p, "ReservedConcurrentExecutions");
	cJSON *fn = cJSON_CreateObject();
	char name[64];
	int rc = 0;

	tmpl_name(c, id, name, sizeof(name));
	cJSON_AddStringToObject(fn, "name", name);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(topo, "functions"), fn);
	cJSON_AddNumberToObject(fn, "memory_mb", (double)tmpl_num(
		cJSON_GetObjectItemCaseSensitive(p, "MemorySize"), 128));
	cJSON_AddNumberToObject(fn, "timeout_s", (double)tmpl_num(
		cJSON_GetObjectItemCaseSensitive(p, "Timeout"), 3));
	if (es)
		cJSON_AddNumberToObject(fn, "ephemeral_storage_mb", (double)tmpl_num(
			cJSON_GetObjectItemCaseSensitive(es, "Size"), 512));
	if (rc_)
		cJSON_AddNumberToObject(fn, "reserved_concurrency", (double)tmpl_num(rc_, 0));
	if (cJSON_IsString(rt))
		cJSON_AddStringToObject(fn, "runtime", rt->valuestring);
	if (cJSON_IsString(h))
		cJSON_AddStringToObject(fn, "handler", h->valuestring);
	rc |= code(c, id, p, fn);
	rc |= layers(c, id, p, fn);
	rc |= tmpl_events(c, id, p, fn);
	if (cJSON_GetObjectItemCaseSensitive(p, "Environment"))
		rc |= environment(c, id, cJSON_GetObjectItemCaseSensitive(p, "Environment"), fn);
	if (vc && (cJSON_GetObjectItemCaseSensitive(vc, "SubnetIds") ||
		   cJSON_GetObjectItemCaseSensitive(vc, "SecurityGroupIds")))
		rc |= vpc_config(c, id, vc, fn);
	tmpl_rest_unmapped(c, id, p, known);
	return rc;
}

int tmpl_map_compute(struct tctx *c, cJSON *topo)
{
	static const struct tmpl_step steps[] = {
		{ "AWS::Serverless::LayerVersion", map_layer, NULL },
		{ "AWS::Lambda::LayerVersion", map_layer, NULL },
		{ "AWS::Lambda::Function", map_function, NULL },
		{ "AWS::Serverless::Function", map_function, NULL },
	};

	if (tmpl_map_secrets(c, topo) < 0 || tmpl_map_rds(c, topo) < 0 ||
	    tmpl_map_aws(c, topo) < 0)
		return -1;
	return tmpl_run(c, topo, steps, sizeof(steps) / sizeof(steps[0])) < 0 ? -1 : 0;
}
