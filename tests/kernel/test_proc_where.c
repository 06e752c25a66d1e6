/* Where a process is stuck (kernel/proc_where.h): the description of a
 * real process names its state, what it waits in, its threads and its
 * children, as the kernel reports them. The stack needs root; the state
 * and the wait channel do not. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/proc_where.h"

/* A child that waits reading a pipe no one writes (pipe_read), with a
 * child of its own stopped by SIGSTOP (state T). */
static pid_t waiting_child(int p[2])
{
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;
		pid_t kid;

		close(p[1]); /* the pipe ends when the parent closes its end */
		if ((kid = fork()) == 0) {
			raise(SIGSTOP);
			_exit(0);
		}
		if (read(p[0], &c, 1) < 0)
			_exit(1);
		kill(kid, SIGKILL);
		waitpid(kid, NULL, 0);
		_exit(0);
	}
	close(p[0]);
	return pid;
}

static void wait_state(pid_t pid, char want)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 2000; i++) {
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

		if (f)
			fclose(f);
		buf[n] = '\0';
		if ((p = strrchr(buf, ')')) && p[1] == ' ' && p[2] == want)
			return;
		usleep(5000);
	}
	fail_msg("process %d never reached state %c", (int)pid, want);
}

static void test_waiting_process(void **state)
{
	char out[1024], want[64], kids[64] = "";
	int p[2];
	pid_t pid = waiting_child(p);
	FILE *f;

	wait_state(pid, 'S');
	snprintf(want, sizeof(want), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	for (int i = 0; i < 2000 && !kids[0]; i++) { /* the grandchild forked */
		if ((f = fopen(want, "r"))) {
			if (!fgets(kids, sizeof(kids), f))
				kids[0] = '\0';
			fclose(f);
		}
		if (!kids[0])
			usleep(5000);
	}
	assert_true(kids[0] != '\0');
	wait_state((pid_t)atoi(kids), 'T');
	proc_where(pid, out, sizeof(out));
	print_message("%s\n", out);
	snprintf(want, sizeof(want), "%d S ", (int)pid);
	assert_ptr_equal(strstr(out, want), out);
	assert_non_null(strstr(out, "pipe_read"));
	snprintf(want, sizeof(want), "; child %d T", atoi(kids));
	assert_non_null(strstr(out, want));
	close(p[1]); /* the child ends */
	waitpid(pid, NULL, 0);
	proc_where(pid, out, sizeof(out));
	snprintf(want, sizeof(want), "%d gone", (int)pid);
	assert_string_equal(out, want);
}

static void *sleeper(void *arg)
{
	pause();
	return arg;
}

/* A thread of the process is listed with its own state. */
static void test_threads(void **state)
{
	pthread_t t;
	char out[2048];

	assert_int_equal(pthread_create(&t, NULL, sleeper, NULL), 0);
	usleep(50000);
	proc_where(getpid(), out, sizeof(out));
	print_message("%s\n", out);
	assert_non_null(strstr(out, "; thread "));
	pthread_cancel(t);
	pthread_join(t, NULL);
}

/* A buffer too small is cut, still ended. */
static void test_small_buffer(void **state)
{
	char out[8];

	memset(out, 'x', sizeof(out));
	proc_where(getpid(), out, sizeof(out));
	assert_true(strlen(out) < sizeof(out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waiting_process),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
