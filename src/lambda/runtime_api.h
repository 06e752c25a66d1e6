/* The Lambda Runtime API, version 2018-06-01, for one execution
 * environment: an HTTP/1.1 server (libmicrohttpd, one thread per
 * connection) on 127.0.0.1:9001 of the environment's network namespace,
 * the address the runtime finds in AWS_LAMBDA_RUNTIME_API.
 *
 * Its only client is the function, and the server runs in the supervisor
 * (root, outside the function's cgroup), so what the function can make it
 * hold is bounded (docs/SECURITY.md, "Memory bounds"): RAPI_CONN_MAX
 * connections, hence threads, at once (more wait in the kernel's accept
 * queue); RAPI_HEADER_MAX bytes of request line and headers per
 * connection; 6 MB per body (RAPI_RESPONSE_MAX): nothing kept once
 * Content-Length or the bytes received pass it, answered 413 (at once to
 * a client that waits for "100 Continue"); RAPI_BUFFER_MAX bytes of
 * bodies held at once over all connections (a body that would pass it is
 * dropped as it arrives and answered 413).
 *
 *   GET  /2018-06-01/runtime/invocation/next          blocks until an event
 *   POST /2018-06-01/runtime/invocation/{id}/response  202; 400 an id not the
 *                                                      invocation's; 403 no
 *                                                      invocation, or answered
 *                                                      already; 413 > 6 MiB+100
 *                                                      Lambda-Runtime-Function-Response-Mode:
 *                                                      streaming: a chunked body handed
 *                                                      on as it comes, a mid-stream error
 *                                                      in the trailers
 *                                                      Lambda-Runtime-Function-Error-Type
 *                                                      and -Error-Body (base64 JSON); any
 *                                                      other mode 400
 *                                                      InvalidFunctionResponseMode
 *   POST /2018-06-01/runtime/invocation/{id}/error     the same (error type in
 *                                                      Lambda-Runtime-Function-Error-Type)
 *   POST /2018-06-01/runtime/init/error                202 during init, else 403
 * Status codes, error types and messages are those of AWS's Runtime
 * Interface Emulator (rapi/handler, rapi/rendering, core/states.go).
 *
 * The supervisor (supervisor.c) owns the state below; the server threads
 * change it under `mu` and write to `notify_fd` (an eventfd) after each
 * change, so the supervisor's poll loop wakes up. */
#ifndef VPCSIM_RUNTIME_API_H
#define VPCSIM_RUNTIME_API_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "lambda/telemetry.h"

#define RAPI_PORT 9001
#define RAPI_PAYLOAD_MAX 6291456   /* 6 MB, synchronous invoke */
/* A runtime's response: AWS's emulator allows 6 MiB + 100 bytes
 * (interop.MaxPayloadSize) and states that figure in both messages. */
#define RAPI_RESPONSE_MAX 6291556
#define RAPI_CONN_MAX 32           /* connections (and server threads) at once:
				    * the runtime's and each extension's next */
#define RAPI_HAND_AFTER_MAX 65536    /* an event this large waits in a socket for a
				    * frozen runtime (on_handed) */
#define RAPI_HEADER_MAX 32768      /* request line + headers, per connection */
#define RAPI_BUFFER_MAX (2 * RAPI_PAYLOAD_MAX) /* bodies held at once, all connections */
/* A streamed response (Lambda-Runtime-Function-Response-Mode: streaming):
 * at most 200 MB (Lambda's limit since July 2025; 20 MB before), the
 * first 6 MB as fast as they come, then at most 2 MB/s, as Lambda states
 * for response streaming. At most RAPI_STREAM_BUF bytes of it wait for
 * the supervisor: past that the runtime's upload waits. */
#define RAPI_STREAM_MAX (200ULL << 20)
#define RAPI_STREAM_FREE (6ULL << 20)
#define RAPI_STREAM_RATE (2ULL << 20) /* bytes per second past RAPI_STREAM_FREE */
#define RAPI_STREAM_BUF (1 << 20)

/* Bytes of request bodies a server holds at once, over all its
 * connections: uploads charge it as they grow and give back when freed. */
struct rapi_budget {
	pthread_mutex_t mu;
	size_t used, max;
};

/* A request body being received by an HTTP server (the Runtime API here,
 * the Invoke API of `vpcsim serve`): the chunks libmicrohttpd hands over,
 * NUL-terminated, up to RAPI_PAYLOAD_MAX bytes. */
