/* The Lambda Runtime API server; see runtime_api.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/b64.h"
#include "util/clock.h"
#include "util/dlib.h"
#include "lambda/runtime_api.h"
#include "util/err.h"

#define PREFIX "/2018-06-01/runtime/"
#define INVOCATION PREFIX "invocation/"

static void notify(struct rapi *r)
{
	uint64_t one = 1;

	if (write(r->notify_fd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow in practice; nothing to do */
	}
}

void rapi_notified(struct rapi *r)
{
	uint64_t v;

	while (read(r->notify_fd, &v, sizeof(v)) > 0)
		;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body)
{
	struct MHD_Response *resp = sym_MHD_create_response_from_buffer(
		strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	sym_MHD_add_response_header(resp, "Content-Type", "application/json");
	ret = sym_MHD_queue_response(c, status, resp);
	sym_MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status,
				   const char *type, const char *msg)
{
	char body[512];

	snprintf(body, sizeof(body), "{\"errorMessage\":\"%s\",\"errorType\":\"%s\"}", msg, type);
	return reply(c, status, body);
}

static void handed(struct rapi *r, bool *later)
{
	if (later)
		*later = true; /* request_done() calls it */
	else if (r->on_handed)
		r->on_handed(r->on_handed_arg);
}

/* GET …/invocation/next: block until an event, then hand it; *handed_later
 * when the event is small enough to be in the runtime's socket before
 * on_handed is called (request_done). */
static enum MHD_Result on_next(struct rapi *r, struct MHD_Connection *c, bool *handed_later)
{
	struct MHD_Response *resp;
	struct rapi_event ev;
	char deadline[32], *payload;
	enum MHD_Result ret;

	pthread_mutex_lock(&r->mu);
	r->n_next++;
	r->waiting++;
	if (!r->on_next) {
		notify(r);
	} else { /* the supervisor may end the invoke here, not its loop */
		pthread_mutex_unlock(&r->mu);
		if (!r->on_next(r->on_next_arg))
			notify(r);
		pthread_mutex_lock(&r->mu);
	}
	while (!r->have_event && !r->shutdown)
		pthread_cond_wait(&r->cv, &r->mu);
	r->waiting--;
	if (r->shutdown) {
		pthread_mutex_unlock(&r->mu);
		return MHD_NO;
	}
	r->have_event = false;
	r->handed = true;
	r->init_over = true;
	ev = r->ev; /* the strings stay r's until the next event */
	payload = malloc(ev.len + 1);
	if (payload)
		memcpy(payload, ev.payload, ev.len);
	pthread_mutex_unlock(&r->mu);
	if (!payload) {
		handed(r, NULL);
		return MHD_NO;
	}
	resp = sym_MHD_create_response_from_buffer(ev.len, payload, MHD_RESPMEM_MUST_FREE);
	snprintf(deadline, sizeof(deadline), "%lld", ev.deadline_ms);
	sym_MHD_add_response_header(resp, "Content-Type", "application/json");
	sym_MHD_add_response_header(resp, "Lambda-Runtime-Aws-Request-Id", ev.id);
	sym_MHD_add_response_header(resp, "Lambda-Runtime-Deadline-Ms", deadline);
	sym_MHD_add_response_header(resp, "Lambda-Runtime-Invoked-Function-Arn", ev.arn);
	sym_MHD_add_response_header(resp, "Lambda-Runtime-Trace-Id", ev.trace);
	if (ev.client_context)
		sym_MHD_add_response_header(resp, "Lambda-Runtime-Client-Context", ev.client_context);
	if (ev.cognito)
		sym_MHD_add_response_header(resp, "Lambda-Runtime-Cognito-Identity", ev.cognito);
	ret = sym_MHD_queue_response(c, MHD_HTTP_OK, resp);
	sym_MHD_destroy_response(resp);
	handed(r, ret == MHD_YES && ev.len <= RAPI_HAND_AFTER_MAX ? handed_later : NULL);
	return ret;
}

/* Record how the runtime answered: the outcome, the body it posted (taken
 * from the upload) and its error type; then, with `wake`, wake the
 * supervisor. Under r->mu. */
static void outcome_keep(struct rapi *r, enum rapi_outcome kind, struct rapi_upload *u,
			 const char *type, bool wake)
{
	r->outcome = kind;
	free(r->body);
	r->body = u->buf;
	r->body_len = u->len;
	u->buf = NULL;
	snprintf(r->error_type, sizeof(r->error_type), "%s", type ? type : "");
	if (wake)
		notify(r);
}

static void outcome_set(struct rapi *r, enum rapi_outcome kind, struct rapi_upload *u,
			const char *type)
{
	outcome_keep(r, kind, u, type, true);
}

/* Why the runtime may not answer invocation `id` now (under r->mu):
 * *status and the emulator's error in type and msg; 0 when it may. The
 * emulator's runtime states: no invocation handed is Started (init) or
 * Ready (in next); an answered one RuntimeResponseSentState; none of them
 * may answer. */
static unsigned answer_refused(const struct rapi *r, const char *id, enum rapi_outcome kind,
			       const char **type, char msg[256])
{
	const char *from = NULL;

	if (!r->handed)
		from = r->init_over ? "Ready" : "Started";
	else if (r->outcome != RAPI_NONE || r->streaming)
		from = "RuntimeResponseSentState";
	if (from) {
		snprintf(msg, 256, "State transition from %s to %s failed for runtime. "
			 "Error: State transition is not allowed", from,
			 kind == RAPI_ERROR ? "InvocationErrorResponse" : "InvocationResponse");
		*type = "InvalidStateTransition";
		return MHD_HTTP_FORBIDDEN;
	}
	if (strcmp(id, r->cur_id)) {
		snprintf(msg, 256, "Invalid request ID");
		*type = "InvalidRequestID";
		return MHD_HTTP_BAD_REQUEST;
	}
	return 0;
}

static enum MHD_Result on_result(struct rapi *r, struct MHD_Connection *c, const char *id,
				 enum rapi_outcome kind, struct rapi_upload *u)
{
	const char *type = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       "Lambda-Runtime-Function-Error-Type");
	const char *len = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	const char *etype;
	char msg[256];
	unsigned status;

	pthread_mutex_lock(&r->mu);
	if ((status = answer_refused(r, id, kind, &etype, msg))) {
		pthread_mutex_unlock(&r->mu);
		return reply_error(c, status, etype, msg);
	}
	if (u->too_large)
		kind = RAPI_TOO_LARGE;
	/* The supervisor is woken only if on_outcome does not take it here. */
	outcome_keep(r, kind, u, type, !r->on_outcome);
	r->response_len = len ? strtoull(len, NULL, 10) : 0;
	pthread_mutex_unlock(&r->mu);
	if (r->on_outcome && !r->on_outcome(r->on_outcome_arg))
		notify(r);
	if (kind == RAPI_TOO_LARGE) {
		snprintf(msg, sizeof(msg), "Exceeded maximum allowed payload size (%d bytes).",
			 RAPI_RESPONSE_MAX);
		return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "RequestEntityTooLarge", msg);
	}
	return reply(c, MHD_HTTP_ACCEPTED, "{\"status\":\"OK\"}");
}

