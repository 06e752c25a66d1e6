/* EventBridge schedule expressions; see schedule.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/schedule.h"

#define DAY_S 86400L
#define SEARCH_DAYS (366L * (SCHEDULE_YEAR_MAX - SCHEDULE_YEAR_MIN + 1))

/* A set of small integers lo..hi as 256 bits, offset by lo. */
struct bits {
	uint64_t w[4];
};

static void bit_set(struct bits *b, int i)
{
	b->w[i / 64] |= 1ULL << (i % 64);
}

static bool bit_has(const uint64_t *w, int i)
{
	return w[i / 64] >> (i % 64) & 1;
}

struct field {
	const char *name;            /* for messages: "Minutes", ... */
	int lo, hi;
	const char *const *names;    /* JAN..DEC or SUN..SAT, or NULL */
};

static const char *const month_names[] = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL",
					   "AUG", "SEP", "OCT", "NOV", "DEC", NULL };
static const char *const day_names[] = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL };

static const struct field fields[6] = {
	{ "Minutes", 0, 59, NULL },       { "Hours", 0, 23, NULL },
	{ "Day-of-month", 1, 31, NULL },  { "Month", 1, 12, month_names },
	{ "Day-of-week", 1, 7, day_names }, { "Year", SCHEDULE_YEAR_MIN, SCHEDULE_YEAR_MAX, NULL },
};

static int fail(char *why, size_t size, const char *fmt, const char *a, const char *b)
{
	snprintf(why, size, fmt, a, b);
	return -1;
}

/* One value of field f at *p (a number, or a name where the field has
 * them); advances *p. -1 when there is none or it is out of range. */
static int value_at(const struct field *f, const char **p)
{
	char *end;
	long v;

	if (f->names && isalpha((unsigned char)**p)) {
		for (int i = 0; f->names[i]; i++)
			if (!strncasecmp(*p, f->names[i], 3)) {
				*p += 3;
				return f->lo + i;
			}
		return -1;
	}
	if (!isdigit((unsigned char)**p))
		return -1;
	v = strtol(*p, &end, 10);
	*p = end;
	return v < f->lo || v > f->hi ? -1 : (int)v;
}

/* One item of a list: `*`, `A`, `A-B`, each optionally `/STEP`. */
static int item_parse(const struct field *f, const char *item, struct bits *b)
{
	const char *p = item;
	int a, z, step = 1;

	if (*p == '*') {
		a = f->lo;
		z = f->hi;
		p++;
	} else {
		if ((a = value_at(f, &p)) < 0)
			return -1;
		z = a;
		if (*p == '-') {
			p++;
			if ((z = value_at(f, &p)) < 0 || z < a)
				return -1;
		}
	}
	if (*p == '/') {
		char *end;
		long st = strtol(p + 1, &end, 10);

		if (!isdigit((unsigned char)p[1]) || st < 1 || st > f->hi - f->lo + 1)
			return -1;
		step = (int)st;
		p = end;
		if (z == a && item[0] != '*')
			z = f->hi; /* "0/10": from 0 every 10 */
	}
	if (*p)
		return -1;
	for (int v = a; v <= z; v += step)
		bit_set(b, v - f->lo);
	return 0;
}

/* A comma-separated list of items of field f into b. */
static int list_parse(const struct field *f, const char *text, struct bits *b, char *why,
		      size_t size)
{
	char buf[SCHEDULE_EXPR_MAX], *save = NULL, *item;

	snprintf(buf, sizeof(buf), "%s", text);
	if (!buf[0] || buf[strlen(buf) - 1] == ',')
		return fail(why, size, "the %s field '%s' is empty or ends with ','", f->name, text);
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save))
		if (item_parse(f, item, b) < 0)
			return fail(why, size, "the %s field has '%s', which is not a value, range or "
				    "increment of its allowed values", f->name, item);
	return 0;
}

