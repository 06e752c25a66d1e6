/* Code packages and images; see codepkg.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "lambda/codepkg.h"
#include "lambda/imgroot.h"
#include "lambda/unpack.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/fsat.h"
#include "util/paths.h"

/* What an unpacking may write (docs/PACKAGING.md): Lambda's 250 MB for a
 * package, its 10 GB for an image; as many members as a large
 * node_modules or a distribution's root holds ten times over. */
static const struct unpack_limits package_limits = { CODE_UNZIPPED_MAX, 1000000 };
static const struct unpack_limits image_limits = { CODE_IMAGE_MAX, 1000000 };

/* rm -r of one of vpcsim's own folders, whatever an archive left in it:
 * nothing inside is followed. */
static void rm_tree(const char *dir)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(dir, '/');
	int fd;

	if (!slash || !slash[1])
		return;
	snprintf(parent, sizeof(parent), "%.*s", slash == dir ? 1 : (int)(slash - dir), dir);
	fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	fsat_remove(fd, slash + 1);
	close(fd);
}

static int open_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	return fd < 0 ? errf(errno, "opening %s: %s", path, strerror(errno)) : fd;
}

/* "size mtime" of a file: unpack again when it changes. */
static void stamp_of(const char *path, char out[64])
{
	struct stat st;

	out[0] = '\0';
	if (stat(path, &st) == 0)
		snprintf(out, 64, "%lld %lld\n", (long long)st.st_size, (long long)st.st_mtime);
}

static bool stamp_matches(const char *file, const char *stamp)
{
	char buf[64] = "";
	FILE *f = fopen(file, "re");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return !strcmp(buf, stamp);
}

static void stamp_write(const char *file, const char *stamp)
{
	FILE *f = fopen(file, "we");

	if (f) {
		fputs(stamp, f);
		fclose(f);
	}
}

/* The zip at `zip` unpacked into the folder `dir` (made; `clear`, its
 * folder or one above, emptied first and again on failure), its data
 * counted in *n against lim; `mark` gets the zip's stamp, and a matching
 * mark means it is unpacked already. */
static int zip_into(const char *zip, const char *dir, const char *clear, const char *mark,
		    const char *what, const struct unpack_limits *lim, struct unpack_count *n)
{
	char stamp[64];
	int err = 0, root;

	stamp_of(zip, stamp);
	if (stamp_matches(mark, stamp))
		return 0;
	unlink(mark);
	rm_tree(clear);
	if ((err = mkdir_p(dir, 0755)) < 0 || (root = open_dir(dir)) < 0)
		return err < 0 ? err : root;
	fchmod(root, 0755);
	err = unpack_package(zip, NULL, 0, root, lim, n, what);
	close(root);
	if (err < 0) {
		rm_tree(clear);
		return err;
	}
	stamp_write(mark, stamp);
	return 0;
}

/* The function's code folder is made by one cold start at a time: two of
 * the same function would unpack into the same folder (serve makes
 * environments concurrently). Held by the returned fd until closed. */
static int code_lock(const char *state_dir, const char *fn)
{
	char path[PATH_MAX];

	int err;

	snprintf(path, sizeof(path), "%s/code", state_dir);
	if ((err = mkdir_p(path, 0755)) < 0)
		return err;
	snprintf(path, sizeof(path), "%s/code/.%s.lock", state_dir, fn);
	return file_lock(path, LOCK_EX, true);
}

static int task_dir_locked(const char *state_dir, const char *fn, const struct function_code *c,
			   char out[PATH_MAX])
{
	char base[PATH_MAX], mark[PATH_MAX + 16];
	struct unpack_count n = { 0 };
	int err;

	snprintf(base, sizeof(base), "%s/code/%s", state_dir, fn);
	snprintf(out, PATH_MAX, "%s/task", base);
	snprintf(mark, sizeof(mark), "%s/unpacked", base);
	err = zip_into(c->path, out, base, mark, c->path, &package_limits, &n);
	return err < 0 ? errf_prefix(err, "unpacking the code package of %s", fn) : 0;
}