struct rapi_upload {
	char *buf;
	size_t len;
	bool too_large;            /* over the limit: bytes dropped, not kept */
	size_t limit;              /* 0: RAPI_PAYLOAD_MAX */
	bool over_budget;          /* too_large because the budget was spent */
	struct rapi_budget *budget; /* NULL: not counted */
};
/* Append a chunk. 0, or -ENOMEM when memory ran out (then too_large is
 * set as well, so the body is refused either way). Past the limit or the
 * budget, the bytes so far are freed and the rest dropped. */
int rapi_upload_add(struct rapi_upload *u, const char *data, size_t n);
void rapi_upload_free(struct rapi_upload *u);
/* A new upload of at most `limit` bytes (0: RAPI_PAYLOAD_MAX) charged to
 * `budget` (may be NULL); too_large at once when the request's
 * Content-Length (libmicrohttpd connection `conn`) says more than the
 * limit. NULL when out of memory. */
struct rapi_upload *rapi_upload_new(void *conn, struct rapi_budget *budget, size_t limit);

enum rapi_outcome {
	RAPI_NONE,
	RAPI_RESPONSE,             /* POST …/response */
	RAPI_ERROR,                /* POST …/error */
	RAPI_TOO_LARGE,            /* a response over 6 MB was refused (413) */
	RAPI_INIT_ERROR,           /* POST /runtime/init/error */
};

/* One event, as `next` hands it. */
struct rapi_event {
	char id[37];
	char *payload;             /* malloc'ed */
	size_t len;
	long long deadline_ms;     /* unix epoch, ms */
	char arn[256];
	char trace[128];
	char *client_context;      /* NULL: header not sent */
	char *cognito;
};

/* An extension (Extensions API 2020-01-01, ext_api.c): an executable of
 * /opt/extensions the supervisor started (external), or one that
 * registered under another name from inside the runtime's process
 * (internal: no SHUTDOWN). */
#define RAPI_EXT_MAX 10            /* Lambda's limit */
struct rapi_ext {
	char name[128];
	char id[37];               /* Lambda-Extension-Identifier */
	bool external;
	bool registered;
	bool on_invoke, on_shutdown;
	bool waiting;              /* blocked in event/next */
	long long n_next;          /* event/next calls so far */
	long long seen;            /* sequence of the last event handed */
	char error_type[128];      /* after init/error or exit/error */
	bool failed;
};

struct rapi {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int notify_fd;
	int listen_fd;             /* 127.0.0.1:RAPI_PORT, bound by rapi_listen */
	long long n_next;          /* `next` requests received so far */
	int waiting;               /* runtime threads blocked in `next` */
	bool have_event;           /* ev is waiting for a `next` */
	bool handed;               /* ev was handed out */
	bool init_over;            /* an event was handed once: no init/error now */
	struct rapi_event ev;
	char cur_id[37];           /* the invocation in progress, "" if none */
	enum rapi_outcome outcome; /* of cur_id (or of init) */
	char *body;                /* its body, malloc'ed */
	size_t body_len;
	char error_type[128];      /* Lambda-Runtime-Function-Error-Type */
	unsigned long long response_len; /* its Content-Length, 0 if not sent */
	/* cur_id's response when it is streamed: bytes wait in `stream` until
	 * rapi_take_stream() (stream_cv: room again). */
	bool streamed;             /* its response is (or was) streamed */
	bool streaming;            /* and its body is still coming */
	char stream_type[128];     /* its Content-Type */
	char *stream;              /* bytes not taken yet, malloc'ed */
	size_t stream_len;
	pthread_cond_t stream_cv;
	bool shutdown;
	void *daemon;              /* struct MHD_Daemon */
	struct rapi_budget budget; /* bodies being received */
	/* Extensions: the supervisor fills ext[] with the external ones
	 * before it starts them, and the function's metadata. */
	struct rapi_ext ext[RAPI_EXT_MAX];
	int n_ext;
	bool reg_closed;           /* the init is over: no more registrations */
	char fn_info[512];         /* the register answer's JSON body */
	char fn_info_account[560]; /* the same with accountId */
	long long ev_seq;          /* the extensions' current event */
	bool ev_shutdown;
	char *ev_json;
	int ext_fatal;             /* init/error or exit/error calls */
	struct telemetry tel;
	/* Called once per event handed to the runtime's `next`, on the
	 * Runtime API's thread, when the event is in the runtime's socket
	 * (an event over RAPI_HAND_AFTER_MAX bytes: as its answer starts,
	 * since a frozen runtime could not take more than the socket holds):
	 * the supervisor thaws the environment there, so the runtime wakes
	 * once, to an event already there (docs/RUNTIME.md, "Warm invokes"). */
	void (*on_handed)(void *arg);
	void *on_handed_arg;
	bool thaw_on_hand;         /* the supervisor's word for on_handed, set
				    * before the event is posted */
	/* Called on the Runtime API's thread when the runtime posted an
	 * invocation's response or error, before its 202 and with r->mu not
	 * held: the supervisor answers its caller from there when it can
	 * (true), else (false) the outcome wakes its loop as any other
	 * notification (docs/RUNTIME.md, "Warm invokes"). NULL: always the
	 * loop. */
	bool (*on_outcome)(void *arg);
	void *on_outcome_arg;
	/* The same for each `next` as it comes in (the invoke before it ends
	 * there): true when the supervisor ended it from this thread, else
	 * its loop is woken. NULL: always the loop. */
	bool (*on_next)(void *arg);
	void *on_next_arg;
};

