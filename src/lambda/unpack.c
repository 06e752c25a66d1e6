/* Unpacking without following anything; see unpack.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lambda/pkgpath.h"
#include "lambda/unpack.h"
#include "util/err.h"
#include "util/fsat.h"

struct ctx {
	int root;
	enum unpack_mode mode;
	const struct unpack_limits *lim;
	struct unpack_count *n;
	const char *what;
};

/* The folder holding clean name `name` (made where missing), and its last
 * component in *base. */
static int parent_of(const struct ctx *c, const char *name, const char **base)
{
	const char *slash = strrchr(name, '/');
	char dir[PATH_MAX];
	int fd;

	*base = slash ? slash + 1 : name;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - name) : 0, name);
	fd = fsat_mkdirs(c->root, dir);
	if (fd == -ELOOP || fd == -ENOTDIR)
		return errf(EINVAL, "%s: the member %s lies beneath a symbolic link or a file "
			    "(%s): an archive may only write inside folders it made; make %s a "
			    "folder in the archive", c->what, name, dir, dir);
	if (fd < 0)
		return errf(-fd, "%s: making the folder %s for %s: %s", c->what, dir, name,
			    strerror(-fd));
	return fd;
}

static mode_t mode_of(const struct ctx *c, struct archive_entry *e, bool dir)
{
	mode_t perm = sym_archive_entry_perm(e);

	if (c->mode == UNPACK_PACKAGE)
		return dir || (perm & 0111) ? 0755 : 0644;
	/* No setuid or setgid bit; the sticky bit only on folders (/tmp). */
	return dir ? (perm & 01777) | 0700 : perm & 0777;
}

/* Make room for a new member at parent/base: whatever is there goes,
 * unless it is a folder and a folder is wanted. */
static int clear_spot(const struct ctx *c, int parent, const char *base, const char *name,
		      bool want_dir)
{
	struct stat st;
	int err;

	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (want_dir && S_ISDIR(st.st_mode))
		return 1;
	if ((err = fsat_remove(parent, base)) < 0)
		return errf(-err, "%s: replacing %s: %s", c->what, name, strerror(-err));
	return 0;
}

static int put_dir(const struct ctx *c, struct archive_entry *e, int parent, const char *base,
		   const char *name)
{
	int fd, err = clear_spot(c, parent, base, name, true);

	if (err < 0)
		return err;
	if (err == 0 && mkdirat(parent, base, 0700) < 0)
		return errf(errno, "%s: making the folder %s: %s", c->what, name, strerror(errno));
	fd = openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchmod(fd, mode_of(c, e, true)) < 0)
		err = errf(errno, "%s: setting the mode of %s: %s", c->what, name, strerror(errno));
	if (fd >= 0)
		close(fd);
	return err < 0 ? err : 0;
}

/* The file's data, counted as written against the limit. */
static int copy_data(const struct ctx *c, struct archive *a, int fd, const char *name)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;

	while ((r = sym_archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK) {
		c->n->bytes += (long long)size;
		if (c->n->bytes > c->lim->max_bytes)
			return errf(EFBIG, "%s: unpacked size must be smaller than %lld bytes (%s "
				    "goes past it; the sizes the archive states are not used): "
				    "make the package smaller", c->what, c->lim->max_bytes, name);
		for (size_t done = 0; done < size;) {
			ssize_t w = pwrite(fd, (const char *)buf + done, size - done,
					   off + (off_t)done);

			if (w < 0)
				return errf(errno, "%s: writing %s: %s", c->what, name,
					    strerror(errno));
			done += (size_t)w;
		}
	}
	if (r != ARCHIVE_EOF)
		return errf(EINVAL, "%s: reading %s: %s", c->what, name,
			    sym_archive_error_string(a));
	return 0;
}

static int put_file(const struct ctx *c, struct archive *a, struct archive_entry *e,
		    int parent, const char *base, const char *name)
{
	struct timespec t[2] = { { .tv_sec = sym_archive_entry_mtime(e) } };
	int fd, err = clear_spot(c, parent, base, name, false);

	if (err < 0)
		return err;
	fd = openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errf(errno, "%s: creating %s: %s", c->what, name, strerror(errno));
	err = copy_data(c, a, fd, name);
	t[1] = t[0];
	if (err == 0 && (fchmod(fd, mode_of(c, e, false)) < 0 || futimens(fd, t) < 0))
		err = errf(errno, "%s: setting the mode of %s: %s", c->what, name, strerror(errno));
	close(fd);
	return err;
}

static int put_symlink(const struct ctx *c, struct archive_entry *e, int parent,
		       const char *base, const char *name)
{
	const char *target = sym_archive_entry_symlink(e);
	int err = clear_spot(c, parent, base, name, false);

	if (err < 0)
		return err;
	/* Whatever it points at: nothing of ours ever follows it. */
	if (!target || symlinkat(target, parent, base) < 0)
		return errf(target ? errno : EINVAL, "%s: making the symbolic link %s: %s",
			    c->what, name, target ? strerror(errno) : "no target");
	return 0;
}