static enum MHD_Result on_init_error(struct rapi *r, struct MHD_Connection *c,
				     struct rapi_upload *u)
{
	const char *type = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       "Lambda-Runtime-Function-Error-Type");

	pthread_mutex_lock(&r->mu);
	if (r->init_over || r->outcome != RAPI_NONE) {
		pthread_mutex_unlock(&r->mu);
		return reply_error(c, MHD_HTTP_FORBIDDEN, "InvalidStateTransition",
				   "State transition from Ready to InitError failed for runtime.");
	}
	outcome_set(r, RAPI_INIT_ERROR, u, type);
	pthread_mutex_unlock(&r->mu);
	return reply(c, MHD_HTTP_ACCEPTED, "{\"status\":\"OK\"}");
}

static void budget_give_back(struct rapi_upload *u)
{
	if (!u->budget || !u->buf)
		return;
	pthread_mutex_lock(&u->budget->mu);
	u->budget->used -= u->len + 1;
	pthread_mutex_unlock(&u->budget->mu);
}

/* Charge n more bytes (the first chunk also its terminator). */
static bool budget_take(struct rapi_upload *u, size_t n)
{
	bool ok;

	if (!u->budget)
		return true;
	n += u->buf ? 0 : 1;
	pthread_mutex_lock(&u->budget->mu);
	ok = u->budget->used + n <= u->budget->max;
	if (ok)
		u->budget->used += n;
	pthread_mutex_unlock(&u->budget->mu);
	return ok;
}

