/* Fixtures shared by the privileged cmocka tests (tests/kernel): shell
 * commands, entering and leaving named network namespaces, small file
 * checks. Test-only: src/kernel/netns.c is the real thing.
 *
 * Every test here needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_BPF) and
 * starts with NEED_ROOT(): without it cmocka reports the test SKIPPED and
 * tests/run.sh counts it as skipped, never as passed. */
#ifndef VPCSIM_TEST_NS_FIXTURE_H
#define VPCSIM_TEST_NS_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/paths.h"

#define NEED_ROOT() do { if (geteuid() != 0) skip(); } while (0)

/* Run a shell command; its exit status (-1 when it did not exit). */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The same, saying on stderr which command failed. */
static int sh_loud(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static int sh_loud(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st != 0)
		fprintf(stderr, "test: command failed (%d): %s\n", st, cmd);
	return st;
}

/* The namespace the test started in, for ns_back(); ns_home_save() opens
 * it (once, in the group setup). */
static int ns_home = -1;

static __attribute__((unused)) int ns_home_save(void)
{
	if (ns_home < 0)
		ns_home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return ns_home < 0 ? -errno : 0;
}

/* Enter the named namespace (this thread); ns_back() returns. */
static __attribute__((unused)) int ns_enter(const char *name)
{
	char path[NETNS_NAME_MAX + sizeof(NETNS_RUN_DIR) + 1];
	int fd, rc;

	path_netns(path, sizeof(path), name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	return rc < 0 ? -errno : 0;
}

static __attribute__((unused)) void ns_back(void)
{
	if (setns(ns_home, CLONE_NEWNET) < 0)
		abort();   /* never go on in the wrong namespace */
}

static bool path_exists(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static bool path_exists(const char *fmt, ...)
{
	char path[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return access(path, F_OK) == 0;
}

/* Does the file hold `needle` (in its first 8 KiB)? */
static __attribute__((unused)) bool file_contains(const char *path, const char *needle)
{
	char buf[8192];
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r < 0)
		return false;
	buf[r] = '\0';
	return strstr(buf, needle) != NULL;
}

#endif