/* Ready r and listen on 127.0.0.1:RAPI_PORT of the calling thread's
 * network namespace, without a thread or libmicrohttpd yet: the runtime can
 * be started at once, and its first connections wait in the socket's
 * backlog until rapi_start() serves them (docs/RUNTIME.md, "Cold starts
 * of a custom runtime"). Errors name the address and the kernel's message. */
int rapi_listen(struct rapi *r);

/* Serve r's socket (rapi_listen) with libmicrohttpd, loaded here. Errors
 * name the address and the library's failure. */
int rapi_start(struct rapi *r);

/* Hand `ev` (moved: its pointers belong to r from now) to the next `next`;
 * clears the previous outcome. */
void rapi_post_event(struct rapi *r, struct rapi_event *ev);

/* The current outcome, with the body moved to *body (free it), and the
 * Content-Length the runtime declared for it (0: none) in *declared. */
enum rapi_outcome rapi_take_outcome(struct rapi *r, char **body, size_t *len,
				    char error_type[128], unsigned long long *declared);

/* A streamed response's bytes not taken yet, moved to *buf (free it; NULL
 * when none), its Content-Type in ctype. False when the current
 * invocation's response is not streamed. */
bool rapi_take_stream(struct rapi *r, char **buf, size_t *len, char ctype[128]);

/* Counter of `next` requests and whether a runtime thread is blocked in
 * one now. */
void rapi_next_state(struct rapi *r, long long *n_next, int *waiting);

/* Drain the notify eventfd. */
void rapi_notified(struct rapi *r);

/* ---- the Extensions API (ext_api.c) ---- */

/* Route a request of the Extensions, Telemetry or Logs API; NULL-free
 * `body` for POST/PUT. Returns MHD_NO/MHD_YES as libmicrohttpd wants, or
 * -1 when the URL is none of theirs. */
int ext_api_handle(struct rapi *r, void *conn, const char *method, const char *url,
		   struct rapi_upload *u);
/* Hand the extensions an event (INVOKE: those registered for it;
 * SHUTDOWN likewise); `json` is copied. */
void ext_post_event(struct rapi *r, const char *json, bool shutdown);
/* Every registered extension is back in event/next after the current
 * event (for the init: has called it once), and every external one has
 * registered. */
bool ext_all_ready(struct rapi *r, bool init);
/* A new init: the external extensions `names` (not registered yet),
 * registration open. */
void ext_reset(struct rapi *r, char names[][128], int n);
/* The init is over: no more registrations. A copy of the extensions in
 * out; their number. */
int ext_close(struct rapi *r, struct rapi_ext out[RAPI_EXT_MAX]);
/* The register answer's body: functionName, functionVersion, handler
 * (and accountId, for Lambda-Extension-Accept-Feature: accountId). */
void ext_function_info(struct rapi *r, const char *fn, const char *handler,
		       const char *account);
/* How many external extensions have registered. */
int ext_registered(struct rapi *r);
/* The extensions registered, internal and external. */
int ext_count(struct rapi *r);
/* 1 + an error type copied to type when an extension posted init/error
 * or exit/error since the last call; else 0. */
int ext_take_fatal(struct rapi *r, char type[128], char name[128]);

#endif
