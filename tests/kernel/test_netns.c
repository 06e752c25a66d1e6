/* Named network namespaces (kernel/netns.c). Needs root.
 *
 * netns_run_dir_prepare() makes /run/netns a shared mount point, binding
 * it onto itself the first time. Processes that do it at once must not
 * each bind it (https://bugs.debian.org/949235: stacked mounts): it holds
 * iproute2's flock on the folder around the step. The test runs in a
 * mount namespace of its own, with a fresh tmpfs over /run, so nothing of
 * the host's /run/netns is touched and everything goes with the child. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ns_fixture.h"

#include "kernel/netns.h"

#define RACERS 24

/* Mounts of the test's tmpfs at NETNS_RUN_DIR (the host's own, hidden
 * under the tmpfs, is listed too and does not count). */
static int run_dir_mounts(void)
{
	char line[1024], point[512];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int n = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %511s", point) == 1 && !strcmp(point, NETNS_RUN_DIR) &&
		    strstr(line, " - tmpfs test-netns "))
			n++;
	if (f)
		fclose(f);
	return n;
}

/* In a child with its own mount namespace: RACERS processes prepare the
 * run folder at once. Exit status: the number of mounts at it. */
static int race_in_own_mounts(void)
{
	int go[2];
	pid_t pids[RACERS];

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("test-netns", "/run", "tmpfs", 0, "size=64k") < 0 || pipe(go) < 0)
		return 100;
	for (int i = 0; i < RACERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			char c;

			close(go[1]);
			read(go[0], &c, 1); /* all start when the pipe closes */
			_exit(netns_run_dir_prepare() < 0 ? 1 : 0);
		}
	}
	close(go[0]);
	close(go[1]);
	for (int i = 0; i < RACERS; i++) {
		int st;

		if (pids[i] < 0 || waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			return 101;
	}
	return run_dir_mounts();
}

/* Whether pid waits for a flock (a "->" line of /proc/locks). */
static bool waits_for_flock(pid_t pid)
{
	char line[256];
	FILE *f = fopen("/proc/locks", "re");
	bool found = false;
	int p;

	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*d: -> FLOCK %*s %*s %d", &p) == 1 && p == pid;
	if (f)
		fclose(f);
	return found;
}

/* In a child with its own mount namespace: hold the folder's flock (as a
 * concurrent `ip netns add` would) while a process prepares it; it must
 * wait for the lock before it mounts anything. Exit status 0 when it did. */
static int waits_in_own_mounts(void)
{
	pid_t racer;
	int lock, st;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("test-netns", "/run", "tmpfs", 0, "size=64k") < 0 ||
	    mkdir(NETNS_RUN_DIR, 0755) < 0 ||
	    (lock = open(NETNS_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    flock(lock, LOCK_EX) < 0)
		return 100;
	racer = fork();
	if (racer == 0) {
		close(lock); /* the lock is the open file's: it must not hold it too */
		_exit(netns_run_dir_prepare() < 0 ? 1 : 0);
	}
	/* No time bound: it either comes to wait for the lock or ends. */
	while (!waits_for_flock(racer))
		if (waitpid(racer, &st, WNOHANG) == racer)
			return 102; /* it ended without waiting for the lock */
	if (run_dir_mounts() != 0)
		return 103;
	close(lock);
	if (waitpid(racer, &st, 0) != racer || !WIFEXITED(st) || WEXITSTATUS(st))
		return 101;
	return run_dir_mounts() == 1 ? 0 : 104;
}

#define FILLED 64

/* In a child with its own mount namespace: a namespace made (the folder's
 * anchor file opened), then a fork that closes every descriptor above
 * stdio as vpcsim's daemons do (the AWS front, its Lambda invoker), fills
 * them with files of its own (memfds: an inode each) and makes a namespace. Exit status 0 when
 * none of its files was closed under it: a stale anchor descriptor, the
 * parent's, must not be used or closed (it closed the invoker's request
 * socket, and the invoker ended: "the Lambda invoker of this topology is
 * not running"). */
static int fork_keeps_descriptors(void)
{
	char a[64], b[64];
	struct netns *ns;
	pid_t kid;
	int st;

	snprintf(a, sizeof(a), "vpcsim-fdtest-a-%d", (int)getpid());
	snprintf(b, sizeof(b), "vpcsim-fdtest-b-%d", (int)getpid());
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("test-netns", "/run", "tmpfs", 0, "size=64k") < 0 ||
	    netns_create(a, NULL, 0, &ns) < 0)
		return 100;
	netns_close(ns);
	kid = fork();
	if (kid == 0) {
		ino_t ino[FILLED];
		struct stat sb;
		int bad = 0;

		syscall(SYS_close_range, 3U, ~0U, 0U);
		for (int fd = 3; fd < FILLED; fd++) /* each its own inode */
			if (memfd_create("filled", 0) != fd || fstat(fd, &sb) < 0)
				_exit(100);
			else
				ino[fd] = sb.st_ino;
		if (netns_create(b, NULL, 0, &ns) < 0)
			_exit(101);
		netns_close(ns);
		for (int fd = 3; fd < FILLED; fd++) /* closed, or closed and reused */
			bad += fstat(fd, &sb) < 0 || sb.st_ino != ino[fd];
		netns_delete(b);
		_exit(bad ? 1 : 0);
	}
	if (kid < 0 || waitpid(kid, &st, 0) != kid || !WIFEXITED(st))
		return 102;
	netns_delete(a);
	return WEXITSTATUS(st);
}

/* Run fn in a forked child (its own mount namespace dies with it); its
 * exit status. */
static int in_child(int (*fn)(void))
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_run_dir_waits_for_iproute2s_lock(void **state)
{
	NEED_ROOT();
	/* 102: prepared without the lock; 100/101: setup or prepare failed */
	assert_int_equal(in_child(waits_in_own_mounts), 0);
}

static void test_run_dir_made_shared_once(void **state)
{
	NEED_ROOT();
	/* 100/101: the setup or a racer failed; more than 1: stacked binds */
	assert_int_equal(in_child(race_in_own_mounts), 1);
}

/* A namespace made after a fork that closed the parent's descriptors
 * leaves the child's own files open. */
static void test_fork_keeps_descriptors(void **state)
{
	NEED_ROOT();
	/* 1: one of the child's files was closed; 100-102: the setup failed */
	assert_int_equal(in_child(fork_keeps_descriptors), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_dir_waits_for_iproute2s_lock),
		cmocka_unit_test(test_run_dir_made_shared_once),
		cmocka_unit_test(test_fork_keeps_descriptors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
