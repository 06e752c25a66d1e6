/* An image's root file system; see imgroot.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "lambda/codefs.h"
#include "lambda/imgroot.h"
#include "lambda/pkgpath.h"
#include "util/err.h"
#include "util/fsat.h"

#define JSON_MAX   (4 << 20)  /* a manifest, an index or a config */

/* The compressions images use (docker save | gzip, OCI layers: gzip or
 * zstd), all inside libarchive: never filter_all, whose bidders may run an
 * external program (lrzip, lzop, grzip) on the user's bytes as root. */
static void support_filters(struct archive *a)
{
	sym_archive_read_support_filter_gzip(a);
	sym_archive_read_support_filter_zstd(a);
	sym_archive_read_support_filter_xz(a);
	sym_archive_read_support_filter_bzip2(a);
}
#define LINK_HOPS  8          /* link members followed to a file member */
#define INDEX_HOPS 4          /* image indexes followed to a manifest */

/* One member, open for reading: in the archive (outer, positioned at its
 * data) or in the layout folder (fd). */
struct member {
	struct archive *outer;
	int fd;
	char buf[65536];          /* for a layer read through outer */
};

static struct archive *outer_open(const struct imgsrc *s)
{
	struct archive *a = sym_archive_read_new();

	sym_archive_read_support_format_tar(a);
	support_filters(a);
	if ((s->path ? sym_archive_read_open_filename(a, s->path, 65536) :
		       sym_archive_read_open_memory(a, s->mem, s->len)) != ARCHIVE_OK) {
		errf(EINVAL, "the image %s: not a tar archive: %s", s->name,
		     sym_archive_error_string(a));
		sym_archive_read_free(a);
		return NULL;
	}
	return a;
}

/* One pass over the archive for `want`: 1 found (positioned at its data),
 * 0 a link member (its destination in next), or -errno. */
