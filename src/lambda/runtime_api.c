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
#include <unistd.h>

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

/* GET …/invocation/next: block until an event, then hand it. */
static enum MHD_Result on_next(struct rapi *r, struct MHD_Connection *c)
{
	struct MHD_Response *resp;
	struct rapi_event ev;
	char deadline[32], *payload;
	enum MHD_Result ret;

	pthread_mutex_lock(&r->mu);
	r->n_next++;
	r->waiting++;
	notify(r);
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
	if (!payload)
		return MHD_NO;
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
	return ret;
}

/* Record how the runtime answered: the outcome, the body it posted (taken
 * from the upload) and its error type; then wake the supervisor. Under
 * r->mu. */
static void outcome_set(struct rapi *r, enum rapi_outcome kind, struct rapi_upload *u,
			const char *type)
{
	r->outcome = kind;
	free(r->body);
	r->body = u->buf;
	r->body_len = u->len;
	u->buf = NULL;
	snprintf(r->error_type, sizeof(r->error_type), "%s", type ? type : "");
	notify(r);
}

static enum MHD_Result on_result(struct rapi *r, struct MHD_Connection *c, const char *id,
				 enum rapi_outcome kind, struct rapi_upload *u)
{
	const char *type = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       "Lambda-Runtime-Function-Error-Type");

	const char *len = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	const char *from = NULL;
	char msg[256];

	pthread_mutex_lock(&r->mu);
	/* The emulator's runtime states: no invocation handed is Started
	 * (init) or Ready (in next); an answered one RuntimeResponseSentState;
	 * none of them may answer. */
	if (!r->handed)
		from = r->init_over ? "Ready" : "Started";
	else if (r->outcome != RAPI_NONE)
		from = "RuntimeResponseSentState";
	if (from) {
		pthread_mutex_unlock(&r->mu);
		snprintf(msg, sizeof(msg), "State transition from %s to %s failed for runtime. "
			 "Error: State transition is not allowed", from,
			 kind == RAPI_ERROR ? "InvocationErrorResponse" : "InvocationResponse");
		return reply_error(c, MHD_HTTP_FORBIDDEN, "InvalidStateTransition", msg);
	}
	if (strcmp(id, r->cur_id)) {
		pthread_mutex_unlock(&r->mu);
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "InvalidRequestID",
				   "Invalid request ID");
	}
	if (u->too_large)
		kind = RAPI_TOO_LARGE;
	outcome_set(r, kind, u, type);
	r->response_len = len ? strtoull(len, NULL, 10) : 0;
	pthread_mutex_unlock(&r->mu);
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

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version,
			      const char *data, size_t *data_size, void **con_cls)
{
	struct rapi *r = cls;
	struct rapi_upload *u = *con_cls;

	if (!strcmp(method, "GET")) {
		int ext;

		if (!strcmp(url, INVOCATION "next"))
			return on_next(r, c);
		if ((ext = ext_api_handle(r, c, method, url, NULL)) >= 0)
			return (enum MHD_Result)ext;
		return reply_error(c, MHD_HTTP_NOT_FOUND, "NotFound", "Not found");
	}
	if (strcmp(method, "POST") && strcmp(method, "PUT"))
		return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "MethodNotAllowed",
				   "Method not allowed");
	if (!u) {
		u = rapi_upload_new(c, &r->budget, RAPI_RESPONSE_MAX);
		if (!u)
			return MHD_NO;
		*con_cls = u;
		/* Too large by its Content-Length: nothing of it is kept. A
		 * client that waits for "100 Continue" is answered now and
		 * never sends it; any other is answered once it has sent it
		 * (answered earlier, it would write into a closed socket). */
		return u->too_large && expects_continue(c) ? on_post(r, c, method, url, u) :
		       MHD_YES;
	}
	if (*data_size) {
		rapi_upload_add(u, data, *data_size);
		*data_size = 0;
		return MHD_YES;
	}
	return on_post(r, c, method, url, u);
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode code)
{
	rapi_upload_free(*con_cls);
	*con_cls = NULL;
}

int rapi_start(struct rapi *r)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(RAPI_PORT),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	int err = dlib_load(DLIB_MHD);

	if (err < 0)
		return err;
	r->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->notify_fd < 0)
		return errf(errno, "eventfd: %s", strerror(errno));
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	pthread_mutex_init(&r->budget.mu, NULL);
	tel_init(&r->tel);
	r->budget.max = RAPI_BUFFER_MAX;
	/* A thread per connection, since `next` waits in its handler; the
	 * connection limit bounds the threads. No idle timeout: a `next`
	 * waits as long as the environment stays warm, and every client is
	 * the function itself. */
	r->daemon = sym_MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
				     MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
				     handle, r,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
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

void rapi_next_state(struct rapi *r, long long *n_next, int *waiting)
{
	pthread_mutex_lock(&r->mu);
	*n_next = r->n_next;
	*waiting = r->waiting;
	pthread_mutex_unlock(&r->mu);
}