static int layers_locked(const char *state_dir, const char *fn, const struct function_code *c,
			 char out[][PATH_MAX], int *n)
{
	struct unpack_limits lim = { CODE_UNZIPPED_MAX - (c->unzipped > 0 ? c->unzipped : 0),
				     package_limits.max_entries };
	struct unpack_count count = { 0 };
	char mark[PATH_MAX + 16], what[PATH_MAX + 32];
	int err;

	*n = 0;
	for (int i = 0; i < c->n_layers; i++) {
		if (c->layer_kind[i] == CODE_DIR) {
			snprintf(out[i], PATH_MAX, "%s", c->layers[i]);
			continue;
		}
		snprintf(out[i], PATH_MAX, "%s/layers/%s/%d", state_dir, fn, i);
		snprintf(mark, sizeof(mark), "%s.unpacked", out[i]);
		snprintf(what, sizeof(what), "layer %d (%s)", i, c->layers[i]);
		err = zip_into(c->layers[i], out[i], out[i], mark, what, &lim, &count);
		if (err < 0)
			return errf_prefix(err, "unpacking the layers of %s", fn);
	}
	*n = c->n_layers;
	return 0;
}

int codepkg_layers(const char *state_dir, const char *fn, const struct function_code *c,
		   char out[][PATH_MAX], int *n)
{
	int lock, err;

	*n = 0;
	if (c->n_layers == 0)
		return 0;
	if ((lock = code_lock(state_dir, fn)) < 0)
		return lock;
	err = layers_locked(state_dir, fn, c, out, n);
	close(lock);
	return err;
}

int codepkg_task_dir(const char *state_dir, const char *fn, const struct function_code *c,
		     char out[PATH_MAX])
{
	int lock, err;

	if (c->kind == CODE_DIR) {
		snprintf(out, PATH_MAX, "%s", c->path);
		return 0;
	}
	if ((lock = code_lock(state_dir, fn)) < 0)
		return lock;
	err = task_dir_locked(state_dir, fn, c, out);
	close(lock);
	return err;
}

int codepkg_runtimes_dir(char out[PATH_MAX])
{
	if (path_bundled(out, PATH_MAX, "VPCSIM_RUNTIMES_DIR", "runtimes", "python/bootstrap") < 0)
		return errf_prefix(ENOENT, "vpcsim's bundled runtimes are not installed");
	return 0;
}

/* ---- images ------------------------------------------------------------ */

static char **strv_of(const cJSON *a)
{
	const cJSON *e;
	char **v = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*v));
	int n = 0;

	cJSON_ArrayForEach(e, a)
		if (v && cJSON_IsString(e))
			v[n++] = strdup(e->valuestring);
	return v;
}

int image_config_parse(const char *text, struct image_spec *out)
{
	cJSON *j = cJSON_Parse(text), *cfg = cJSON_GetObjectItemCaseSensitive(j, "config");
	const char *wd = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cfg, "WorkingDir"));

	if (!j)
		return errf(EINVAL, "the image config is not JSON");
	out->entrypoint = strv_of(cJSON_GetObjectItemCaseSensitive(cfg, "Entrypoint"));
	out->cmd = strv_of(cJSON_GetObjectItemCaseSensitive(cfg, "Cmd"));
	out->env = strv_of(cJSON_GetObjectItemCaseSensitive(cfg, "Env"));
	snprintf(out->workdir, sizeof(out->workdir), "%s", wd ? wd : "");
	cJSON_Delete(j);
	return 0;
}

/* Unpack into out->rootfs (made empty), then the mount points; the
 * config's text into BASE/config.json, where a reuse reads it. */
static int image_unpack(const char *base, const struct function_code *c,
			struct image_spec *out)
{
	struct imgsrc s = { .name = c->path, .dir = -1 };
	struct unpack_count n = { 0 };
	char *config = NULL, cfg_path[PATH_MAX + 16];
	int err, root;

