/* AWS's event payloads that the event sources hand a function
 * (docs/EVENTS.md), as JSON text (malloc'ed; NULL when out of memory).
 * Pure: the caller gives the ids and times. */
#ifndef VPCSIM_MODEL_EVENT_PAYLOAD_H
#define VPCSIM_MODEL_EVENT_PAYLOAD_H

#include <stddef.h>
#include <time.h>

#include "model/topology.h"

#define LOOP_LINEAGE_MAX 16  /* Lambda stops a recursive loop after ~16 invokes */

/* EventBridge's scheduled event for function fn's event source k, fired
 * at `when` (the schedule's time, not the delivery's). */
char *event_scheduled(const struct topology *t, int fn, int k, const char *id, time_t when);
/* The rule's name: vpcsim-TOPOLOGY-FUNCTION-schedule-K (at most 64). */
void event_rule_name(const struct topology *t, int fn, int k, char *out, size_t size);

/* One S3 notification (eventVersion 2.1): name e.g. "ObjectCreated:Put";
 * key as stored (form-URL-encoded here, as S3 sends it); size and etag
 * only for created objects (size < 0: left out); who the requester's
 * principal id; ms the event's time in ms since the epoch. */
struct s3_notice {
	const char *name, *bucket, *key, *etag, *principal, *source_ip, *request_id;
	long long size;
	long long ms;
	unsigned long long sequence;   /* orders events of one key */
};
char *event_s3(const struct topology *t, const struct s3_notice *n);
/* Key encoded as S3 does in notifications: form-URL-encoding (space is '+'). */
void s3_key_encode(const char *key, char *out, size_t size);
/* Does function event e take S3 event `name` ("ObjectCreated:Put") of `key`? */
bool s3_event_matches(const struct fn_event *e, const char *bucket, const char *name,
		      const char *key);

/* Lambda's invocation record for an asynchronous event given up (as an
 * OnFailure destination receives it): condition RetriesExhausted,
 * EventAgeExceeded or RecursiveInvocationsDropped; payload and response as
 * sent and answered (JSON kept as JSON, anything else as a string). */
struct async_failure {
	const char *request_id, *condition, *payload, *response;
	int invokes;               /* approximateInvokeCount */
	long long ms;
};
char *event_failure_record(const struct topology *t, int fn, const struct async_failure *f);

#endif