/* Past a limit: what was kept is freed, what comes is dropped. */
static void upload_refuse(struct rapi_upload *u, bool over_budget)
{
	budget_give_back(u);
	free(u->buf);
	u->buf = NULL;
	u->len = 0;
	u->too_large = true;
	u->over_budget = over_budget;
}

int rapi_upload_add(struct rapi_upload *u, const char *data, size_t n)
{
	char *grown;

	if (u->too_large)
		return 0;
	if (u->len + n > (u->limit ? u->limit : RAPI_PAYLOAD_MAX)) {
		upload_refuse(u, false);
		return 0;
	}
	if (!budget_take(u, n)) {
		upload_refuse(u, true);
		return 0;
	}
	grown = realloc(u->buf, u->len + n + 1);
	if (!grown) {
		if (u->budget) { /* give back what this chunk took */
			pthread_mutex_lock(&u->budget->mu);
			u->budget->used -= n + (u->buf ? 0 : 1);
			pthread_mutex_unlock(&u->budget->mu);
		}
		upload_refuse(u, false);
		return -ENOMEM;
	}
	u->buf = grown;
	memcpy(u->buf + u->len, data, n);
	u->len += n;
	u->buf[u->len] = '\0';
	return 0;
}

void rapi_upload_free(struct rapi_upload *u)
{
	if (u) {
		budget_give_back(u);
		free(u->buf);
	}
	free(u);
}

struct rapi_upload *rapi_upload_new(void *conn, struct rapi_budget *budget, size_t limit)
{
	const char *cl = sym_MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_CONTENT_LENGTH);
	struct rapi_upload *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->budget = budget;
	u->limit = limit;
	/* Refused before a byte of the body is read. */
	if (cl && strtoull(cl, NULL, 10) > (limit ? limit : RAPI_PAYLOAD_MAX))
		u->too_large = true;
	return u;
}

/* The invocation id of "…/invocation/{id}/{what}", or NULL. */
static const char *invocation_id(const char *url, const char *what, char id[64])
{
	const char *p = url + strlen(INVOCATION), *slash = strchr(p, '/');

	if (strncmp(url, INVOCATION, strlen(INVOCATION)) || !slash ||
	    (size_t)(slash - p) >= 64 || strcmp(slash + 1, what))
		return NULL;
	memcpy(id, p, (size_t)(slash - p));
	id[slash - p] = '\0';
	return id;
}

static enum MHD_Result on_post(struct rapi *r, struct MHD_Connection *c, const char *method,
			       const char *url, struct rapi_upload *u)
{
	int ext = ext_api_handle(r, c, method, url, u);
	char id[64];

	if (ext >= 0)
		return (enum MHD_Result)ext;
	if (strcmp(method, "POST"))
		return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "MethodNotAllowed",
				   "Method not allowed");
	if (!strcmp(url, PREFIX "init/error"))
		return on_init_error(r, c, u);
	if (invocation_id(url, "response", id))
		return on_result(r, c, id, RAPI_RESPONSE, u);
	if (invocation_id(url, "error", id))
		return on_result(r, c, id, RAPI_ERROR, u);
	return reply_error(c, MHD_HTTP_NOT_FOUND, "NotFound", "Not found");
}

