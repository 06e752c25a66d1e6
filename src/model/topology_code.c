/* Function code keys of the topology file; see topology_code.h. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "util/dlib.h"
#include "util/err.h"
#include "model/topology_code.h"
#include "model/topology.h"
#include "model/topology_internal.h"

#define CODE_LAMBDA "InvalidParameterValueException"

/* Every value of Lambda's Runtime enum (CreateFunction's "Member must
 * satisfy enum value set"), deprecated ones included, in AWS's order. */
static const char *const aws_runtimes[] = {
	"nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x",
	"nodejs14.x", "nodejs16.x", "java8", "java8.al2", "java11", "python2.7",
	"python3.6", "python3.7", "python3.8", "python3.9", "dotnetcore1.0",
	"dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8",
	"nodejs4.3-edge", "go1.x", "ruby2.5", "ruby2.7", "provided", "provided.al2",
	"nodejs18.x", "python3.10", "java17", "ruby3.2", "ruby3.3", "ruby3.4",
	"python3.11", "nodejs20.x", "provided.al2023", "python3.12", "java21",
	"python3.13", "nodejs22.x", "python3.14", "nodejs24.x", NULL,
};

bool runtime_id_known(const char *id)
{
	for (int i = 0; aws_runtimes[i]; i++)
		if (!strcmp(id, aws_runtimes[i]))
			return true;
	return false;
}

enum runtime_family runtime_family_of(const char *id)
{
	if (!runtime_id_known(id))
		return RUNTIME_NONE;
	if (!strncmp(id, "provided", 8))
		return RUNTIME_PROVIDED;
	if (!strncmp(id, "python3.", 8))
		return RUNTIME_PYTHON;
	if (!strncmp(id, "nodejs", 6) && strlen(id) > 8 && !strcmp(id + strlen(id) - 2, ".x"))
		return RUNTIME_NODEJS;
	/* The JDK Debian bookworm packages is OpenJDK 17: classes built for
	 * java21 would not load on it (UnsupportedClassVersionError). */
	if (!strcmp(id, "java17"))
		return RUNTIME_JAVA;
	return RUNTIME_NONE;
}

static void runtime_list(char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; aws_runtimes[i] && len + 32 < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", i ? ", " : "",
					aws_runtimes[i]);
}

/* `p` relative to the folder of `file` (unless absolute), malloc'ed. */
static char *path_resolve(const char *file, const char *p)
{
	char dir[PATH_MAX], *slash, *out;

	if (p[0] == '/' || !file || !strchr(file, '/')) {
		if (p[0] == '/' || !realpath(".", dir))
			return topo_strdup(p);
	} else {
		snprintf(dir, sizeof(dir), "%s", file);
		slash = strrchr(dir, '/');
		*slash = '\0';
		if (dir[0] != '/') {
			char abs[PATH_MAX];

			if (realpath(dir, abs))
				snprintf(dir, sizeof(dir), "%s", abs);
		}
	}
	if (asprintf(&out, "%s/%s", dir, p) < 0)
		abort();
	return out;
}

static char *path_key2(char buf[PATH_LEN], const char *base, const char *key)
{
	snprintf(buf, PATH_LEN, "%s.%s", base, key);
	return buf;
}

/* Sum of regular file sizes under a folder, the walk stopped as soon as
 * it passes `limit` (a mistaken "/" must not walk the whole disk). nftw
 * keeps no user data, hence the statics. */
static long long tree_bytes, tree_limit;
static int tree_add(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	if (flag == FTW_F && S_ISREG(st->st_mode))
		tree_bytes += st->st_size;
	return tree_bytes > tree_limit;
}

static long long folder_size(const char *dir, long long limit)
{
	tree_bytes = 0;
	tree_limit = limit;
	if (nftw(dir, tree_add, 32, FTW_PHYS | FTW_MOUNT) < 0)
		return -1;
	return tree_bytes;
}

/* Unzipped size of an archive, counted on the data it really holds (the
 * sizes its headers state may lie: issue 18), stopping once past `limit`;
 * or -1 with *why set. */
