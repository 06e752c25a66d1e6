/* Archive member names (lambda/pkgpath.h) and the unpacking that uses them
 * (lambda/unpack.h, lambda/imgroot.h) on the hostile seeds of fuzz_image
 * (tests/fuzz/seeds/image), in a temporary folder: issue 18. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lambda/codepkg.h"
#include "lambda/imgroot.h"
#include "lambda/pkgpath.h"
#include "lambda/unpack.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/fsat.h"

static void test_clean(void **state)
{
	char out[64];

	assert_int_equal(pkgpath_clean("./a//b/./c/", out, sizeof(out)), 5);
	assert_string_equal(out, "a/b/c");
	assert_int_equal(pkgpath_clean("./", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(pkgpath_clean("a/../b", out, sizeof(out)), -EINVAL);
	assert_int_equal(pkgpath_clean("..", out, sizeof(out)), -EINVAL);
	assert_int_equal(pkgpath_clean("/etc/passwd", out, sizeof(out)), -EINVAL);
	assert_int_equal(pkgpath_clean("a/..b/c..", out, sizeof(out)), 9);
	assert_int_equal(pkgpath_clean("0123456789012345678901234567890123456789012345678901234567890123",
				       out, sizeof(out)), -ENAMETOOLONG);
	assert_int_equal(pkgpath_clean(NULL, out, sizeof(out)), -EINVAL);
}

static void test_clean_depth(void **state)
{
	char in[2 * PKGPATH_DEPTH_MAX + 8] = "", out[sizeof(in)];

	for (int i = 0; i < PKGPATH_DEPTH_MAX; i++)
		strcat(in, "a/");
	assert_int_equal(pkgpath_clean(in, out, sizeof(out)), 2 * PKGPATH_DEPTH_MAX - 1);
	strcat(in, "b");
	assert_int_equal(pkgpath_clean(in, out, sizeof(out)), -ENAMETOOLONG);
}

static void test_whiteout(void **state)
{
	char dir[64];
	const char *name;

	assert_int_equal(pkgpath_whiteout("a/b", dir, sizeof(dir), &name), WH_NONE);
	assert_int_equal(pkgpath_whiteout("a/b/.wh.c", dir, sizeof(dir), &name), WH_FILE);
	assert_string_equal(dir, "a/b");
	assert_string_equal(name, "c");
	assert_int_equal(pkgpath_whiteout(".wh.top", dir, sizeof(dir), &name), WH_FILE);
	assert_string_equal(dir, "");
	assert_string_equal(name, "top");
	assert_int_equal(pkgpath_whiteout("d/.wh..wh..opq", dir, sizeof(dir), &name), WH_OPAQUE);
	assert_string_equal(dir, "d");
	/* ".wh." of "", "." and "..": nothing to remove, never the folder or its parent */
	assert_int_equal(pkgpath_whiteout("d/.wh.", dir, sizeof(dir), &name), WH_FILE);
	assert_null(name);
	assert_int_equal(pkgpath_whiteout("d/.wh..", dir, sizeof(dir), &name), WH_FILE);
	assert_null(name);
	assert_int_equal(pkgpath_whiteout("d/.wh...", dir, sizeof(dir), &name), WH_FILE);
	assert_null(name);
}

static void test_digest(void **state)
{
	char out[128];

	assert_int_equal(pkgpath_digest("sha256:abcDEF012", out, sizeof(out)), 0);
	assert_string_equal(out, "blobs/sha256/abcDEF012");
	assert_int_equal(pkgpath_digest("sha256+b64u:a=_-", out, sizeof(out)), 0);
	assert_int_equal(pkgpath_digest("sha256:../../x", out, sizeof(out)), -EINVAL);
	assert_int_equal(pkgpath_digest("sha256:a/b", out, sizeof(out)), -EINVAL);
	assert_int_equal(pkgpath_digest("../x:abc", out, sizeof(out)), -EINVAL);
	assert_int_equal(pkgpath_digest("sha256:", out, sizeof(out)), -EINVAL);
	assert_int_equal(pkgpath_digest(":abc", out, sizeof(out)), -EINVAL);
	assert_int_equal(pkgpath_digest("sha-:abc", out, sizeof(out)), -EINVAL);
	assert_int_equal(pkgpath_digest("abc", out, sizeof(out)), -EINVAL);
	assert_int_equal(pkgpath_digest(NULL, out, sizeof(out)), -EINVAL);
}