static int member_scan(const struct imgsrc *s, struct archive *a, const char *want,
		       char next[PATH_MAX])
{
	struct archive_entry *e;
	char name[PATH_MAX];
	int r;

	while ((r = sym_archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (pkgpath_clean(sym_archive_entry_pathname(e), name, sizeof(name)) < 0 ||
		    strcmp(name, want))
			continue;
		if (sym_archive_entry_hardlink(e))
			return pkgpath_clean(sym_archive_entry_hardlink(e), next, PATH_MAX) > 0 ? 0 :
			       errf(EINVAL, "the image %s: the member %s links outside the "
				    "archive", s->name, want);
		if (sym_archive_entry_filetype(e) == AE_IFLNK)
			return pkgpath_link(want, sym_archive_entry_symlink(e), next, PATH_MAX) > 0 ?
			       0 : errf(EINVAL, "the image %s: the member %s links outside the "
					"archive", s->name, want);
		if (sym_archive_entry_filetype(e) == AE_IFREG)
			return 1;
		return errf(EINVAL, "the image %s: the member %s is not a file", s->name, want);
	}
	if (r != ARCHIVE_EOF)
		return errf(EINVAL, "the image %s: reading the archive: %s", s->name,
			    sym_archive_error_string(a));
	return errf(ENOENT, "the image %s: the archive has no member %s", s->name, want);
}

static int member_in_archive(const struct imgsrc *s, const char *name, struct member *m)
{
	char want[PATH_MAX], next[PATH_MAX];
	int r;

	snprintf(want, sizeof(want), "%s", name);
	for (int hop = 0; hop <= LINK_HOPS; hop++) {
		if (!(m->outer = outer_open(s)))
			return -EINVAL;
		if ((r = member_scan(s, m->outer, want, next)) == 1)
			return 0;
		sym_archive_read_free(m->outer);
		m->outer = NULL;
		if (r < 0)
			return r;
		snprintf(want, sizeof(want), "%s", next);
	}
	return errf(ELOOP, "the image %s: the member %s: more than %d links", s->name, name,
		    LINK_HOPS);
}

/* A blob of a layout folder: beneath it, no symlink, a regular file. */
static int member_in_dir(const struct imgsrc *s, const char *name, struct member *m)
{
	char proc[64];
	struct stat st;
	int p = fsat_open(s->dir, name, O_PATH, 0);

	if (p < 0)
		return errf(-p, "the image %s: opening %s without following symbolic links: %s",
			    s->name, name, strerror(-p));
	if (fstat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(p);
		return errf(EINVAL, "the image %s: %s is a symbolic link or not a regular file "
			    "(blobs are never followed out of the layout folder)", s->name, name);
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", p);
	m->fd = open(proc, O_RDONLY | O_CLOEXEC);
	close(p);
	if (m->fd < 0)
		return errf(errno, "the image %s: opening %s: %s", s->name, name, strerror(errno));
	return 0;
}

static int member_open(const struct imgsrc *s, const char *name, struct member *m)
{
	m->outer = NULL;
	m->fd = -1;
	return s->dir >= 0 ? member_in_dir(s, name, m) : member_in_archive(s, name, m);
}

static void member_close(struct member *m)
{
	if (m->outer)
		sym_archive_read_free(m->outer);
	if (m->fd >= 0)
		close(m->fd);
	m->outer = NULL;
	m->fd = -1;
}

static la_ssize_t member_read(struct member *m, void *buf, size_t size)
{
	ssize_t n;

	if (m->outer)
		return sym_archive_read_data(m->outer, buf, size);
	do
		n = read(m->fd, buf, size);
	while (n < 0 && errno == EINTR);
	return n;
}

/* The whole of an open member, at most JSON_MAX bytes, NUL-ended. */
static int member_slurp(const struct imgsrc *s, const char *name, struct member *m,
			char **out, size_t *len)
{
	size_t cap = 4096;
	char *buf = malloc(cap), *bigger;
	la_ssize_t n = 1;

	*len = 0;
	while (buf && n > 0) {
		if (*len + 1 >= cap) {
			if (cap > JSON_MAX)
				break;
			cap *= 2;
			if (!(bigger = realloc(buf, cap)))
				break;
			buf = bigger;
		}
		n = member_read(m, buf + *len, cap - 1 - *len);
		if (n > 0)
			*len += (size_t)n;
	}
	if (!buf || n != 0 || *len > JSON_MAX) {
		free(buf);
		return errf(EINVAL, "the image %s: %s is unreadable or larger than %d bytes",
			    s->name, name, JSON_MAX);
	}
	buf[*len] = '\0';
	*out = buf;
	return 0;
}

/* A JSON member, parsed into *out; its text in *text when text is not
 * NULL. */
static int json_member(const struct imgsrc *s, const char *name, cJSON **out, char **text)
{
	struct member m;
	size_t len;
	char *buf = NULL;
	int err;

	*out = NULL;
	if ((err = member_open(s, name, &m)) < 0)
		return err;
	err = member_slurp(s, name, &m, &buf, &len);
	member_close(&m);
	if (err < 0)
		return err;
	if (!(*out = cJSON_ParseWithLength(buf, len)))
		err = errf(EINVAL, "the image %s: %s is not JSON", s->name, name);
	if (err == 0 && text)
		*text = buf;
	else
		free(buf);
	return err;
}

static la_ssize_t layer_read_cb(struct archive *a, void *ud, const void **out)
{
	struct member *m = ud;

	(void)a;
	*out = m->buf;
	return member_read(m, m->buf, sizeof(m->buf));
}

static int layer_unpack(const struct imgsrc *s, const char *name, int root,
			const struct unpack_limits *lim, struct unpack_count *n)
{
	struct member *m = malloc(sizeof(*m));
	struct archive *a;
	char what[PATH_MAX + 64];
	int err;

	if (!m)
		return errf(ENOMEM, "the image %s: no memory", s->name);
	if ((err = member_open(s, name, m)) < 0) {
		free(m);
		return err;
	}
	snprintf(what, sizeof(what), "the image %s, layer %s", s->name, name);
	a = sym_archive_read_new();
	sym_archive_read_support_format_tar(a);
	support_filters(a);
	if (sym_archive_read_open(a, m, NULL, layer_read_cb, NULL) != ARCHIVE_OK)
		err = errf(EINVAL, "%s: not a tar archive: %s", what, sym_archive_error_string(a));
	else
		err = unpack_archive(a, root, UNPACK_LAYER, lim, n, what);
	sym_archive_read_free(a);
	member_close(m);
	free(m);
	return err;
}

#define LAYERS_MAX 256        /* docker's own limit is 127 */

/* The members an image is made of: its config and its layers, in order. */
struct parts {
	char config[PATH_MAX];
	char (*layers)[PATH_MAX];
	int n;
};

static int member_name(const struct imgsrc *s, const char *from, const char *raw,
		       char out[PATH_MAX])
{
	if (!raw || pkgpath_clean(raw, out, PATH_MAX) <= 0)
		return errf(EINVAL, "the image %s: %s names \"%.200s\", which cannot be a member "
			    "of the archive: names must be relative, without \"..\"", s->name,
			    from, raw ? raw : "(nothing)");
	return 0;
}

static int digest_name(const struct imgsrc *s, const char *from, const cJSON *desc,
		       char out[PATH_MAX])
{
	const char *d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(desc, "digest"));

	if (pkgpath_digest(d, out, PATH_MAX) < 0)
		return errf(EINVAL, "the image %s: %s gives the digest \"%.200s\"; a digest is "
			    "ALGORITHM:HEX (sha256:...)", s->name, from, d ? d : "(none)");
	return 0;
}

static int layers_alloc(const struct imgsrc *s, const cJSON *arr, struct parts *p)
{
	int n = cJSON_GetArraySize(arr);

	if (!cJSON_IsArray(arr) || n > LAYERS_MAX)
		return errf(EINVAL, "the image %s: the manifest's layers must be a list of at most "
			    "%d", s->name, LAYERS_MAX);
	p->layers = calloc((size_t)n + 1, sizeof(*p->layers));
	if (!p->layers)
		return errf(ENOMEM, "the image %s: no memory", s->name);
	return 0;
}

/* docker/podman save: manifest.json's first image, Config and Layers. */
static int docker_parts(const struct imgsrc *s, const cJSON *man, struct parts *p)
{
	const cJSON *first = cJSON_GetArrayItem(man, 0), *l;
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(first, "Layers");
	int err;

	if ((err = member_name(s, "manifest.json's Config",
			       cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(first, "Config")),
			       p->config)) < 0 ||
	    (err = layers_alloc(s, layers, p)) < 0)
		return err;
	cJSON_ArrayForEach(l, layers)
		if ((err = member_name(s, "manifest.json's Layers", cJSON_GetStringValue(l),
				       p->layers[p->n++])) < 0)
			return err;
	return 0;
}