static long long archive_unpacked_size(const char *path, long long limit, const char **why)
{
	struct archive *a;
	struct archive_entry *e;
	long long total = 0;
	const void *buf;
	size_t size;
	la_int64_t off;
	int r = ARCHIVE_OK;

	if (dlib_load(DLIB_ARCHIVE) < 0) {
		*why = err_msg();
		return -1;
	}
	a = sym_archive_read_new();
	sym_archive_read_support_format_zip(a);
	if (sym_archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
		*why = sym_archive_error_string(a);
		sym_archive_read_free(a);
		return -1;
	}
	while (total <= limit && (r = sym_archive_read_next_header(a, &e)) == ARCHIVE_OK)
		while (total <= limit &&
		       (r = sym_archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK)
			total += (long long)size;
	if (total <= limit && r != ARCHIVE_EOF) {
		*why = sym_archive_error_string(a);
		total = -1;
	}
	sym_archive_read_free(a);
	return total;
}

/* The zip's unzipped size (-1 when it is refused: *d says why). */
static long long check_zip(const char *kp, const char *path, const struct stat *st,
			   struct diags *d)
{
	const char *why = NULL;
	long long n;

	if (st->st_size > CODE_ZIPPED_MAX) {
		topo_error(d, kp, "RequestEntityTooLargeException",
			   "Request must be smaller than %lld bytes for the CreateFunction "
			   "operation (%s is %lld bytes zipped; Lambda's limit is 50 MB)",
			   CODE_ZIPPED_MAX, path, (long long)st->st_size);
		return -1;
	}
	n = archive_unpacked_size(path, CODE_UNZIPPED_MAX, &why);
	if (n < 0)
		topo_error(d, kp, CODE_LAMBDA, "Could not unzip uploaded file. Please check your "
			   "file, then try to upload again. (%s: %s)", path, why ? why : "unreadable");
	else if (n > CODE_UNZIPPED_MAX)
		topo_error(d, kp, CODE_LAMBDA, "Unzipped size must be smaller than %lld bytes "
			   "(%s unzips to more than that, counted on its data)", CODE_UNZIPPED_MAX,
			   path);
	return n > CODE_UNZIPPED_MAX ? -1 : n;
}

/* A package or a layer: a folder or a .zip. Its kind, and its files'
 * bytes (-1 when refused). */
static long long package_size(const char *kp, const char *path, const char *what,
			      enum code_kind *kind, struct diags *d)
{
	struct stat st;
	size_t len = strlen(path);
	long long n;

	if (stat(path, &st) < 0) {
		topo_error(d, kp, CODE_LAMBDA, "The %s %s cannot be read: %s; give a folder or a "
			   ".zip, relative to the topology file", what, path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		*kind = CODE_DIR;
		n = folder_size(path, CODE_UNZIPPED_MAX);
		if (n > CODE_UNZIPPED_MAX)
			topo_error(d, kp, CODE_LAMBDA, "Unzipped size must be smaller than %lld "
				   "bytes (the folder %s holds more)", CODE_UNZIPPED_MAX, path);
		return n > CODE_UNZIPPED_MAX ? -1 : n;
	}
	/* A .jar is a zip, as Lambda takes one for a Java function. */
	if (!S_ISREG(st.st_mode) || len < 4 ||
	    (strcmp(path + len - 4, ".zip") && strcmp(path + len - 4, ".jar"))) {
		topo_error(d, kp, CODE_LAMBDA, "The %s %s is neither a folder nor a .zip (or .jar) "
			   "file", what, path);
		return -1;
	}
	*kind = CODE_ZIP;
	return check_zip(kp, path, &st, d);
}

static void parse_code_path(const char *kp, const char *path, struct function_code *c,
			    struct diags *d)
{
	c->unzipped = package_size(kp, path, "code package", &c->kind, d);
}

/* `layers`: up to 5 zips or folders, unzipped together with the code
 * within Lambda's 250 MB (its CreateFunction messages). */
static void parse_layers(const cJSON *j, const char *path, const char *file,
			 struct function_code *c, struct diags *d)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "layers"), *e;
	char kp[PATH_LEN], ep[PATH_LEN + 16];
	long long total = c->unzipped, n;
	bool sized = c->unzipped >= 0;

	if (!a)
		return;
	path_key2(kp, path, "layers");
	if (!cJSON_IsArray(a)) {
		topo_error(d, kp, "InvalidType", "'layers' must be an array of paths (zips or "
			   "folders)");
		return;
	}
	if (cJSON_GetObjectItemCaseSensitive(j, "image"))
		return; /* check_combination() refuses layers on an image */
	if (cJSON_GetArraySize(a) > CODE_LAYERS_MAX) {
		topo_error(d, kp, CODE_LAMBDA, "Cannot reference more than %d layers. (%d given: "
			   "merge some into one zip)", CODE_LAYERS_MAX, cJSON_GetArraySize(a));
		return;
	}
	cJSON_ArrayForEach(e, a) {
		snprintf(ep, sizeof(ep), "%s[%d]", kp, c->n_layers);
		if (!cJSON_IsString(e) || !e->valuestring[0]) {
			topo_error(d, ep, "InvalidType", "a layer must be a non-empty path string");
			sized = false;
			continue;
		}
		c->layers[c->n_layers] = path_resolve(file, e->valuestring);
		n = package_size(ep, c->layers[c->n_layers], "layer",
				 &c->layer_kind[c->n_layers], d);
		c->n_layers++;
		sized &= n >= 0;
		total += n;
	}
	if (sized && total > CODE_UNZIPPED_MAX)
		topo_error(d, kp, CODE_LAMBDA, "Function code combined with layers exceeds the "
			   "maximum allowed size of %lld bytes. The actual size is %lld bytes.",
			   CODE_UNZIPPED_MAX, total);
}

