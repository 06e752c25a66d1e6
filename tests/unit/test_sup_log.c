/* lambda/sup_log: the frames of an invoke reach its client in as few
 * writes as it acts on: lines ('L') and the body ('B') are held and go
 * with the next frame the client acts on ('R', 'S', 'K', 'C') in one
 * write; a held line is due after SUP_HOLD_MS and goes when the loop asks;
 * a client that goes away gets what was held for it. Each check reads the
 * client's end of a socket pair without blocking: nothing there, or every
 * frame in one read. No check depends on time but the "due" one, which
 * only asserts that a line held is due within SUP_HOLD_MS. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "lambda/sup_log.h"

struct fx {
	struct sup_log log;
	int peer;
	char path[64];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int sv[2];
	int fd;

	snprintf(f->path, sizeof(f->path), "/tmp/test_sup_log.XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sup_log_open(&f->log, f->path, "2026/12/07/[$LATEST]x"), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	f->peer = sv[1];
	sup_log_client(&f->log, sv[0]);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->log.client_fd >= 0)
		close(f->log.client_fd);
	close(f->peer);
	unlink(f->path);
	free(f->log.held);
	free(f);
	return 0;
}

/* What one read of the client's end gets ("" when nothing waits). */
static const char *got(struct fx *f)
{
	static char buf[4096];
	ssize_t r = recv(f->peer, buf, sizeof(buf) - 1, 0);

	if (r < 0)
		assert_int_equal(errno, EAGAIN);
	buf[r > 0 ? r : 0] = '\0';
	return buf;
}

static void test_lines_and_body_wait_for_the_answer(void **state)
{
	struct fx *f = *state;

	sup_log_line(&f->log, "START RequestId: 1");
	sup_log_line(&f->log, "hello");
	sup_log_frame(&f->log, 'B', "{}", 2);
	assert_string_equal(got(f), "");
	sup_log_frame(&f->log, 'R', "ok 0 0", 6);
	assert_string_equal(got(f), "L19\nSTART RequestId: 1\nL6\nhello\nB2\n{}R6\nok 0 0");
	assert_int_equal(sup_log_hold_ms(&f->log), -1);
}

static void test_end_report_and_status_in_one_write(void **state)
{
	struct fx *f = *state;

	sup_log_line(&f->log, "END RequestId: 1");
	sup_log_line(&f->log, "REPORT RequestId: 1");
	sup_log_frame(&f->log, 'S', "ok 0 0", 6);
	assert_string_equal(got(f), "L17\nEND RequestId: 1\nL20\nREPORT RequestId: 1\nS6\nok 0 0");
}

static void test_streamed_bytes_go_at_once(void **state)
{
	struct fx *f = *state;

	sup_log_frame(&f->log, 'K', "text/plain", 10);
	assert_string_equal(got(f), "K10\ntext/plain");
	sup_log_frame(&f->log, 'C', "ab", 2);
	assert_string_equal(got(f), "C2\nab");
}

static void test_a_held_line_is_due_and_sent(void **state)
{
	struct fx *f = *state;
	int ms;

	sup_log_line(&f->log, "working");
	ms = sup_log_hold_ms(&f->log);
	assert_true(ms >= 0 && ms <= SUP_HOLD_MS + 1);
	assert_string_equal(got(f), "");
	sup_log_send_held(&f->log);
	assert_string_equal(got(f), "L8\nworking\n");
	assert_int_equal(sup_log_hold_ms(&f->log), -1);
}

static void test_client_leaving_gets_what_was_held(void **state)
{
	struct fx *f = *state;
	int fd = f->log.client_fd;

	sup_log_line(&f->log, "last");
	sup_log_client(&f->log, -1);
	assert_string_equal(got(f), "L5\nlast\n");
	close(fd);
}

static void test_many_lines_do_not_wait_past_the_cap(void **state)
{
	struct fx *f = *state;
	char line[1024];
	size_t n = 0;

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	for (size_t i = 0; i * sizeof(line) <= SUP_HOLD_MAX; i++)
		sup_log_line(&f->log, line);
	while (strlen(got(f)) > 0)
		n++;
	assert_true(n > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lines_and_body_wait_for_the_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_report_and_status_in_one_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_streamed_bytes_go_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_held_line_is_due_and_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_leaving_gets_what_was_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_lines_do_not_wait_past_the_cap, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