static void test_link(void **state)
{
	char out[64];

	assert_int_equal(pkgpath_link("a/b/layer.tar", "../c/layer.tar", out, sizeof(out)), 13);
	assert_string_equal(out, "a/c/layer.tar");
	assert_int_equal(pkgpath_link("l.tar", "x/./y.tar", out, sizeof(out)), 7);
	assert_string_equal(out, "x/y.tar");
	assert_int_equal(pkgpath_link("a/l.tar", "../../x", out, sizeof(out)), -EINVAL);
	assert_int_equal(pkgpath_link("l.tar", "../x", out, sizeof(out)), -EINVAL);
	assert_int_equal(pkgpath_link("a/l.tar", "/etc/passwd", out, sizeof(out)), -EINVAL);
}

/* ---- unpacking the hostile seeds in a temporary folder ------------------ */

struct fixture {
	char dir[64];
	int work, root;
	char *data;
	size_t len;
};

static int fx_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_pkgpath.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->work = open(f->dir, O_RDONLY | O_DIRECTORY);
	mkdirat(f->work, "root", 0755);
	/* What the seeds' links point at (../canary, ../canary.d). */
	close(openat(f->work, "canary", O_WRONLY | O_CREAT, 0640));
	fchmodat(f->work, "canary", 0640, 0);
	mkdirat(f->work, "canary.d", 0750);
	close(openat(f->work, "canary.d/keep", O_WRONLY | O_CREAT, 0640));
	f->root = openat(f->work, "root", O_RDONLY | O_DIRECTORY);
	*state = f;
	return f->work < 0 || f->root < 0 ? -1 : 0;
}

static int fx_teardown(void **state)
{
	struct fixture *f = *state;

	close(f->root);
	close(f->work);
	tree_remove(f->dir);
	free(f->data);
	free(f);
	return 0;
}

static void load_seed(struct fixture *f, const char *name)
{
	char path[PATH_MAX];
	const char *src = getenv("VPCSIM_SRCDIR");

	snprintf(path, sizeof(path), "%s/tests/fuzz/seeds/image/%s", src ? src : ".", name);
	free(f->data);
	f->data = file_read(path, &f->len);
	if (!f->data)
		fail_msg("reading %s", path);
}

static int unpack_image(struct fixture *f, const char *seed, long long max_bytes)
{
	struct imgsrc s = { .name = seed, .dir = -1 };
	struct unpack_limits lim = { max_bytes, 1000 };
	struct unpack_count n = { 0 };
	char *config = NULL;
	int err;

	load_seed(f, seed);
	s.mem = f->data;
	s.len = f->len;
	err = imgroot_unpack(&s, f->root, &lim, &n, &config);
	if (err == 0)
		err = imgroot_prepare(f->root, seed);
	free(config);
	return err;
}