static void parse_image_path(const char *kp, const char *path, struct function_code *c,
			     struct diags *d)
{
	char probe[PATH_MAX];
	struct stat st;
	long long n;

	if (stat(path, &st) < 0) {
		topo_error(d, kp, CODE_LAMBDA, "The image %s cannot be read: %s; give an OCI image "
			   "layout folder or a `docker save` archive", path, strerror(errno));
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(probe, sizeof(probe), "%s/index.json", path);
		if (access(probe, R_OK) < 0) {
			topo_error(d, kp, CODE_LAMBDA, "The folder %s is not an OCI image layout "
				   "(it has no index.json)", path);
			return;
		}
		c->kind = CODE_IMAGE_OCI;
		n = folder_size(path, CODE_IMAGE_MAX);
	} else {
		c->kind = CODE_IMAGE_TAR;
		n = st.st_size;
	}
	if (n > CODE_IMAGE_MAX)
		topo_error(d, kp, CODE_LAMBDA, "The image %s is %lld bytes; a container image "
			   "may be at most %lld bytes (10 GB)", path, n, CODE_IMAGE_MAX);
}

/* A string list key: n stays -1 when absent. */
static void parse_strlist(const cJSON *obj, const char *path, const char *key,
			  struct strlist *out, struct diags *d)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, key), *e;
	char kp[PATH_LEN];

	out->n = -1;
	if (!a)
		return;
	path_key2(kp, path, key);
	if (!cJSON_IsArray(a)) {
		topo_error(d, kp, "InvalidType", "'%s' must be an array of strings", key);
		return;
	}
	out->v = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(char *));
	if (!out->v)
		abort();
	out->n = 0;
	cJSON_ArrayForEach(e, a) {
		if (!cJSON_IsString(e)) {
			topo_error(d, kp, "InvalidType", "'%s' must be an array of strings", key);
			continue;
		}
		out->v[out->n++] = topo_strdup(e->valuestring);
	}
}

static void parse_image_config(const cJSON *j, const char *path, struct function_code *c,
			       struct diags *d)
{
	static const char *const keys[] = { "entry_point", "command", "working_directory", NULL };
	const cJSON *ic = cJSON_GetObjectItemCaseSensitive(j, "image_config"), *e, *w;
	char kp[PATH_LEN], ep[PATH_LEN];