static bool expects_continue(struct MHD_Connection *c)
{
	const char *e = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");

	return e && !strcasecmp(e, "100-continue");
}

/* ---- streamed responses ---------------------------------------------- */

#define MODE_HEADER "Lambda-Runtime-Function-Response-Mode"
#define TRAILER_TYPE "Lambda-Runtime-Function-Error-Type"
#define TRAILER_BODY "Lambda-Runtime-Function-Error-Body"

/* One request on a connection: a body kept whole, or a streamed response
 * handed on as it comes. */
struct rapi_req {
	struct rapi_upload *u;     /* the body kept; NULL when streamed */
	bool stream;               /* a streamed response under way */
	unsigned refused;          /* a streamed response refused: the status */
	const char *rtype;         /* and error answered once the body is in */
	char rmsg[256];
	unsigned long long n;      /* bytes streamed so far */
	double t_free;             /* when n passed RAPI_STREAM_FREE */
	bool over;                 /* past RAPI_STREAM_MAX: the rest dropped */
	bool handed_later;         /* a `next` answered with an event: on_handed
				    * once it is sent */
};

/* The headers of POST …/{id}/response with a response mode are in. */
static void stream_open(struct rapi *r, struct MHD_Connection *c, const char *id,
			const char *mode, struct rapi_req *q)
{
	const char *ct = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");

	if (strcmp(mode, "streaming")) { /* the emulator's answer to any other */
		q->refused = MHD_HTTP_BAD_REQUEST;
		q->rtype = "InvalidFunctionResponseMode";
		snprintf(q->rmsg, sizeof(q->rmsg), "Invalid function response mode");
		return;
	}
	pthread_mutex_lock(&r->mu);
	q->refused = answer_refused(r, id, RAPI_RESPONSE, &q->rtype, q->rmsg);
	if (!q->refused) {
		r->streamed = r->streaming = true;
		snprintf(r->stream_type, sizeof(r->stream_type), "%s",
			 ct ? ct : "application/octet-stream");
		notify(r);
	}
	pthread_mutex_unlock(&r->mu);
	q->stream = !q->refused;
}

/* Past its first 6 MB a stream goes at most at RAPI_STREAM_RATE: the
 * runtime's upload waits (this thread is its connection's own). */
static void stream_pace(struct rapi_req *q, size_t n)
{
	double due, wait;

	q->n += n;
	if (q->n <= RAPI_STREAM_FREE)
		return;
	if (q->t_free == 0)
		q->t_free = now_ms();
	due = q->t_free + (double)(q->n - RAPI_STREAM_FREE) * 1000.0 / (double)RAPI_STREAM_RATE;
	wait = due - now_ms();
	if (wait > 0)
		sleep_ms((int)wait);
}

static void stream_add(struct rapi *r, struct rapi_req *q, const char *data, size_t n)
{
	char *grown;

	if (!q->stream || q->over)
		return;
	if (q->n + n > RAPI_STREAM_MAX) {
		q->over = true;
		return;
	}
	pthread_mutex_lock(&r->mu);
	while (r->stream_len && r->stream_len + n > RAPI_STREAM_BUF)
		pthread_cond_wait(&r->stream_cv, &r->mu);
	grown = realloc(r->stream, r->stream_len + n);
	if (grown) {
		memcpy(grown + r->stream_len, data, n);
		r->stream = grown;
		r->stream_len += n;
		notify(r);
	} else {
		q->over = true; /* what cannot be kept is not sent */
	}
	pthread_mutex_unlock(&r->mu);
	stream_pace(q, n);
}

/* The body is in: the outcome, with a mid-stream error from the trailers
 * (its body base64 of the error's JSON). */
static enum MHD_Result stream_close(struct rapi *r, struct MHD_Connection *c, struct rapi_req *q)
{
	const char *type = sym_MHD_lookup_connection_value(c, MHD_FOOTER_KIND, TRAILER_TYPE);
	const char *b64 = sym_MHD_lookup_connection_value(c, MHD_FOOTER_KIND, TRAILER_BODY);
	char *body = NULL, msg[128];
	size_t len = 0;