static mode_t mode_at(struct fixture *f, const char *rel)
{
	struct stat st;

	return fstatat(f->root, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 ? (mode_t)-1 : st.st_mode;
}

static void test_good_image(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(unpack_image(f, "good-oci-nested.tar", 1 << 20), 0);
	assert_true(S_ISREG(mode_at(f, "bin/app")));
	assert_int_equal(mode_at(f, "bin/app") & 07777, 0755);
	assert_int_equal(mode_at(f, "tmp") & 07777, 01777);
	assert_true(S_ISREG(mode_at(f, "etc/hosts")));
	assert_true(S_ISDIR(mode_at(f, "var/task")));
}

static void test_devices_dropped(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(unpack_image(f, "d3-devices.tar", 1 << 20), 0);
	assert_int_equal(mode_at(f, "dev/mem"), (mode_t)-1);
	assert_int_equal(mode_at(f, "dev/loop0"), (mode_t)-1);
	assert_int_equal(mode_at(f, "fifo"), (mode_t)-1);
	assert_int_equal(mode_at(f, "suid") & 07777, 0755);
}

static void test_limit_counted(void **state)
{
	struct fixture *f = *state;

	/* 2 MB of zeros in a 6 KB layer: stopped at 1 MB written. */
	assert_int_equal(unpack_image(f, "d5-big-layer.tar", 1 << 20), -EFBIG);
	assert_non_null(strstr(err_msg(), "unpacked size must be smaller than 1048576 bytes"));
	assert_int_equal(unpack_image(f, "d5-big-layer.tar", 4 << 20), 0);
	assert_int_equal(mode_at(f, "zero") & S_IFMT, S_IFREG);
}

static void test_zip_limit_counted(void **state)
{
	struct fixture *f = *state;
	struct unpack_limits lim = { 1 << 20, 1000 };
	struct unpack_count n = { 0 };

	load_seed(f, "d5-descriptor-cut.zip");
	assert_int_equal(unpack_package(NULL, f->data, f->len, f->root, &lim, &n, "zip"), -EFBIG);
	assert_true(n.bytes > lim.max_bytes && n.bytes < lim.max_bytes + (1 << 20));
}

/* The seeds' targets as the fixture made them. */
static void canaries_intact(struct fixture *f)
{
	struct stat st;

	assert_int_equal(fstatat(f->work, "canary", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(fstatat(f->work, "canary.d", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(fstatat(f->work, "canary.d/keep", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fstatat(f->work, "canary.d/task", &st, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(fstatat(f->work, "canary.d/new", &st, AT_SYMLINK_NOFOLLOW), -1);
}

static void test_hostile_refused(void **state)
{
	static const char *const seeds[] = {
		"d1-tmp-link.tar", "d1-hosts-link.tar", "d1-var-link.tar", "d1-write-through.tar",
		"d4-dotdot.tar", "d4-abs.tar", "d4-member-link.tar", "d4-bad-digest.tar",
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		assert_int_equal(unpack_image(f, seeds[i], 1 << 20), -EINVAL);
		fsat_empty(f->root);
	}
	canaries_intact(f);
}

static void test_whiteout_through_link(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(unpack_image(f, "d2-wh-layers.tar", 1 << 20), 0);
	canaries_intact(f);
	fsat_empty(f->root);
	assert_int_equal(unpack_image(f, "d2-wh-one-layer.tar", 1 << 20), 0);
	canaries_intact(f);
}

/* codepkg_image: unpacked once, then reused (the config read again from
 * the state folder) while the archive is unchanged. */
static void test_image_reused(void **state)
{
	struct fixture *f = *state;
	struct function_code c = { .kind = CODE_IMAGE_TAR };
	struct image_spec im;
	char path[PATH_MAX], state_dir[PATH_MAX];
	int fd;

	load_seed(f, "good-docker.tar");
	snprintf(path, sizeof(path), "%s/img.tar", f->dir);
	snprintf(state_dir, sizeof(state_dir), "%s/state", f->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_int_equal(write(fd, f->data, f->len), (ssize_t)f->len);
	close(fd);
	c.path = path;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(codepkg_image(state_dir, "fn", &c, &im), 0);
		assert_string_equal(im.entrypoint[0], "/bin/sh");
		assert_string_equal(im.workdir, "/var/task");
		image_spec_free(&im);
	}
	snprintf(path, sizeof(path), "%s/state/code/fn/rootfs/bin/app", f->dir);
	assert_int_equal(access(path, X_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_clean_depth),
		cmocka_unit_test(test_whiteout),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_link),
		cmocka_unit_test_setup_teardown(test_good_image, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_devices_dropped, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_limit_counted, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_zip_limit_counted, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_refused, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_whiteout_through_link, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_image_reused, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
