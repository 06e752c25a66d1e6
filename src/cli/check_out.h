/* `check`'s results as TAP lines and as JUnit XML. */
#ifndef VPCSIM_CHECK_OUT_H
#define VPCSIM_CHECK_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "model/reach.h"

struct check_case {
	const struct expectation *e;
	struct reach_result reach;
	enum probe_result probe;
	char probe_why[640];
	char error[320];         /* reach or probe could not run */
	bool ok;
};

/* "reader -> db:5432 open" (udp and icmp named). */
void check_title(const struct expectation *e, char *buf, size_t len);
/* What went wrong, one line; "" when ok. */
void check_failure(const struct check_case *c, char *buf, size_t len);
/* "ok N - title" or "not ok N - title" and "# " diagnostics. */
void check_tap(FILE *out, int n, const struct check_case *c);
/* A JUnit file: one testsuite (name, tests, failures, errors), one
 * testcase per expectation, a <failure message=...> for each wrong one.
 * 0 or -errno with errf(). */
int check_junit(const char *path, const char *suite, const struct check_case *c, int n);

#endif