/* An OCI layout: index.json, maybe nested indexes, the first manifest. */
static int oci_parts(const struct imgsrc *s, struct parts *p)
{
	char name[PATH_MAX] = "index.json";
	cJSON *man = NULL, *l;
	int err = 0, hops = 0;

	while ((err = json_member(s, name, &man, NULL)) == 0 &&
	       !cJSON_GetObjectItemCaseSensitive(man, "config")) {
		if (++hops > INDEX_HOPS)
			err = errf(EINVAL, "the image %s: more than %d nested indexes", s->name,
				   INDEX_HOPS);
		else
			err = digest_name(s, name, cJSON_GetArrayItem(
				cJSON_GetObjectItemCaseSensitive(man, "manifests"), 0), name);
		cJSON_Delete(man);
		man = NULL;
		if (err < 0)
			return err;
	}
	if (err < 0)
		return err;
	if ((err = digest_name(s, name, cJSON_GetObjectItemCaseSensitive(man, "config"),
			       p->config)) == 0 &&
	    (err = layers_alloc(s, cJSON_GetObjectItemCaseSensitive(man, "layers"), p)) == 0)
		cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(man, "layers"))
			if ((err = digest_name(s, name, l, p->layers[p->n++])) < 0)
				break;
	cJSON_Delete(man);
	return err;
}

