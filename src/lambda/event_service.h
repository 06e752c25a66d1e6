/* The event service of a topology (docs/EVENTS.md): one supervised
 * process per topology with functions, started at `up` and stopped at
 * `down` (journaled as "events"), that delivers the asynchronous invoke
 * queue (state/async_queue.h) through invoke_function(), with Lambda's
 * retries, and fires the functions' schedules.
 *
 * Two processes: the keeper (`vpcsim-events` in ps; the journaled one)
 * starts the worker (`vpcsim-evworker`) and, when it dies by anything but
 * the keeper's own stop, writes the crash to STATE/events/service and to
 * logs/events.log and starts it again a second later. Queued events are
 * files, so a worker's crash loses none: the new worker delivers them
 * (an event whose invoke the crash cut short runs again, as AWS's
 * at-least-once delivery allows).
 *
 * Retry timing: a function error is retried after 1 and then 2 minutes
 * (Lambda's delays). VPCSIM_ASYNC_MINUTE_MS, read at `up`, sets how long
 * such a "minute" is (tests use 1000); throttles and service errors go
 * back to the queue after 1 s, doubling up to 5 minutes, until the
 * function's maximum_event_age_s. */
#ifndef VPCSIM_LAMBDA_EVENT_SERVICE_H
#define VPCSIM_LAMBDA_EVENT_SERVICE_H

#include <stdbool.h>
#include <sys/types.h>

#include "model/layout.h"
#include "state/journal.h"
#include "state/state.h"

#define EVENT_SERVICE_NAME "events"          /* its journal entry */
#define EVENT_MINUTE_ENV "VPCSIM_ASYNC_MINUTE_MS"
#define EVENT_THREADS_MAX 8

/* A topology with functions has one. */
bool event_service_wanted(const struct topology *t);
/* At `up` (after the AWS zone): the service started and journaled in J. */
int event_service_up(const struct layout *L, const char *state_dir, struct journal *J);

struct event_service_info {
	bool present;              /* the topology has one */
	bool running;              /* the keeper lives */
	pid_t pid, worker;
	int restarts;
	char last_crash[160];      /* "" or what ended the last worker */
	int queued, failed;        /* events waiting; given up (records) */
	long long delivered, retries, throttled;
	int schedules, s3_sources;
};
int event_service_info(const struct live *lv, struct event_service_info *out);

/* Deliver the queued event `id` once (async_deliver.c): invoke it, then
 * remove it, put it back with its retry time, or give it up with an
 * invocation record. minute_ms as above. */
struct async_counts {
	long long delivered, retries, throttled, failed;
};
void async_deliver(const struct live *lv, const char *id, long long minute_ms,
		   struct async_counts *c);
/* Accept an asynchronous invoke (InvocationType Event) of function fn:
 * the event queued with a new request id (id[]), delivered later by the
 * service. 0; -E2BIG over the 1 MB limit, with Lambda's message; -EINVAL
 * for a function with nothing to run. */
int async_invoke(const struct live *lv, int fn, const char *source, const char *payload,
		 size_t len, int lineage, char id[40]);
/* The wall clock in ms since the epoch. */
long long event_wall_ms(void);
/* A line of logs/events.log. */
__attribute__((format(printf, 2, 3)))
void event_log(const char *state_dir, const char *fmt, ...);

#endif
