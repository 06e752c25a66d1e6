/* Code packages and images; see codepkg.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "util/dlib.h"
#include "lambda/codepkg.h"
#include "util/err.h"
#include "util/fs.h"

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p) < 0 && errno != ENOENT ? -1 : 0;
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

/* Extract archive `path` under `dir`. With `layer`, apply OCI whiteouts. */
static int extract(const char *path, const char *dir, bool layer, bool fix_perms)
{
	int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
		ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
		ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_UNLINK;
	struct archive *a, *w;
	struct archive_entry *e;
	char full[PATH_MAX * 2];
	int r, err = 0, cwd = -1;

	if ((err = dlib_load(DLIB_ARCHIVE)) < 0)
		return err;
	a = sym_archive_read_new();
	w = sym_archive_write_disk_new();
	sym_archive_read_support_format_all(a);
	sym_archive_read_support_filter_all(a);
	sym_archive_write_disk_set_options(w, flags);
	sym_archive_write_disk_set_standard_lookup(w);
	if (sym_archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
		err = errf(EINVAL, "opening %s: %s", path, sym_archive_error_string(a));
		goto out;
	}
	/* Names stay relative (the secure flags refuse absolute ones): the
	 * extraction runs in dir. vpcsim is single-threaded here. */
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || chdir(dir) < 0) {
		err = errf(errno, "entering %s: %s", dir, strerror(errno));
		goto out;
	}
	while ((r = sym_archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = sym_archive_entry_pathname(e);
		const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;

		if (layer && !strncmp(base, ".wh.", 4)) {
			/* Whiteout: the named entry of lower layers goes. */
			snprintf(full, sizeof(full), "%s/%.*s%s", dir, (int)(base - name), name,
				 strcmp(base, ".wh..wh..opq") ? base + 4 : "");
			if (!strstr(full, "/../"))
				rm_tree(full);
			continue;
		}
		if (fix_perms && sym_archive_entry_filetype(e) == AE_IFDIR)
			sym_archive_entry_set_perm(e, 0755);
		else if (fix_perms && sym_archive_entry_filetype(e) == AE_IFREG)
			sym_archive_entry_set_perm(e, sym_archive_entry_perm(e) & 0111 ? 0755 : 0644);
		if (sym_archive_write_header(w, e) != ARCHIVE_OK) {
			err = errf(EINVAL, "unpacking %s from %s: %s", name, path,
				   sym_archive_error_string(w));
			goto out;
		}
		const void *buf;
		size_t size;
		la_int64_t off;

		while ((r = sym_archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK)
			sym_archive_write_data_block(w, buf, size, off);
		sym_archive_write_finish_entry(w);
	}
	if (r != ARCHIVE_EOF)
		err = errf(EINVAL, "reading %s: %s", path, sym_archive_error_string(a));
out:
	sym_archive_read_free(a);
	sym_archive_write_free(w);
	if (cwd >= 0) {
		if (fchdir(cwd) < 0 && err == 0)
			err = errf(errno, "returning from %s: %s", dir, strerror(errno));
		close(cwd);
	}
	return err;
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

int codepkg_task_dir(const char *state_dir, const char *fn, const struct function_code *c,
		     char out[PATH_MAX])
{
	char base[PATH_MAX], mark[PATH_MAX + 16], stamp[64];
	int err;

	if (c->kind == CODE_DIR) {
		snprintf(out, PATH_MAX, "%s", c->path);
		return 0;
	}
	snprintf(base, sizeof(base), "%s/code/%s", state_dir, fn);
	snprintf(out, PATH_MAX, "%s/task", base);
	snprintf(mark, sizeof(mark), "%s/unpacked", base);
	stamp_of(c->path, stamp);
	if (stamp_matches(mark, stamp))
		return 0;
	rm_tree(base);
	if ((err = mkdir_p(out, 0755)) < 0)
		return err;
	chmod(out, 0755);
	if ((err = extract(c->path, out, false, true)) < 0)
		return errf_prefix(err, "unpacking the code package of %s", fn);
	stamp_write(mark, stamp);
	return 0;
}

int codepkg_runtimes_dir(char out[PATH_MAX])
{
	const char *env = getenv("VPCSIM_RUNTIMES_DIR");
	char exe[PATH_MAX], probe[PATH_MAX * 2];
	static const char *const rel[] = { "../runtimes", "../lib/vpcsim/runtimes" };
	ssize_t n;

	if (env && env[0]) {
		snprintf(out, PATH_MAX, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return errf(errno, "reading /proc/self/exe: %s", strerror(errno));
	exe[n] = '\0';
	dirname(exe);
	for (size_t i = 0; i < 2; i++) {
		snprintf(probe, sizeof(probe), "%s/%s/python/bootstrap", exe, rel[i]);
		if (access(probe, R_OK) == 0) {
			snprintf(probe, sizeof(probe), "%s/%s", exe, rel[i]);
			if (!realpath(probe, out))
				snprintf(out, PATH_MAX, "%s", probe);
			return 0;
		}
	}
	return errf(ENOENT, "vpcsim's bundled runtimes are not installed: neither %s/../runtimes "
		    "nor %s/../lib/vpcsim/runtimes exists (run `make install`, or set "
		    "VPCSIM_RUNTIMES_DIR)", exe, exe);
}

/* ---- images ------------------------------------------------------------ */

static cJSON *json_file(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re"), *m;
	cJSON *j;

	if (!f)
		return NULL;
	m = open_memstream(&text, &len);
	for (int ch; m && (ch = fgetc(f)) != EOF;)
		fputc(ch, m);
	fclose(f);
	if (!m)
		return NULL;
	fclose(m);
	j = cJSON_ParseWithLength(text, len);
	free(text);
	return j;
}

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

/* blobs/sha256/HEX of "sha256:HEX" under dir. */
static void blob_path(const char *dir, const char *digest, char out[PATH_MAX])
{
	const char *colon = digest ? strchr(digest, ':') : NULL;

	snprintf(out, PATH_MAX, "%s/blobs/%.*s/%s", dir,
		 colon ? (int)(colon - digest) : 6, colon ? digest : "sha256",
		 colon ? colon + 1 : "");
}

/* An OCI layout: the config file and the layer files, in order. */
static int oci_read(const char *dir, char config[PATH_MAX], char ***layers)
{
	char path[PATH_MAX];
	cJSON *idx, *man, *l;
	const char *digest;
	int n = 0;

	snprintf(path, sizeof(path), "%s/index.json", dir);
	idx = json_file(path);
	digest = cJSON_GetStringValue(cJSON_GetObjectItem(
		cJSON_GetArrayItem(cJSON_GetObjectItem(idx, "manifests"), 0), "digest"));
	blob_path(dir, digest, path);
	cJSON_Delete(idx);
	man = json_file(path);
	/* An image index points at a manifest one level down. */
	while (man && !cJSON_GetObjectItem(man, "config") && cJSON_GetObjectItem(man, "manifests")) {
		digest = cJSON_GetStringValue(cJSON_GetObjectItem(
			cJSON_GetArrayItem(cJSON_GetObjectItem(man, "manifests"), 0), "digest"));
		blob_path(dir, digest, path);
		cJSON_Delete(man);
		man = json_file(path);
	}
	if (!man || !cJSON_GetObjectItem(man, "config")) {
		cJSON_Delete(man);
		return errf(EINVAL, "%s: no image manifest reachable from index.json", dir);
	}
	blob_path(dir, cJSON_GetStringValue(cJSON_GetObjectItem(
		cJSON_GetObjectItem(man, "config"), "digest")), config);
	*layers = calloc((size_t)cJSON_GetArraySize(cJSON_GetObjectItem(man, "layers")) + 1,
			 sizeof(char *));
	cJSON_ArrayForEach(l, cJSON_GetObjectItem(man, "layers")) {
		blob_path(dir, cJSON_GetStringValue(cJSON_GetObjectItem(l, "digest")), path);
		(*layers)[n++] = strdup(path);
	}
	cJSON_Delete(man);
	return 0;
}

/* A docker save archive unpacked in dir: manifest.json names the rest. */
static int docker_read(const char *dir, char config[PATH_MAX], char ***layers)
{
	char path[PATH_MAX];
	cJSON *man, *first, *l;
	int n = 0;

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	man = json_file(path);
	first = cJSON_GetArrayItem(man, 0);
	if (!first) {
		cJSON_Delete(man);
		snprintf(path, sizeof(path), "%s/index.json", dir);
		if (access(path, R_OK) == 0)
			return oci_read(dir, config, layers);
		return errf(EINVAL, "%s: neither manifest.json nor index.json: not an image "
			    "archive", dir);
	}
	snprintf(config, PATH_MAX, "%s/%s", dir,
		 cJSON_GetStringValue(cJSON_GetObjectItem(first, "Config")));
	*layers = calloc((size_t)cJSON_GetArraySize(cJSON_GetObjectItem(first, "Layers")) + 1,
			 sizeof(char *));
	cJSON_ArrayForEach(l, cJSON_GetObjectItem(first, "Layers")) {
		snprintf(path, sizeof(path), "%s/%s", dir, cJSON_GetStringValue(l));
		(*layers)[n++] = strdup(path);
	}
	cJSON_Delete(man);
	return 0;
}

static int config_read(const char *path, struct image_spec *out)
{
	cJSON *j = json_file(path), *cfg = cJSON_GetObjectItem(j, "config");
	const char *wd = cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "WorkingDir"));

	if (!j)
		return errf(EINVAL, "reading the image config %s: not JSON", path);
	out->entrypoint = strv_of(cJSON_GetObjectItem(cfg, "Entrypoint"));
	out->cmd = strv_of(cJSON_GetObjectItem(cfg, "Cmd"));
	out->env = strv_of(cJSON_GetObjectItem(cfg, "Env"));
	snprintf(out->workdir, sizeof(out->workdir), "%s", wd ? wd : "");
	cJSON_Delete(j);
	return 0;
}

/* Mount points the supervisor binds into the root. */
static void rootfs_mountpoints(const char *rootfs)
{
	static const char *const dirs[] = { "proc", "dev", "tmp", "etc", "var", "var/task" };
	char p[PATH_MAX + 32];
	int fd;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", rootfs, dirs[i]);
		mkdir(p, 0755);
	}
	snprintf(p, sizeof(p), "%s/tmp", rootfs);
	chmod(p, 01777);
	snprintf(p, sizeof(p), "%s/etc/hosts", rootfs);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

static int image_unpack(const char *base, const struct function_code *c, struct image_spec *out)
{
	char src[PATH_MAX], config[PATH_MAX];
	char **layers = NULL;
	int err;

	snprintf(src, sizeof(src), "%s", c->path);
	if (c->kind == CODE_IMAGE_TAR) {
		snprintf(src, sizeof(src), "%s/archive", base);
		if ((err = mkdir_p(src, 0755)) < 0 || (err = extract(c->path, src, false, false)) < 0)
			return err;
		err = docker_read(src, config, &layers);
	} else {
		err = oci_read(src, config, &layers);
	}
	if (err == 0 && (err = mkdir_p(out->rootfs, 0755)) == 0)
		err = config_read(config, out);
	for (int i = 0; err == 0 && layers && layers[i]; i++)
		err = extract(layers[i], out->rootfs, true, false);
	for (int i = 0; layers && layers[i]; i++)
		free(layers[i]);
	free(layers);
	if (err == 0)
		rootfs_mountpoints(out->rootfs);
	return err;
}

int codepkg_image(const char *state_dir, const char *fn, const struct function_code *c,
		  struct image_spec *out)
{
	char base[PATH_MAX], mark[PATH_MAX + 16], stamp[64];
	int err;

	memset(out, 0, sizeof(*out));
	snprintf(base, sizeof(base), "%s/code/%s", state_dir, fn);
	snprintf(out->rootfs, sizeof(out->rootfs), "%s/rootfs", base);
	snprintf(mark, sizeof(mark), "%s/unpacked", base);
	stamp_of(c->kind == CODE_IMAGE_TAR ? c->path : mark, stamp);
	if (c->kind != CODE_IMAGE_TAR || !stamp_matches(mark, stamp)) {
		rm_tree(base);
		if ((err = mkdir_p(base, 0755)) < 0 || (err = image_unpack(base, c, out)) < 0) {
			image_spec_free(out);
			return errf_prefix(err, "unpacking the image of %s", fn);
		}
		if (c->kind == CODE_IMAGE_TAR)
			stamp_write(mark, stamp);
		return 0;
	}
	/* Unpacked already: the config again. */
	char config[PATH_MAX], **layers = NULL, src[PATH_MAX];

	snprintf(src, sizeof(src), "%s/archive", base);
	err = docker_read(src, config, &layers);
	for (int i = 0; layers && layers[i]; i++)
		free(layers[i]);
	free(layers);
	if (err == 0)
		err = config_read(config, out);
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