	if (q->refused)
		return reply_error(c, q->refused, q->rtype, q->rmsg);
	if (b64 && b64_decode(b64, strlen(b64), &body, &len) < 0)
		len = 0;
	q->stream = false;
	pthread_mutex_lock(&r->mu);
	r->streaming = false;
	r->outcome = type ? RAPI_ERROR : q->over ? RAPI_TOO_LARGE : RAPI_RESPONSE;
	free(r->body);
	r->body = body;
	r->body_len = len;
	snprintf(r->error_type, sizeof(r->error_type), "%s", type ? type : "");
	r->response_len = q->n;
	notify(r);
	pthread_mutex_unlock(&r->mu);
	if (!q->over)
		return reply(c, MHD_HTTP_ACCEPTED, "{\"status\":\"OK\"}");
	snprintf(msg, sizeof(msg), "Exceeded maximum allowed payload size (%llu bytes).",
		 RAPI_STREAM_MAX);
	return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "RequestEntityTooLarge", msg);
}

/* A request's headers are in: a streamed response, or a body to keep. */
static enum MHD_Result request_open(struct rapi *r, struct MHD_Connection *c, const char *method,
				    const char *url, void **con_cls)
{
	const char *mode = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND, MODE_HEADER);
	struct rapi_req *q = calloc(1, sizeof(*q));
	char id[64];

	if (!q)
		return MHD_NO;
	*con_cls = q;
	if (mode && invocation_id(url, "response", id)) {
		stream_open(r, c, id, mode, q);
		return MHD_YES;
	}
	q->u = rapi_upload_new(c, &r->budget, RAPI_RESPONSE_MAX);
	if (!q->u)
		return MHD_NO;
	/* Too large by its Content-Length: nothing of it is kept. A client
	 * that waits for "100 Continue" is answered now and never sends it;
	 * any other is answered once it has sent it (answered earlier, it
	 * would write into a closed socket). */
	return q->u->too_large && expects_continue(c) ? on_post(r, c, method, url, q->u) : MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version,
			      const char *data, size_t *data_size, void **con_cls)
{
	struct rapi *r = cls;
	struct rapi_req *q = *con_cls;

	if (!strcmp(method, "GET")) {
		int ext;

		/* Answered from the second call: libmicrohttpd (0.9.75) closes
		 * a connection whose response was queued in the first, and
		 * the runtime clients keep theirs open between requests. */
		if (!q) {
			*con_cls = calloc(1, sizeof(struct rapi_req));
			return *con_cls ? MHD_YES : MHD_NO;
		}
		if (!strcmp(url, INVOCATION "next"))
			return on_next(r, c, &q->handed_later);
		if ((ext = ext_api_handle(r, c, method, url, NULL)) >= 0)
			return (enum MHD_Result)ext;
		return reply_error(c, MHD_HTTP_NOT_FOUND, "NotFound", "Not found");
	}
	if (strcmp(method, "POST") && strcmp(method, "PUT"))
		return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "MethodNotAllowed",
				   "Method not allowed");
	if (!q)
		return request_open(r, c, method, url, con_cls);
	if (*data_size) {
		if (q->u)
			rapi_upload_add(q->u, data, *data_size);
		else
			stream_add(r, q, data, *data_size);
		*data_size = 0;
		return MHD_YES;
	}
	return q->u ? on_post(r, c, method, url, q->u) : stream_close(r, c, q);
}

/* A streamed response cut off (the runtime's connection ended before its
 * last chunk) has no outcome: the invoke ends at its timeout or at the
 * runtime's exit, as with any answer never sent. */
static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode code)
{
	struct rapi *r = cls;
	struct rapi_req *q = *con_cls;

	if (q && q->stream) {
		pthread_mutex_lock(&r->mu);
		r->streaming = false;
		pthread_mutex_unlock(&r->mu);
	}
	if (q && q->handed_later)
		handed(r, NULL); /* sent (or its connection gone) */
	if (q)
		rapi_upload_free(q->u);
	free(q);
	*con_cls = NULL;
}

