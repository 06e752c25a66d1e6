/* The allocation's files kept open (lambda/env_internal.h: env_alloc_keep),
 * on real files and processes in a folder of the test's own:
 *   - kept: a second take opens nothing (the same descriptors) and says
 *     so (0), the first says it opened them (1); envs/.gen goes through
 *     the kept file;
 *   - a `down` and an `up` of the same name (the folder removed and made
 *     again) between two takes: the next take opens the new files (1),
 *     and its lock is the new file's, the one another process locks;
 *   - a fork: the child's take opens its own files, so its lock excludes
 *     the parent (flock belongs to the open file: with the parent's
 *     descriptors the child would share the parent's lock), and it never
 *     closes the parent's descriptors (their numbers are still the
 *     parent's files in the child after it forgets its own). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lambda/env_internal.h"

static struct live lv;

static int setup(void **state)
{
	char tmpl[] = "/tmp/test_env_kept.XXXXXX";

	(void)state;
	memset(&lv, 0, sizeof(lv));
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(lv.dir, sizeof(lv.dir), "%s", tmpl);
	snprintf(lv.name, sizeof(lv.name), "kept");
	return 0;
}

static int teardown(void **state)
{
	char cmd[sizeof(lv.dir) + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", lv.dir);
	return system(cmd) == 0 ? 0 : -1;
}

static ino_t ino_of_path(const char *file)
{
	char path[sizeof(lv.dir) + 32];
	struct stat st;

	snprintf(path, sizeof(path), "%s/envs/%s", lv.dir, file);
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

static ino_t ino_of_fd(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

/* Another process's take of the alloc lock, by its path as `vpcsim
 * invoke` does: 1 if it got it without waiting, 0 if it was held. */
static int other_process_locks(void)
{
	char path[sizeof(lv.dir) + 32];
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int fd;

		snprintf(path, sizeof(path), "%s/envs/.alloc", lv.dir);
		fd = open(path, O_RDWR | O_CLOEXEC);
		_exit(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 ? 1 : 0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_kept_files_serve_again(void **state)
{
	struct env_kept k = { 0, -1, -1 };
	int alloc, gen;

	(void)state;
	assert_int_equal(env_alloc_keep(&lv, &k), 1);
	alloc = k.alloc;
	gen = k.gen;
	assert_int_equal(env_gen_bump(&lv, &k), 1);
	assert_int_equal(other_process_locks(), 0);
	env_alloc_leave(&k);
	assert_int_equal(other_process_locks(), 1);
	assert_int_equal(env_alloc_keep(&lv, &k), 0);
	assert_int_equal(k.alloc, alloc);
	assert_int_equal(k.gen, gen);
	assert_int_equal(env_gen_bump(&lv, &k), 2);
	assert_int_equal(env_gen_read(&lv, NULL), 2); /* the file's, by its path */
	env_alloc_leave(&k);
	env_alloc_forget(&k);
	assert_int_equal(k.alloc, -1);
	assert_int_equal(fcntl(alloc, F_GETFD), -1);
}

static void test_down_and_up_of_the_same_name(void **state)
{
	struct env_kept k = { 0, -1, -1 };
	char cmd[sizeof(lv.dir) + 32];

	(void)state;
	assert_int_equal(env_alloc_keep(&lv, &k), 1);
	assert_int_equal(env_gen_bump(&lv, &k), 1);
	env_alloc_leave(&k);
	/* down: the folder removed; up: made again, its files new */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/envs'", lv.dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(env_alloc_keep(&lv, &k), 1);
	assert_int_equal(ino_of_fd(k.alloc), ino_of_path(".alloc"));
	assert_int_equal(ino_of_fd(k.gen), ino_of_path(".gen"));
	assert_int_equal(env_gen_read(&lv, &k), 0); /* the new topology's count */
	assert_int_equal(other_process_locks(), 0);  /* the lock is the new file's */
	env_alloc_leave(&k);
	env_alloc_forget(&k);
}

static void test_fork_takes_its_own(void **state)
{
	struct env_kept k = { 0, -1, -1 };
	int to_parent[2], to_child[2], status, alloc;
	char c;
	pid_t pid;

	(void)state;
	assert_int_equal(env_alloc_keep(&lv, &k), 1);
	env_alloc_leave(&k);
	alloc = k.alloc;
	assert_int_equal(pipe(to_parent), 0);
	assert_int_equal(pipe(to_child), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) { /* the child: its own take, held until the parent has tried */
		close(to_child[1]); /* a parent that failed ends: EOF, not a wait */
		int fresh = env_alloc_keep(&lv, &k);
		bool own = k.alloc != alloc && ino_of_fd(k.alloc) == ino_of_path(".alloc");

		c = fresh == 1 && own ? 'y' : 'n';
		if (write(to_parent[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(3);
		env_alloc_leave(&k);
		env_alloc_forget(&k);
		/* the parent's descriptor, copied by the fork, not closed */
		_exit(fcntl(alloc, F_GETFD) >= 0 ? 0 : 2);
	}
	assert_int_equal(read(to_parent[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	/* The parent's kept file: the child's lock excludes it. */
	assert_int_equal(flock(alloc, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	assert_int_equal(write(to_child[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(env_alloc_keep(&lv, &k), 0); /* still the parent's own */
	assert_int_equal(k.alloc, alloc);
	env_alloc_leave(&k);
	env_alloc_forget(&k);
	close(to_parent[0]);
	close(to_parent[1]);
	close(to_child[0]);
	close(to_child[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kept_files_serve_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_down_and_up_of_the_same_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_takes_its_own, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
