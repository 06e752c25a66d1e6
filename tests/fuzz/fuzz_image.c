/* libFuzzer target: the readers of what a user hands vpcsim to run as
 * root (issue 18), an image archive (docker save: manifest.json; OCI:
 * index.json, nested indexes, blobs by digest; its layers, whiteouts,
 * links, devices) and a .zip code package. Each input is read both ways,
 * unpacked under a folder this process owns (no privilege needed: run it
 * as an ordinary user), the image's mount points prepared and its config
 * parsed, then removed.
 *
 * The oracle beyond the sanitizers: nothing may change outside the
 * unpacking folder. Beside it lie a canary file (known content and mode)
 * and a canary folder; inputs point links and whiteouts at them
 * ("../canary"); the target traps if either changed or anything else
 * appeared next to them. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lambda/codepkg.h"
#include "lambda/imgroot.h"
#include "lambda/unpack.h"
#include "util/err.h"
#include "util/fsat.h"

#define CANARY_TEXT "canary: must never change\n"

static int work = -1;
static char work_path[PATH_MAX];

/* The folder goes when the process ends (libFuzzer exits through exit()). */
static void cleanup(void)
{
	if (work < 0)
		return;
	fsat_remove(work, "root");
	unlinkat(work, "canary.d/keep", 0);
	unlinkat(work, "canary.d", AT_REMOVEDIR);
	unlinkat(work, "canary", 0);
	rmdir(work_path);
}

static void setup(void)
{
	char dir[] = "/tmp/fuzz_image.XXXXXX";
	const char *base = getenv("FUZZ_IMAGE_DIR");
	char path[PATH_MAX];
	int fd;

	if (base && base[0]) {
		snprintf(path, sizeof(path), "%s/fuzz_image.XXXXXX", base);
		if (!mkdtemp(path))
			abort();
	} else {
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s", dir);
	}
	snprintf(work_path, sizeof(work_path), "%s", path);
	work = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	atexit(cleanup);
	fd = openat(work, "canary", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (work < 0 || fd < 0 || write(fd, CANARY_TEXT, strlen(CANARY_TEXT)) < 0)
		abort();
	fchmod(fd, 0640);
	close(fd);
	if (mkdirat(work, "canary.d", 0750) < 0)
		abort();
	fd = openat(work, "canary.d/keep", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	close(fd);
}

/* The oracle: the canaries as made, nothing beside them but "root". */
static void check_canaries(void)
{
	char buf[64] = "";
	struct stat st;
	struct dirent *de;
	int fd = openat(work, "canary", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;

	if (fd < 0 || fstat(fd, &st) < 0 || (st.st_mode & 07777) != 0640 ||
	    read(fd, buf, sizeof(buf) - 1) != (ssize_t)strlen(CANARY_TEXT) ||
	    strcmp(buf, CANARY_TEXT))
		__builtin_trap();
	close(fd);
	if (fstatat(work, "canary.d", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
	    (st.st_mode & 07777) != 0750 || fstatat(work, "canary.d/keep", &st, 0) < 0)
		__builtin_trap();
	d = fdopendir(openat(work, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!d)
		abort();
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "canary") && strcmp(de->d_name, "canary.d") &&
		    strcmp(de->d_name, "root"))
			__builtin_trap();
	closedir(d);
}

static int fresh_root(void)
{
	fsat_remove(work, "root");
	if (mkdirat(work, "root", 0755) < 0)
		abort();
	return openat(work, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Small limits: the counting is under test, not the disk. */
	const struct unpack_limits lim = { 1 << 20, 2000 };
	struct imgsrc s = { .name = "fuzz", .dir = -1, .mem = data, .len = size };
	struct unpack_count n = { 0 };
	struct image_spec spec = { .rootfs = "" };
	char *config = NULL;
	int root;

	const bool verbose = getenv("FUZZ_IMAGE_VERBOSE") != NULL;
	int err;

	if (work < 0)
		setup();
	root = fresh_root();
	if ((err = imgroot_unpack(&s, root, &lim, &n, &config)) == 0 &&
	    (err = imgroot_prepare(root, "fuzz")) == 0 &&
	    (err = image_config_parse(config, &spec)) == 0)
		image_spec_free(&spec);
	if (verbose)
		fprintf(stderr, "image: %d %s (%lld bytes, %lld members, %lld dropped)\n", err,
			err ? err_msg() : "ok", n.bytes, n.entries, n.dropped);
	free(config);
	close(root);
	check_canaries();
	root = fresh_root();
	memset(&n, 0, sizeof(n));
	err = unpack_package(NULL, data, size, root, &lim, &n, "fuzz");
	if (verbose)
		fprintf(stderr, "zip: %d %s (%lld bytes, %lld members)\n", err, err ? err_msg() : "ok",
			n.bytes, n.entries);
	close(root);
	fsat_remove(work, "root");
	check_canaries();
	return 0;
}
