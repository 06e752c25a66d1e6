/* EventBridge schedule expressions (docs/EVENTS.md): `rate(VALUE UNIT)` and
 * `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, with
 * EventBridge's syntax and its checks, and when such a schedule fires next.
 * Pure: no clock is read here, the caller gives the times (UTC seconds).
 *
 * rate: VALUE a positive integer, UNIT minute|minutes|hour|hours|day|days,
 * singular exactly when VALUE is 1 (`rate(1 day)`, `rate(5 days)`).
 * cron: six fields in UTC; `,` `-` `*` `/` everywhere; Day-of-month also
 * `?`, `L`, `NW`, `LW`; Day-of-week 1-7 (1 is Sunday) or SUN-SAT, also `?`,
 * `NL` (the last such weekday of the month) and `N#K` (the K-th); Month
 * 1-12 or JAN-DEC; Year 1970-2199. Exactly one of Day-of-month and
 * Day-of-week is `?`. Nothing fires more often than once a minute. */
#ifndef VPCSIM_MODEL_SCHEDULE_H
#define VPCSIM_MODEL_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define SCHEDULE_EXPR_MAX 256
#define SCHEDULE_YEAR_MIN 1970
#define SCHEDULE_YEAR_MAX 2199

struct schedule {
	bool is_rate;
	long rate_s;                 /* rate: the period in seconds */
	uint64_t minutes;            /* cron: bit m for minute m (0-59) */
	uint32_t hours;              /* bit h (0-23) */
	uint32_t dom;                /* bit d (1-31) */
	bool dom_any;                /* '?' */
	bool dom_last;               /* 'L' */
	int dom_weekday;             /* 'NW': N (1-31); 'LW': 32; 0 none */
	uint16_t months;             /* bit m (1-12) */
	uint8_t dow;                 /* bit d (1-7, 1 = Sunday) */
	bool dow_any;                /* '?' */
	int dow_last;                /* 'NL': N; 0 none */
	int dow_nth_day, dow_nth;    /* 'N#K': day N, K-th; 0 none */
	uint64_t years[4];           /* bit y - 1970 */
};

/* Parse `text`. 0, or -1 with why[] saying which part breaks which rule
 * (the caller prefixes EventBridge's "Parameter ScheduleExpression is not
 * valid."). */
int schedule_parse(const char *text, struct schedule *s, char *why, size_t why_size);

/* The first time strictly after `after` at which s fires; for a rate,
 * counted in whole periods from `anchor` (when the schedule started).
 * -1 when a cron expression never fires again (its years are past). */
time_t schedule_next(const struct schedule *s, time_t anchor, time_t after);

#endif