/* A hard link to a member already written (found without following). */
static int put_hardlink(const struct ctx *c, const char *link, int parent, const char *base,
			const char *name)
{
	char clean[PATH_MAX], dir[PATH_MAX];
	const char *slash;
	int tdir, err = pkgpath_clean(link, clean, sizeof(clean));

	if (err <= 0)
		return errf(EINVAL, "%s: the hard link %s points at %s, outside the archive",
			    c->what, name, link);
	slash = strrchr(clean, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - clean) : 0, clean);
	tdir = fsat_open(c->root, dir, O_RDONLY | O_DIRECTORY, 0);
	if (tdir < 0)
		return errf(-tdir, "%s: the hard link %s points at %s: %s", c->what, name, link,
			    strerror(-tdir));
	if ((err = clear_spot(c, parent, base, name, false)) == 0 &&
	    linkat(tdir, slash ? slash + 1 : clean, parent, base, 0) < 0)
		err = errf(errno, "%s: the hard link %s points at %s: %s", c->what, name, link,
			   strerror(errno));
	close(tdir);
	return err;
}

/* An OCI whiteout: the named lower-layer path goes, found without
 * following any symlink (one found means there is nothing to remove). */
static int whiteout(const struct ctx *c, enum pkgpath_whiteout wh, const char *dir,
		    const char *target)
{
	int fd = fsat_open(c->root, dir, O_RDONLY | O_DIRECTORY, 0), err;

	if (fd == -ENOENT || fd == -ELOOP || fd == -ENOTDIR)
		return 0;
	if (fd < 0)
		return errf(-fd, "%s: opening %s for a whiteout: %s", c->what, dir, strerror(-fd));
	if (wh == WH_OPAQUE)
		err = fsat_empty(fd);
	else
		err = target ? fsat_remove(fd, target) : 0;
	close(fd);
	if (err < 0)
		return errf(-err, "%s: applying the whiteout of %s/%s: %s", c->what, dir,
			    target ? target : "", strerror(-err));
	return 0;
}

static int put_entry(const struct ctx *c, struct archive *a, struct archive_entry *e,
		     const char *name)
{
	const char *base, *link = sym_archive_entry_hardlink(e);
	mode_t type = sym_archive_entry_filetype(e);
	int parent, err;

	if (type != AE_IFDIR && type != AE_IFREG && type != AE_IFLNK && !link) {
		c->n->dropped++;
		return 0;
	}
	if ((parent = parent_of(c, name, &base)) < 0)
		return parent;
	if (link)
		err = put_hardlink(c, link, parent, base, name);
	else if (type == AE_IFDIR)
		err = put_dir(c, e, parent, base, name);
	else if (type == AE_IFLNK)
		err = put_symlink(c, e, parent, base, name);
	else
		err = put_file(c, a, e, parent, base, name);
	close(parent);
	return err;
}

static int one_entry(const struct ctx *c, struct archive *a, struct archive_entry *e)
{
	const char *raw = sym_archive_entry_pathname(e), *target;
	char name[PATH_MAX], dir[PATH_MAX];
	enum pkgpath_whiteout wh;
	int len = pkgpath_clean(raw, name, sizeof(name));

	if (++c->n->entries > c->lim->max_entries)
		return errf(EFBIG, "%s: more than %lld members: make the package smaller",
			    c->what, c->lim->max_entries);
	if (len == -ENAMETOOLONG)
		return errf(ENAMETOOLONG, "%s: the member name %.200s is too long or too deep "
			    "(at most %d components)", c->what, raw ? raw : "", PKGPATH_DEPTH_MAX);
	if (len < 0)
		return errf(EINVAL, "%s: the member %.200s is absolute or climbs out with \"..\": "
			    "members must be relative paths inside the archive", c->what,
			    raw ? raw : "(no name)");
	if (len == 0)
		return 0; /* "./": the root itself */
	if (c->mode == UNPACK_LAYER &&
	    (wh = pkgpath_whiteout(name, dir, sizeof(dir), &target)) != WH_NONE)
		return whiteout(c, wh, dir, target);
	return put_entry(c, a, e, name);
}

int unpack_archive(struct archive *a, int root, enum unpack_mode mode,
		   const struct unpack_limits *lim, struct unpack_count *n, const char *what)
{
	struct ctx c = { .root = root, .mode = mode, .lim = lim, .n = n, .what = what };
	struct archive_entry *e;
	int r, err;

	while ((r = sym_archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)
		if ((err = one_entry(&c, a, e)) < 0)
			return err;
	if (r != ARCHIVE_EOF)
		return errf(EINVAL, "%s: reading the archive: %s", what,
			    sym_archive_error_string(a));
	return 0;
}

int unpack_package(const char *path, const void *mem, size_t len, int root,
		   const struct unpack_limits *lim, struct unpack_count *n, const char *what)
{
	struct archive *a;
	int err;

	if ((err = dlib_load(DLIB_ARCHIVE)) < 0)
		return err;
	a = sym_archive_read_new();
	sym_archive_read_support_format_zip(a);
	if ((path ? sym_archive_read_open_filename(a, path, 65536) :
		    sym_archive_read_open_memory(a, mem, len)) != ARCHIVE_OK)
		err = errf(EINVAL, "%s: not a zip archive: %s", what, sym_archive_error_string(a));
	else
		err = unpack_archive(a, root, UNPACK_PACKAGE, lim, n, what);
	sym_archive_read_free(a);
	return err;
}
