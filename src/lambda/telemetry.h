/* The Telemetry API 2022-07-01 of one execution environment: what an
 * extension subscribes to with PUT /2022-07-01/telemetry, and the records
 * delivered to its listener as Lambda does (LDG telemetry-api.md,
 * telemetry-schema-reference.md):
 *
 *   subscribe  {"schemaVersion":"2022-07-01","types":["platform","function",
 *              "extension"],"buffering":{"maxItems":…,"maxBytes":…,
 *              "timeoutMs":…},"destination":{"protocol":"HTTP",
 *              "URI":"http://sandbox.localdomain:PORT[/path]"}}
 *   delivery   POST of a JSON array of {"time","type","record"} to the URI,
 *              at most maxItems records and about maxBytes bytes per POST;
 *              with {"protocol":"TCP","port":N} (or a URI with the port)
 *              the records as NDJSON on one connection kept open
 *   failure    a batch the listener did not take (no connection, not 2xx,
 *              no answer in 1 s) is sent again, TEL_TRIES times in all;
 *              then it is dropped and a platform.logsDropped record
 *              ({"reason","droppedRecords","droppedBytes"}) says so, as do
 *              records lost to the buffer's bound
 *
 * Records come from the supervisor's thread (platform.*, and the
 * runtime's and extensions' output lines as "function" and "extension");
 * subscriptions from the Runtime API's threads: both under `mu`. The
 * delivery is the supervisor's, made only while the environment is thawed
 * (the listener runs in it): at the end of the init, when an event is
 * handed, when the runtime has answered, when the buffering's timeoutMs
 * is up during an invoke, and in the shutdown phase. Records made during
 * the init are kept for the subscriptions the init makes; later, records
 * no subscription waits for are dropped. At most TEL_KEEP_MAX bytes are
 * held: past them the oldest go. */
#ifndef VPCSIM_TELEMETRY_H
#define VPCSIM_TELEMETRY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define TEL_SUBS_MAX 10
#define TEL_TRIES 3
#define TEL_KEEP_MAX (8 * 1024 * 1024)
#define TEL_PLATFORM 1u
#define TEL_FUNCTION 2u
#define TEL_EXTENSION 4u

struct tel_rec {
	long long seq;
	unsigned type;             /* TEL_PLATFORM, TEL_FUNCTION, TEL_EXTENSION */
	double at_ms;              /* when it was made (now_ms) */
	char *json;                /* {"time":…,"type":…,"record":…} */
	size_t len;
};

struct tel_sub {
	char ext[128];             /* the extension's name */
	unsigned types;
	bool tcp;                  /* protocol TCP: NDJSON on one connection */
	int fd;                    /* that connection, -1: none open */
	int port;
	char path[256];
	int max_items, timeout_ms;
	long max_bytes;
	long long cursor;          /* the next record's seq to deliver */
};

struct telemetry {
	pthread_mutex_t mu;
	struct tel_rec *v;
	size_t n, cap, bytes;
	long long next_seq;
	bool init_over;            /* records no subscription waits for go */
	struct tel_sub sub[TEL_SUBS_MAX];
	int n_sub;
	long long dropped, dropped_bytes; /* records lost, not reported yet */
	char drop_reason[200];
};

void tel_init(struct telemetry *t);

/* A record of `type` ("platform.start", "function", …): `record` is its
 * JSON value (an object, or a string for a log line). */
void tel_add(struct telemetry *t, const char *type, const char *record);
/* A log line as a "function" or "extension" record (a JSON string). */
void tel_add_line(struct telemetry *t, unsigned kind, const char *line, size_t len);

/* The subscription of extension `ext` from a request body. 0, or
 * -EINVAL with Lambda's 400 message in err. */
int tel_subscribe(struct telemetry *t, const char *ext, const char *body, char *err,
		  size_t size);

/* Deliver what is due (everything when `all`): one POST per batch to each
 * subscriber's listener, each bounded in time. */
void tel_flush(struct telemetry *t, bool all);

/* Milliseconds until a batch is due by its timeoutMs (-1: none waits). */
int tel_due_ms(struct telemetry *t);

/* The init is over: records made from now on are kept only for the
 * subscriptions there are. */
void tel_init_over(struct telemetry *t);

#endif