static int image_parts(const struct imgsrc *s, struct parts *p)
{
	cJSON *man = NULL;
	int err = s->dir >= 0 ? -ENOENT : json_member(s, "manifest.json", &man, NULL);

	memset(p, 0, sizeof(*p));
	if (err == 0)
		err = docker_parts(s, man, p);
	else if (err == -ENOENT)
		err = oci_parts(s, p);
	cJSON_Delete(man);
	if (err == -ENOENT && s->dir < 0 && !man) {
		char why[512];

		snprintf(why, sizeof(why), "%s", err_msg());
		err = errf(EINVAL, "%s (an image archive holds manifest.json, from docker save, "
			   "or index.json, an OCI layout)", why);
	}
	return err;
}

int imgroot_unpack(const struct imgsrc *s, int root, const struct unpack_limits *lim,
		   struct unpack_count *n, char **config)
{
	struct parts p;
	cJSON *cfg;
	int err;

	*config = NULL;
	if ((err = dlib_load(DLIB_ARCHIVE)) < 0)
		return err;
	if ((err = image_parts(s, &p)) == 0 && (err = json_member(s, p.config, &cfg, config)) == 0)
		cJSON_Delete(cfg);
	for (int i = 0; err == 0 && i < p.n; i++)
		err = layer_unpack(s, p.layers[i], root, lim, n);
	free(p.layers);
	if (err < 0) {
		free(*config);
		*config = NULL;
	}
	return err;
}

/* A file vpcsim mounts on in the folder `dir` (at `at` in the image),
 * made where missing; a symbolic link or anything but a file there is
 * refused, or, with `replace`, a symbolic link is removed (unlinkat
 * never follows it) and the file made in its place. */
static int mount_file(int dir, const char *name, const char *at, const char *what,
		      const char *mounts, bool replace)
{
	struct stat st;
	int h = openat(dir, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);

	if (h < 0 && errno == ELOOP && replace && unlinkat(dir, name, 0) == 0)
		h = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (h >= 0 && fstat(h, &st) == 0 && S_ISREG(st.st_mode)) {
		close(h);
		return 0;
	}
	int err = errf(EINVAL, "the image %s: %s is %s: vpcsim mounts %s there; make it a file "
		       "in the image", what, at, h >= 0 ? "not a regular file" : errno == ELOOP ?
		       "a symbolic link" : strerror(errno), mounts);

	if (h >= 0)
		close(h);
	return err;
}

/* The files mounted on in a folder of the image. /etc/resolv.conf may be
 * a symbolic link in an image (to systemd-resolved's stub file): the
 * node's resolver replaces it, as a container runtime's does. */
static int mount_files(int fd, const char *rel, const char *what)
{
	if (!strcmp(rel, "etc"))
		return mount_file(fd, "hosts", "/etc/hosts", what, "the node's hosts file",
				  false) ?:
		       mount_file(fd, "resolv.conf", "/etc/resolv.conf", what,
				  "the VPC resolver's resolv.conf", true);
	if (!strcmp(rel, CODEFS_CA_DIR))
		return mount_file(fd, CODEFS_CA_FILE, "/" CODEFS_CA_DIR "/" CODEFS_CA_FILE, what,
				  "the topology's CA bundle", false);
	return 0;
}

/* The mount points: folders, never a symlink, made where missing. */
int imgroot_prepare(int root, const char *what)
{
	static const char *const dirs[] = { "proc", "dev", "tmp", "etc", "var", "var/task",
					    CODEFS_CA_DIR };
	int fd, err = 0;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && err == 0; i++) {
		fd = fsat_mkdirs(root, dirs[i]);
		if (fd < 0)
			return errf(fd == -ELOOP || fd == -ENOTDIR ? EINVAL : -fd,
				    "the image %s: /%s is %s: vpcsim mounts the function's own "
				    "folder there; make /%s a folder in the image", what, dirs[i],
				    fd == -ELOOP || fd == -ENOTDIR ? "a symbolic link or a file, or "
				    "lies beneath one" : strerror(-fd), dirs[i]);
		if (!strcmp(dirs[i], "tmp") && fchmod(fd, 01777) < 0)
			err = errf(errno, "the image %s: chmod /tmp: %s", what, strerror(errno));
		if (err == 0)
			err = mount_files(fd, dirs[i], what);
		close(fd);
	}
	return err;
}
