/* TAP and JUnit output of `check`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/check_out.h"
#include "cli/reach_out.h"
#include "util/err.h"

void check_title(const struct expectation *e, char *buf, size_t len)
{
	if (e->proto == 1)
		snprintf(buf, len, "%s -> %s icmp %s", e->from, e->to, probe_result_str(e->result));
	else
		snprintf(buf, len, "%s -> %s:%d%s %s", e->from, e->to, e->port,
			 e->proto == 17 ? "/udp" : "", probe_result_str(e->result));
}

void check_failure(const struct check_case *c, char *buf, size_t len)
{
	const char *want = probe_result_str(c->e->result);
	const char *rv = probe_result_str(c->reach.verdict), *pv = probe_result_str(c->probe);

	if (c->ok)
		snprintf(buf, len, "%s", "");
	else if (c->error[0])
		snprintf(buf, len, "%s", c->error);
	else if (c->reach.verdict != c->probe)
		snprintf(buf, len, "analysis and packets disagree: reach says %s, probe says %s (expected %s)",
			 rv, pv, want);
	else
		snprintf(buf, len, "expected %s, got %s (reach and probe agree)", want, rv);
}

void check_tap(FILE *out, int n, const struct check_case *c)
{
	char title[256], why[640], line[512];

	check_title(c->e, title, sizeof(title));
	fprintf(out, "%s %d - %s\n", c->ok ? "ok" : "not ok", n, title);
	if (c->ok)
		return;
	check_failure(c, line, sizeof(line));
	fprintf(out, "# %s\n", line);
	if (c->error[0])
		return;
	reach_oneline(&c->reach, why, sizeof(why));
	fprintf(out, "# reach: %s: %s\n", probe_result_str(c->reach.verdict), why);
	fprintf(out, "# probe: %s: %s\n", probe_result_str(c->probe), c->probe_why);
}

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\n': fputs("&#10;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				fputc(*s, f);
		}
	}
}

static void junit_case(FILE *f, const char *suite, const struct check_case *c)
{
	char title[256], line[512], why[640];

	check_title(c->e, title, sizeof(title));
	fputs("    <testcase classname=\"vpcsim.check.", f);
	xml_text(f, suite);
	fputs("\" name=\"", f);
	xml_text(f, title);
	fputs(c->ok ? "\"/>\n" : "\">\n", f);
	if (c->ok)
		return;
	check_failure(c, line, sizeof(line));
	reach_oneline(&c->reach, why, sizeof(why));
	fputs("      <failure message=\"", f);
	xml_text(f, line);
	fputs("\" type=\"", f);
	fputs(c->error[0] ? "error" : c->reach.verdict != c->probe ? "disagreement" : "wrong-result", f);
	fputs("\">reach: ", f);
	xml_text(f, probe_result_str(c->reach.verdict));
	fputs(": ", f);
	xml_text(f, why);
	fputs("&#10;probe: ", f);
	xml_text(f, probe_result_str(c->probe));
	fputs(": ", f);
	xml_text(f, c->probe_why);
	fputs("</failure>\n    </testcase>\n", f);
}

int check_junit(const char *path, const char *suite, const struct check_case *c, int n)
{
	FILE *f = fopen(path, "w");
	int failures = 0;

	if (!f)
		return errf(errno, "writing %s: %s", path, strerror(errno));
	for (int i = 0; i < n; i++)
		failures += !c[i].ok;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"", f);
	xml_text(f, suite);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\">\n", n, failures);
	for (int i = 0; i < n; i++)
		junit_case(f, suite, &c[i]);
	fputs("  </testsuite>\n</testsuites>\n", f);
	if (fclose(f) != 0)
		return errf(errno, "writing %s: %s", path, strerror(errno));
	return 0;
}
