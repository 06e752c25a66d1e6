/* The asynchronous invoke queue of a topology (docs/EVENTS.md): events
 * accepted for an `InvocationType: Event` invoke (`vpcsim invoke
 * --invocation-type Event`, `serve`, schedules, S3 notifications) wait
 * here, on disk in the state folder, until the event service
 * (lambda/event_service.h) has delivered them or given them up. One file
 * per event, STATE/events/queue/ID, written whole and renamed into place,
 * so an event is either queued entirely or not at all, and it stays
 * queued across the event service's crash or restart: nothing accepted is
 * lost silently. A file is removed only when its event is done (delivered,
 * or given up with a record in STATE/events/failed/ID.json).
 *
 * File format: "key value" lines, a blank line, then the payload:
 *   function NAME | source invoke|schedule|s3 | accepted_ms T | due_ms T
 *   attempts N | throttles N | lineage N */
#ifndef VPCSIM_STATE_ASYNC_QUEUE_H
#define VPCSIM_STATE_ASYNC_QUEUE_H

#include <stddef.h>

#define ASYNC_PAYLOAD_MAX (1024 * 1024)  /* Lambda's asynchronous limit: 1 MB */
#define ASYNC_ID_MAX 40
#define ASYNC_FN_MAX 72

struct async_event {
	char id[ASYNC_ID_MAX];      /* the request id (uuid) */
	char function[ASYNC_FN_MAX];
	char source[16];            /* invoke, schedule, s3 */
	long long accepted_ms;      /* wall clock, ms since the epoch */
	long long due_ms;           /* not delivered before */
	int attempts;               /* invokes that ran (and failed) */
	int throttles;              /* times returned to the queue unrun */
	int lineage;                /* S3-triggered chain depth (loop detection) */
	char *payload;              /* malloc'ed, NUL-terminated */
	size_t len;
};

/* The queue's folder (STATE/events/queue) and the failed records'. */
void async_queue_dir(const char *state_dir, char *out, size_t size);
void async_failed_dir(const char *state_dir, char *out, size_t size);

/* Queue e (its id, function, source, payload; due now unless e->due_ms):
 * 0, -E2BIG when the payload is over ASYNC_PAYLOAD_MAX (err_msg() has
 * Lambda's "N byte payload is too large for the Event invocation type"),
 * or another -errno. */
int async_enqueue(const char *state_dir, struct async_event *e);
/* Write e again (its attempts, due time), atomically. */
int async_save(const char *state_dir, const struct async_event *e);
/* Read the event `id`; e->payload malloc'ed. */
int async_load(const char *state_dir, const char *id, struct async_event *e);
/* The event is done: its file removed. */
int async_remove(const char *state_dir, const char *id);
/* Ids of the queued events (malloc'ed array of n); 0 or -errno. */
int async_list(const char *state_dir, char (**ids)[ASYNC_ID_MAX], int *n);
void async_event_free(struct async_event *e);

/* Recursive-loop tracking by function (docs/EVENTS.md): while function fn
 * runs for an S3 event of chain depth L, the objects it writes start
 * events of depth L + 1: set(L + 1) before the invoke, valid until
 * until_ms; get answers that depth, or 0 when none is valid. */
int async_lineage_set(const char *state_dir, const char *fn, int lineage, long long until_ms);
int async_lineage_get(const char *state_dir, const char *fn);

#endif