/* Day-of-month: a list, or '?', 'L', 'LW', 'NW' alone. */
static int dom_parse(struct schedule *s, const char *text, char *why, size_t size)
{
	struct bits b = { { 0 } };
	char *end;
	long n;

	if (!strcmp(text, "?"))
		return s->dom_any = true, 0;
	if (!strcasecmp(text, "L"))
		return s->dom_last = true, 0;
	if (!strcasecmp(text, "LW"))
		return s->dom_weekday = 32, 0;
	n = strtol(text, &end, 10);
	if (end != text && (*end == 'W' || *end == 'w') && !end[1]) {
		if (n < 1 || n > 31)
			return fail(why, size, "the Day-of-month field '%s' names no day 1-31 before "
				    "W%s", text, "");
		return s->dom_weekday = (int)n, 0;
	}
	if (list_parse(&fields[2], text, &b, why, size) < 0)
		return -1;
	s->dom = (uint32_t)(b.w[0] << 1);
	return 0;
}

/* Day-of-week: a list, or '?', 'L', 'NL', 'N#K' alone. */
static int dow_parse(struct schedule *s, const char *text, char *why, size_t size)
{
	struct bits b = { { 0 } };
	const char *p = text;
	int d, k;

	if (!strcmp(text, "?"))
		return s->dow_any = true, 0;
	if (!strcasecmp(text, "L")) /* the last day of the week: Saturday */
		return s->dow = 1 << 7, 0;
	if ((d = value_at(&fields[4], &p)) > 0 && (*p == 'L' || *p == 'l') && !p[1])
		return s->dow_last = d, 0;
	if (d > 0 && *p == '#') {
		k = p[1] >= '1' && p[1] <= '5' && !p[2] ? p[1] - '0' : 0;
		if (!k)
			return fail(why, size, "the Day-of-week field '%s' needs N#K with K 1-5%s",
				    text, "");
		s->dow_nth_day = d;
		s->dow_nth = k;
		return 0;
	}
	if (list_parse(&fields[4], text, &b, why, size) < 0)
		return -1;
	s->dow = (uint8_t)(b.w[0] << 1);
	return 0;
}

static int cron_fields(const char *body, struct schedule *s, char *why, size_t size)
{
	char buf[SCHEDULE_EXPR_MAX], *f[7], *save = NULL;
	struct bits b[6] = { { { 0 } } };
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", body);
	for (char *t = strtok_r(buf, " ", &save); t && n < 7; t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	if (n != 6)
		return fail(why, size, "cron() takes six fields (Minutes Hours Day-of-month Month "
			    "Day-of-week Year), e.g. cron(0 12 * * ? *)%s%s", "", "");
	if ((!strcmp(f[2], "?")) == (!strcmp(f[4], "?")))
		return fail(why, size, "one of Day-of-month ('%s') and Day-of-week ('%s') must be "
			    "'?', and only one", f[2], f[4]);
	for (int i = 0; i < 6; i++)
		if (i != 2 && i != 4 && list_parse(&fields[i], f[i], &b[i], why, size) < 0)
			return -1;
	if (dom_parse(s, f[2], why, size) < 0 || dow_parse(s, f[4], why, size) < 0)
		return -1;
	s->minutes = b[0].w[0];
	s->hours = (uint32_t)b[1].w[0];
	s->months = (uint16_t)(b[3].w[0] << 1);
	memcpy(s->years, b[5].w, sizeof(s->years));
	return 0;
}

static int rate_parse(const char *body, struct schedule *s, char *why, size_t size)
{
	static const struct { const char *one, *many; long s; } units[] = {
		{ "minute", "minutes", 60 }, { "hour", "hours", 3600 }, { "day", "days", DAY_S },
	};
	char unit[32], tail;
	long v;

	if (sscanf(body, "%ld %31s %c", &v, unit, &tail) != 2 || !isdigit((unsigned char)body[0]))
		return fail(why, size, "rate() takes a positive whole number and a unit, e.g. "
			    "rate(5 minutes), not '%s'%s", body, "");
	if (v < 1 || v > 1000000)
		return fail(why, size, "the rate's value in '%s' must be a whole number from 1 "
			    "(EventBridge fires at most once a minute)%s", body, "");
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(unit, units[i].one) || !strcmp(unit, units[i].many)) {
			if ((v == 1) != !strcmp(unit, units[i].one)) {
				snprintf(why, size, "'%s': the unit is singular for 1 and plural "
					 "otherwise (rate(1 %s), rate(5 %s))", body, units[i].one,
					 units[i].many);
				return -1;
			}
			s->is_rate = true;
			s->rate_s = v * units[i].s;
			return 0;
		}
	}
	return fail(why, size, "the rate's unit '%s' is not minute(s), hour(s) or day(s)%s", unit,
		    "");
}

