/* fd_read_full and fd_write_full (util/fs.h): whole transfers through a
 * pipe bigger than its buffer, short reads joined, an early end an error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/fs.h"

#define BIG (1 << 20) /* 16 pipe buffers */

/* A child writes BIG bytes in one call; the parent reads them in one. */
static void test_round_trip_bigger_than_the_pipe(void **state)
{
	char *out = malloc(BIG), *in = calloc(1, BIG);
	int p[2], status;
	pid_t pid;

	(void)state;
	for (size_t i = 0; i < BIG; i++)
		out[i] = (char)(i * 7);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(fd_write_full(p[1], out, BIG) == 0 ? 0 : 1);
	}
	close(p[1]);
	assert_int_equal(fd_read_full(p[0], in, BIG), 0);
	assert_memory_equal(in, out, BIG);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(p[0]);
	free(out);
	free(in);
}

/* Fewer bytes than asked, then the end: -1 with errno 0. */
static void test_early_end_is_an_error(void **state)
{
	char buf[8];
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "abc", 3), 3);
	close(p[1]);
	errno = EINVAL;
	assert_int_equal(fd_read_full(p[0], buf, sizeof(buf)), -1);
	assert_int_equal(errno, 0);
	assert_memory_equal(buf, "abc", 3);
	close(p[0]);
}

/* Writing to a pipe nobody reads: -1 with EPIPE (SIGPIPE ignored). */
static void test_write_to_a_closed_pipe(void **state)
{
	int p[2];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	assert_int_equal(fd_write_full(p[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_bigger_than_the_pipe),
		cmocka_unit_test(test_early_end_is_an_error),
		cmocka_unit_test(test_write_to_a_closed_pipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
