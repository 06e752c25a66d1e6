/* An environment's log stream (lambda/sup_log.c): the line being read from
 * the runtime's pipe holds what its lines need, not CloudWatch's 256 KB
 * limit up front (issue 22: a supervisor's memory, 1,000 of them), and a
 * line past the limit is still cut at SUP_LINE_KEEP with its note. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lambda/sup_log.h"

static char dir[] = "/tmp/test_sup_log.XXXXXX";
static char path[sizeof(dir) + 16];

/* The stream file's text, malloc'ed. */
static char *file_text(size_t *len)
{
	FILE *f = fopen(path, "r");
	char *t = malloc(4 * SUP_LINE_MAX);

	assert_non_null(f);
	*len = fread(t, 1, 4 * SUP_LINE_MAX - 1, f);
	t[*len] = '\0';
	fclose(f);
	return t;
}

/* len bytes of 'x' and a newline through a pipe into the log. */
static void pump_line(struct sup_log *l, size_t len)
{
	char *b = malloc(len + 1);
	int p[2];
	size_t off = 0;

	memset(b, 'x', len);
	b[len] = '\n';
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	while (off < len + 1) { /* the pipe holds 64 KB: write, drain, again */
		ssize_t w = write(p[1], b + off, len + 1 - off);

		assert_true(w > 0);
		off += (size_t)w;
		sup_log_pump(l, p[0]);
	}
	close(p[1]);
	close(p[0]);
	free(b);
}

static void test_short_lines_hold_a_page(void **state)
{
	struct sup_log l;
	size_t n;
	char *t;

	(void)state;
	assert_int_equal(sup_log_open(&l, path, "s"), 0);
	assert_null(l.rt.buf); /* nothing until the runtime writes */
	pump_line(&l, 100);
	pump_line(&l, 3000);
	assert_int_equal(l.rt.cap, 4096);
	t = file_text(&n);
	assert_non_null(strstr(t, "Z xxxx"));
	assert_null(strstr(t, "truncated"));
	free(t);
	pump_line(&l, 10000); /* grows to the longest line */
	assert_int_equal(l.rt.cap, 16384);
	close(l.file_fd);
	free(l.rt.buf);
}

static void test_a_line_past_the_limit_is_cut_with_its_note(void **state)
{
	struct sup_log l;
	char note[64];
	size_t n;
	char *t;

	(void)state;
	assert_int_equal(sup_log_open(&l, path, "s"), 0);
	pump_line(&l, SUP_LINE_KEEP + 5000);
	assert_int_equal(l.rt.cap, SUP_LINE_KEEP);
	t = file_text(&n);
	snprintf(note, sizeof(note), "x [truncated: 5000 bytes]\n");
	assert_non_null(strstr(t, note));
	/* the kept part: SUP_LINE_KEEP x's, then the note */
	assert_int_equal(strstr(t, note) + 1 - strchr(strchr(t, '\n'), 'x'), SUP_LINE_KEEP);
	free(t);
	close(l.file_fd);
	free(l.rt.buf);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/stream", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_lines_hold_a_page),
		cmocka_unit_test(test_a_line_past_the_limit_is_cut_with_its_note),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