int schedule_parse(const char *text, struct schedule *s, char *why, size_t size)
{
	size_t n = text ? strlen(text) : 0;
	char body[SCHEDULE_EXPR_MAX];

	memset(s, 0, sizeof(*s));
	if (n >= SCHEDULE_EXPR_MAX || n < 7 || text[n - 1] != ')')
		return fail(why, size, "use rate(VALUE UNIT) or cron(FIELDS), not '%s'%s",
			    text ? text : "", "");
	if (!strncmp(text, "rate(", 5)) {
		snprintf(body, sizeof(body), "%.*s", (int)(n - 6), text + 5);
		return rate_parse(body, s, why, size);
	}
	if (!strncmp(text, "cron(", 5)) {
		snprintf(body, sizeof(body), "%.*s", (int)(n - 6), text + 5);
		return cron_fields(body, s, why, size);
	}
	return fail(why, size, "use rate(VALUE UNIT) or cron(FIELDS), not '%s'%s", text, "");
}

/* ---- when it fires ---- */

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && ((y % 4 == 0 && y % 100) || y % 400 == 0) ? 29 : d[m - 1];
}

/* 1 = Sunday .. 7 = Saturday, as cron's Day-of-week. */
static int weekday(int y, int m, int d)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12 };
	time_t t = timegm(&tm);

	gmtime_r(&t, &tm);
	return tm.tm_wday + 1;
}

/* The weekday (Mon-Fri) nearest to day n of the month, within it. */
static int nearest_weekday(int y, int m, int n)
{
	int last = days_in_month(y, m), w;

	if (n > last)
		n = last;
	w = weekday(y, m, n);
	if (w == 7) /* Saturday: Friday, or Monday when the 1st */
		return n > 1 ? n - 1 : n + 2;
	if (w == 1) /* Sunday: Monday, or Friday when the last */
		return n < last ? n + 1 : n - 2;
	return n;
}

static bool day_matches(const struct schedule *s, int y, int m, int d)
{
	int last = days_in_month(y, m), w = weekday(y, m, d);

	if (y < SCHEDULE_YEAR_MIN || y > SCHEDULE_YEAR_MAX || !bit_has(s->years, y - SCHEDULE_YEAR_MIN) ||
	    !(s->months >> m & 1))
		return false;
	if (!s->dom_any) {
		if (s->dom_last)
			return d == last;
		if (s->dom_weekday)
			return d == nearest_weekday(y, m, s->dom_weekday == 32 ? last : s->dom_weekday);
		return s->dom >> d & 1;
	}
	if (s->dow_last)
		return w == s->dow_last && d + 7 > last;
	if (s->dow_nth)
		return w == s->dow_nth_day && (d - 1) / 7 + 1 == s->dow_nth;
	return s->dow >> w & 1;
}

/* The first minute of the day starting at `day` (UTC midnight) that the
 * expression takes and is after `after`, or -1. */
static time_t first_in_day(const struct schedule *s, time_t day, time_t after)
{
	for (int h = 0; h < 24; h++) {
		if (!(s->hours >> h & 1) || day + (h + 1) * 3600L - 1 <= after)
			continue;
		for (int m = 0; m < 60; m++) {
			time_t t = day + h * 3600L + m * 60L;

			if (s->minutes >> m & 1 && t > after)
				return t;
		}
	}
	return -1;
}

time_t schedule_next(const struct schedule *s, time_t anchor, time_t after)
{
	struct tm tm;
	time_t day;

	if (s->is_rate) {
		long k = after < anchor ? 0 : (long)((after - anchor) / s->rate_s);

		return anchor + (k + 1) * s->rate_s;
	}
	day = after - (after % DAY_S + DAY_S) % DAY_S;
	for (long i = 0; i < SEARCH_DAYS; i++, day += DAY_S) {
		time_t t;

		gmtime_r(&day, &tm);
		if (tm.tm_year + 1900 > SCHEDULE_YEAR_MAX)
			break;
		if (!day_matches(s, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday))
			continue;
		if ((t = first_in_day(s, day, after)) >= 0)
			return t;
	}
	return -1;
}