int rapi_listen(struct rapi *r)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(RAPI_PORT),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1;

	r->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->notify_fd < 0)
		return errf(errno, "eventfd: %s", strerror(errno));
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	pthread_cond_init(&r->stream_cv, NULL);
	pthread_mutex_init(&r->budget.mu, NULL);
	tel_init(&r->tel);
	r->budget.max = RAPI_BUFFER_MAX;
	r->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (r->listen_fd < 0)
		return errf(errno, "socket for the Runtime API: %s", strerror(errno));
	if (setsockopt(r->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(r->listen_fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(r->listen_fd, SOMAXCONN) < 0)
		return errf(errno, "listening on 127.0.0.1:%d for the Runtime API: %s", RAPI_PORT,
			    strerror(errno));
	return 0;
}

int rapi_start(struct rapi *r)
{
	int err = dlib_load(DLIB_MHD);

	if (err < 0)
		return err;
	/* A thread per connection, since `next` waits in its handler; the
	 * connection limit bounds the threads. No idle timeout: a `next`
	 * waits as long as the environment stays warm, and every client is
	 * the function itself. */
	r->daemon = sym_MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
				     MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
				     handle, r,
				     MHD_OPTION_LISTEN_SOCKET, r->listen_fd,
				     MHD_OPTION_CONNECTION_TIMEOUT, 0U,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)RAPI_CONN_MAX,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)RAPI_HEADER_MAX,
				     MHD_OPTION_THREAD_STACK_SIZE, (size_t)256 * 1024,
				     MHD_OPTION_NOTIFY_COMPLETED, request_done, r,
				     MHD_OPTION_END);
	if (!r->daemon)
		return errf(EADDRNOTAVAIL, "starting the Runtime API server on 127.0.0.1:%d "
			    "(libmicrohttpd): %s", RAPI_PORT, strerror(errno));
	return 0;
}

static void event_free(struct rapi_event *ev)
{
	free(ev->payload);
	free(ev->client_context);
	free(ev->cognito);
	memset(ev, 0, sizeof(*ev));
}

void rapi_post_event(struct rapi *r, struct rapi_event *ev)
{
	pthread_mutex_lock(&r->mu);
	event_free(&r->ev);
	r->ev = *ev;
	memset(ev, 0, sizeof(*ev));
	snprintf(r->cur_id, sizeof(r->cur_id), "%s", r->ev.id);
	r->outcome = RAPI_NONE;
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
	r->error_type[0] = '\0';
	r->handed = false;
	r->streamed = r->streaming = false;
	free(r->stream);
	r->stream = NULL;
	r->stream_len = 0;
	r->have_event = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

enum rapi_outcome rapi_take_outcome(struct rapi *r, char **body, size_t *len,
				    char error_type[128], unsigned long long *declared)
{
	enum rapi_outcome o;

	pthread_mutex_lock(&r->mu);
	o = r->outcome;
	*body = r->body;
	*len = r->body_len;
	r->body = NULL;
	r->body_len = 0;
	snprintf(error_type, 128, "%s", r->error_type);
	*declared = r->response_len;
	pthread_mutex_unlock(&r->mu);
	return o;
}

bool rapi_take_stream(struct rapi *r, char **buf, size_t *len, char ctype[128])
{
	bool streamed;

	pthread_mutex_lock(&r->mu);
	streamed = r->streamed;
	*buf = r->stream;
	*len = r->stream_len;
	r->stream = NULL;
	r->stream_len = 0;
	snprintf(ctype, 128, "%s", r->stream_type);
	pthread_cond_broadcast(&r->stream_cv);
	pthread_mutex_unlock(&r->mu);
	return streamed;
}

void rapi_next_state(struct rapi *r, long long *n_next, int *waiting)
{
	pthread_mutex_lock(&r->mu);
	*n_next = r->n_next;
	*waiting = r->waiting;
	pthread_mutex_unlock(&r->mu);
}
