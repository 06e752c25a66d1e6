/* One queued asynchronous event delivered (event_service.h): Lambda's
 * async invocation rules, from its developer guide (invocation-async):
 * a function error is retried up to maximum_retry_attempts (0..2) times,
 * one minute after the first attempt and two after the second; a throttle
 * or a service error is not an attempt: the event goes back to the queue
 * (1 s, doubling up to 5 minutes) until maximum_event_age_s, except for
 * a function whose reserved concurrency is 0, whose events go straight
 * to failure, not retried (invocation-async-retain-records); an event
 * given up leaves Lambda's invocation record in STATE/events/failed. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lambda/event_service.h"
#include "lambda/invoke.h"
#include "lambda/sandbox.h"
#include "model/event_payload.h"
#include "state/async_queue.h"
#include "util/err.h"
#include "util/fs.h"

#define THROTTLE_FIRST_MS 1000
#define THROTTLE_MAX_MS (5 * 60 * 1000)

long long event_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void event_log(const char *state_dir, const char *fmt, ...)
{
	char path[4200], stamp[40];
	long long ms = event_wall_ms();
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/logs/events.log", state_dir);
	if (!(f = fopen(path, "ae")))
		return;
	gmtime_r(&s, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%s.%03lldZ ", stamp, ms % 1000);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

/* Give the event up: Lambda's invocation record, then out of the queue. */
static void give_up(const struct live *lv, int fn, struct async_event *e, const char *condition,
		    const char *response, struct async_counts *c)
{
	struct async_failure f = { .request_id = e->id, .condition = condition,
				   .payload = e->payload, .response = response,
				   .invokes = e->attempts, .ms = event_wall_ms() };
	char dir[4096], path[4200], *rec = event_failure_record(lv->t, fn, &f);

	async_failed_dir(lv->dir, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s.json", dir, e->id);
	if (!rec || mkdir_p(dir, 0700) < 0 || file_write_private(path, rec, strlen(rec), 0) < 0)
		event_log(lv->dir, "%s %s record-failed: %s", e->id, e->function, err_msg());
	free(rec);
	event_log(lv->dir, "%s %s given-up condition=%s attempts=%d", e->id, e->function,
		  condition, e->attempts);
	async_remove(lv->dir, e->id);
	c->failed++;
}

/* Not run (throttled, no address, a service error): back to the queue. */
static void requeue(const struct live *lv, struct async_event *e, struct async_counts *c)
{
	long long wait = THROTTLE_FIRST_MS;

	for (int i = 0; i < e->throttles && wait < THROTTLE_MAX_MS; i++)
		wait *= 2;
	e->throttles++;
	e->due_ms = event_wall_ms() + (wait < THROTTLE_MAX_MS ? wait : THROTTLE_MAX_MS);
	event_log(lv->dir, "%s %s throttled (%s) retry-in=%lldms", e->id, e->function, err_msg(),
		  e->due_ms - event_wall_ms());
	async_save(lv->dir, e);
	c->throttled++;
}

/* The invoke itself; *resp the function's answer (malloc'ed). */
static int run(const struct live *lv, int fn, const struct async_event *e,
	       struct invoke_outcome *o, char **resp)
{
	struct invoke_request rq = { .payload = e->payload, .len = e->len };
	size_t n = 0;
	int err;

	*resp = NULL;
	rq.out = open_memstream(resp, &n);
	rq.logs = fopen("/dev/null", "we");
	if (!rq.out || !rq.logs) {
		if (rq.out)
			fclose(rq.out);
		free(*resp);
		*resp = NULL;
		return errf(ENOMEM, "out of memory");
	}
	if (!strcmp(e->source, "s3"))
		async_lineage_set(lv->dir, e->function, e->lineage + 1,
				  event_wall_ms() + lv->t->functions[fn].timeout_s * 1000LL + 5000);
	err = invoke_function(lv, fn, &rq, o);
	fclose(rq.out);
	fclose(rq.logs);
	return err;
}

static void outcome(const struct live *lv, int fn, struct async_event *e,
		    const struct invoke_outcome *o, const char *resp, long long minute_ms,
		    struct async_counts *c)
{
	const struct function *f = &lv->t->functions[fn];

	e->attempts++;
	if (!strcmp(o->status, "ok")) {
		event_log(lv->dir, "%s %s delivered source=%s attempt=%d env=%s%s", e->id,
			  e->function, e->source, e->attempts, o->env_id, o->cold ? " cold" : "");
		async_remove(lv->dir, e->id);
		c->delivered++;
		return;
	}
	event_log(lv->dir, "%s %s failed source=%s attempt=%d status=%s", e->id, e->function,
		  e->source, e->attempts, o->status);
	if (e->attempts > f->max_retry_attempts) {
		give_up(lv, fn, e, "RetriesExhausted", resp ? resp : "", c);
		return;
	}
	e->due_ms = event_wall_ms() + minute_ms * e->attempts; /* 1, then 2 minutes */
	event_log(lv->dir, "%s %s retry=%d in=%lldms", e->id, e->function, e->attempts,
		  minute_ms * e->attempts);
	async_save(lv->dir, e);
	c->retries++;
}

void async_deliver(const struct live *lv, const char *id, long long minute_ms,
		   struct async_counts *c)
{
	struct invoke_outcome o;
	struct async_event e;
	char *resp = NULL;
	int fn, err;

	if (async_load(lv->dir, id, &e) < 0)
		return; /* taken meanwhile, or not an event: nothing to deliver */
	fn = layout_find_function(&lv->L, e.function);
	if (fn < 0) {
		event_log(lv->dir, "%s %s dropped: no such function", e.id, e.function);
		async_remove(lv->dir, e.id);
	} else if (event_wall_ms() - e.accepted_ms > lv->t->functions[fn].max_event_age_s * 1000LL) {
		give_up(lv, fn, &e, "EventAgeExceeded", NULL, c);
	} else if (e.lineage >= LOOP_LINEAGE_MAX) {
		give_up(lv, fn, &e, "RecursiveInvocationsDropped", NULL, c);
	} else if (lv->t->functions[fn].reserved_concurrency == 0) {
		/* Lambda: "sends new events to the DLQ or on-failure
		 * destination, without any retries"; not a throttle. */
		give_up(lv, fn, &e, "ZeroReservedConcurrency", NULL, c);
	} else if ((err = run(lv, fn, &e, &o, &resp)) < 0) {
		requeue(lv, &e, c);
	} else {
		outcome(lv, fn, &e, &o, resp, minute_ms, c);
	}
	free(resp);
	async_event_free(&e);
}

int async_invoke(const struct live *lv, int fn, const char *source, const char *payload,
		 size_t len, int lineage, char id[ASYNC_ID_MAX])
{
	const struct function *f = &lv->t->functions[fn];
	struct async_event e = { .payload = (char *)(payload ? payload : "{}"),
				 .len = payload ? len : 2, .lineage = lineage };
	int err;

	if (f->code.kind == CODE_NONE && !f->handler)
		return errf(EINVAL, "InvalidParameterValueException: function %s has no code or "
			    "handler to run asynchronously", f->name);
	sandbox_uuid_v4(e.id);
	snprintf(e.function, sizeof(e.function), "%s", f->name);
	snprintf(e.source, sizeof(e.source), "%s", source);
	err = async_enqueue(lv->dir, &e);
	if (!err) {
		snprintf(id, ASYNC_ID_MAX, "%s", e.id);
		event_log(lv->dir, "%s %s accepted source=%s bytes=%zu", e.id, e.function, source,
			  e.len);
	}
	return err;
}