	c->entry_point.n = c->command.n = -1;
	if (!ic)
		return;
	path_key2(kp, path, "image_config");
	if (!cJSON_GetObjectItemCaseSensitive(j, "image")) {
		topo_error(d, kp, CODE_LAMBDA, "image_config applies only to a function with an "
			   "`image`");
		return;
	}
	if (!cJSON_IsObject(ic)) {
		topo_error(d, kp, "InvalidType", "'image_config' must be an object");
		return;
	}
	cJSON_ArrayForEach(e, ic) {
		bool ok = false;

		for (int i = 0; keys[i]; i++)
			ok |= !strcmp(e->string, keys[i]);
		if (!ok)
			topo_error(d, path_key2(ep, kp, e->string), "UnknownKey", "Unknown key "
				   "'%s' in image_config (known: entry_point, command, "
				   "working_directory)", e->string);
	}
	parse_strlist(ic, kp, "entry_point", &c->entry_point, d);
	parse_strlist(ic, kp, "command", &c->command, d);
	w = cJSON_GetObjectItemCaseSensitive(ic, "working_directory");
	if (w && (!cJSON_IsString(w) || w->valuestring[0] != '/'))
		topo_error(d, path_key2(ep, kp, "working_directory"), CODE_LAMBDA,
			   "working_directory must be an absolute path string");
	else if (w)
		c->working_directory = topo_strdup(w->valuestring);
}

static void parse_runtime(const cJSON *rt, const char *path, struct function_code *c,
			  struct diags *d)
{
	char kp[PATH_LEN], list[2048];

	path_key2(kp, path, "runtime");
	if (!cJSON_IsString(rt)) {
		topo_error(d, kp, "InvalidType", "'runtime' must be a string");
		return;
	}
	c->runtime = topo_strdup(rt->valuestring);
	if (!runtime_id_known(rt->valuestring)) {
		runtime_list(list, sizeof(list));
		topo_error(d, kp, "ValidationException", "Value '%s' at 'runtime' failed to "
			   "satisfy constraint: Member must satisfy enum value set: [%s]",
			   rt->valuestring, list);
		return;
	}
	c->family = runtime_family_of(rt->valuestring);
	if (c->family == RUNTIME_NONE)
		topo_error(d, kp, CODE_LAMBDA, "The runtime '%s' is valid on Lambda but vpcsim "
			   "runs only provided.al2023, provided.al2, provided, python3.x, "
			   "nodejs<N>.x and java17 (the machine's OpenJDK 17); use one of them, "
			   "or provided.al2023 with your own bootstrap", rt->valuestring);
}

/* Which keys go together, as CreateFunction says. */
static void check_combination(const char *path, const char *handler, bool has_code,
			      bool has_image, const struct function_code *c, struct diags *d,
			      bool has_layers)
{
	char kp[PATH_LEN];

	if (has_image) {
		if (c->runtime || handler || has_code || has_layers)
			topo_error(d, path, CODE_LAMBDA, "Please don't provide Handler or Runtime "
				   "or Layer when the intended function PackageType is Image "
				   "(remove runtime, handler, code and layers, or image)");
		return;
	}
	if (c->runtime && !has_code)
		topo_error(d, path_key2(kp, path, "code"), "MissingParameter", "A function with "
			   "a runtime needs its code: \"code\": a folder or a .zip");
	if (has_code && !c->runtime)
		topo_error(d, path_key2(kp, path, "runtime"), CODE_LAMBDA, "Runtime and Handler "
			   "are mandatory parameters for functions created with deployment packages.");
	if (has_code && (c->family == RUNTIME_PYTHON || c->family == RUNTIME_NODEJS) &&
	    (!handler || !strchr(handler, '.')))
		topo_error(d, path_key2(kp, path, "handler"), CODE_LAMBDA, "Runtime and Handler "
			   "are mandatory parameters for functions created with deployment "
			   "packages; a %s handler is FILE.FUNCTION, e.g. \"app.handler\"",
			   c->runtime);
	if (has_code && c->family == RUNTIME_JAVA && (!handler || !handler[0]))
		topo_error(d, path_key2(kp, path, "handler"), CODE_LAMBDA, "Runtime and Handler "
			   "are mandatory parameters for functions created with deployment "
			   "packages; a %s handler is package.Class::method or package.Class "
			   "(a RequestHandler), e.g. \"example.Handler::handleRequest\"", c->runtime);
}