	if ((err = mkdir_p(out->rootfs, 0755)) < 0 || (root = open_dir(out->rootfs)) < 0)
		return err < 0 ? err : root;
	if (c->kind == CODE_IMAGE_TAR)
		s.path = c->path;
	else if ((s.dir = open(c->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		err = errf(errno, "opening the image folder %s: %s", c->path, strerror(errno));
	if (err == 0)
		err = imgroot_unpack(&s, root, &image_limits, &n, &config);
	if (err == 0)
		err = imgroot_prepare(root, c->path);
	if (err == 0)
		err = image_config_parse(config, out);
	snprintf(cfg_path, sizeof(cfg_path), "%s/config.json", base);
	if (err == 0)
		err = file_write_private(cfg_path, config, strlen(config), 1);
	free(config);
	close(root);
	if (s.dir >= 0)
		close(s.dir);
	return err;
}

static int image_locked(const char *state_dir, const char *fn, const struct function_code *c,
			struct image_spec *out)
{
	char base[PATH_MAX], mark[PATH_MAX + 16], stamp[64], cfg[PATH_MAX + 16];
	char *text;
	size_t len;
	int err;

	memset(out, 0, sizeof(*out));
	snprintf(base, sizeof(base), "%s/code/%s", state_dir, fn);
	snprintf(out->rootfs, sizeof(out->rootfs), "%s/rootfs", base);
	snprintf(mark, sizeof(mark), "%s/unpacked", base);
	snprintf(cfg, sizeof(cfg), "%s/config.json", base);
	stamp_of(c->kind == CODE_IMAGE_TAR ? c->path : mark, stamp);
	if (c->kind == CODE_IMAGE_TAR && stamp_matches(mark, stamp) &&
	    (text = file_read(cfg, &len))) {
		/* Unpacked already: the config again. */
		err = image_config_parse(text, out);
		free(text);
		return err;
	}
	rm_tree(base);
	if ((err = mkdir_p(base, 0755)) < 0 || (err = image_unpack(base, c, out)) < 0) {
		image_spec_free(out);
		rm_tree(base);
		return errf_prefix(err, "unpacking the image of %s", fn);
	}
	if (c->kind == CODE_IMAGE_TAR)
		stamp_write(mark, stamp);
	return 0;
}

int codepkg_image(const char *state_dir, const char *fn, const struct function_code *c,
		  struct image_spec *out)
{
	int lock = code_lock(state_dir, fn), err;

	memset(out, 0, sizeof(*out));
	if (lock < 0)
		return lock;
	err = image_locked(state_dir, fn, c, out);
	close(lock);
	return err;
}

int codepkg_image_current(const char *state_dir, const char *fn, const struct function_code *c,
			  struct image_spec *out)
{
	char cfg[PATH_MAX + 16], *text;
	size_t len;
	int err;

	if (c->kind == CODE_IMAGE_TAR)
		return codepkg_image(state_dir, fn, c, out);
	memset(out, 0, sizeof(*out));
	snprintf(out->rootfs, sizeof(out->rootfs), "%s/code/%s/rootfs", state_dir, fn);
	snprintf(cfg, sizeof(cfg), "%s/code/%s/config.json", state_dir, fn);
	if (!(text = file_read(cfg, &len)))
		return codepkg_image(state_dir, fn, c, out);
	err = image_config_parse(text, out);
	free(text);
	return err;
}

static void strv_free(char **v)
{
	for (int i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void image_spec_free(struct image_spec *s)
{
	strv_free(s->entrypoint);
	strv_free(s->cmd);
	strv_free(s->env);
	s->entrypoint = s->cmd = s->env = NULL;
}

const char *image_workdir(const struct function_code *c, const struct image_spec *im)
{
	return c->working_directory ? c->working_directory : im->workdir[0] ? im->workdir : "/";
}