void function_code_parse(const cJSON *j, const char *path, const char *file,
			 const char *handler, struct function_code *c, struct diags *d)
{
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(j, "runtime");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "code");
	const cJSON *img = cJSON_GetObjectItemCaseSensitive(j, "image");
	char kp[PATH_LEN];

	memset(c, 0, sizeof(*c));
	c->entry_point.n = c->command.n = -1;
	if (rt)
		parse_runtime(rt, path, c, d);
	if (code && img) {
		topo_error(d, path_key2(kp, path, "image"), CODE_LAMBDA, "A function has either "
			   "`code` (a package) or `image` (a container image), not both");
	} else if (code || img) {
		const char *key = code ? "code" : "image";
		const cJSON *v = code ? code : img;

		path_key2(kp, path, key);
		if (!cJSON_IsString(v) || !v->valuestring[0]) {
			topo_error(d, kp, "InvalidType", "'%s' must be a non-empty path string", key);
		} else {
			c->path = path_resolve(file, v->valuestring);
			if (code)
				parse_code_path(kp, c->path, c, d);
			else
				parse_image_path(kp, c->path, c, d);
		}
	}
	parse_image_config(j, path, c, d);
	parse_layers(j, path, file, c, d);
	check_combination(path, handler, code != NULL, img != NULL, c, d,
			  cJSON_GetObjectItemCaseSensitive(j, "layers") != NULL);
}

static void strlist_free(struct strlist *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = -1;
}

void function_code_free(struct function_code *c)
{
	free(c->runtime);
	free(c->path);
	free(c->working_directory);
	strlist_free(&c->entry_point);
	strlist_free(&c->command);
	for (int i = 0; i < c->n_layers; i++)
		free(c->layers[i]);
	memset(c, 0, sizeof(*c));
}

/* The relative paths of a `layers` array made absolute; how many. */
static int layers_absolute(cJSON *layers, const char *file)
{
	cJSON *e;
	int changed = 0;

	cJSON_ArrayForEach(e, layers) {
		char *abs;

		if (!cJSON_IsString(e) || !e->valuestring[0] || e->valuestring[0] == '/')
			continue;
		abs = path_resolve(file, e->valuestring);
		cJSON_SetValuestring(e, abs);
		free(abs);
		changed++;
	}
	return changed;
}

char *function_code_absolute_paths(const char *text, size_t len, const char *file)
{
	cJSON *root = cJSON_ParseWithLength(text, len), *fns, *f;
	char *out = NULL;
	int changed = 0;

	if (!root)
		return NULL;
	fns = cJSON_GetObjectItemCaseSensitive(root, "functions");
	cJSON_ArrayForEach(f, fns) {
		static const char *const keys[] = { "code", "image" };

		for (int k = 0; k < 2; k++) {
			cJSON *v = cJSON_GetObjectItemCaseSensitive(f, keys[k]);
			char *abs;

			if (!cJSON_IsString(v) || !v->valuestring[0] || v->valuestring[0] == '/')
				continue;
			abs = path_resolve(file, v->valuestring);
			cJSON_ReplaceItemInObjectCaseSensitive(f, keys[k], cJSON_CreateString(abs));
			free(abs);
			changed++;
		}
		changed += layers_absolute(cJSON_GetObjectItemCaseSensitive(f, "layers"), file);
	}
	/* Nothing relative: NULL, and the caller keeps the bytes as parsed. */
	if (changed)
		out = cJSON_Print(root);
	cJSON_Delete(root);
	return out;
}
