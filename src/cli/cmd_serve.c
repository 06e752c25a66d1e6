/* vpcsim serve: Lambda's Invoke API (2015-03-31) on a local address, so
 * AWS SDKs and the AWS CLI (--endpoint-url) invoke the functions of a
 * topology that is up:
 *
 *   POST /2015-03-31/functions/NAME/invocations[?Qualifier=$LATEST]
 *     NAME: a name, NAME:$LATEST, ACCOUNT:function:NAME or the function's
 *     ARN (model/fn_ref.h); another version or alias is 404 as on Lambda
 *     for one that does not exist (only $LATEST is modelled)
 *     X-Amz-Invocation-Type: RequestResponse (default) | DryRun (204) |
 *     Event (202, empty body: queued for the event service, lambda/event_service.h)
 *     X-Amz-Client-Context: base64 JSON      X-Amz-Log-Type: Tail
 *   200 + the response; a function error adds X-Amz-Function-Error:
 *   Unhandled; Tail adds X-Amz-Log-Result (base64 of the log's last 4 KB);
 *   X-Amz-Executed-Version: $LATEST. Errors as the API's JSON with
 *   x-amzn-ErrorType: 400 InvalidRequestContentException (a client
 *   context that is not base64 JSON), 404 ResourceNotFoundException, 413
 *   RequestEntityTooLargeException, 429 TooManyRequestsException.
 *
 * The invoke itself is lambda/invoke.h's, as for `vpcsim invoke`: it is
 * counted in the function's usage the same way.
 *
 * Authentication: every request must be signed with AWS Signature
 * Version 4 by the topology's admin key (`vpcsim credentials`, readable
 * by root only), scoped to the topology's region and service "lambda"
 * (util/sigv4.h); otherwise 403 MissingAuthenticationTokenException,
 * UnrecognizedClientException or InvalidSignatureException, as AWS. The
 * checks that need no body run when the headers are in: a request that
 * fails them has nothing of its body kept.
 *
 * Bounds (docs/SECURITY.md): SERVE_CONN_MAX connections, SERVE_CONN_PER_IP
 * per client address, SERVE_HEADER_MAX bytes of headers each, idle or slow
 * connections closed after SERVE_IDLE_S without a byte, SERVE_BUFFER_MAX
 * bytes of bodies held at once (6 MB each), the log's last 4 KB kept for
 * X-Amz-Log-Result (not the whole log).
 *
 * Concurrency, as Lambda's: SERVE_THREADS threads answer connections
 * (epoll); a request that is in whole is handed to a pool of workers
 * (lambda/invoke_pool.h, shared with the AWS zone's Invoke API) and its
 * connection suspended until the worker has the answer. There are at most
 * min(lambda.concurrency_limit, INVOKE_POOL_MAX) workers, made as the load needs them (small stacks;
 * ended when idle), so as many invokes run at once, each in an environment of its
 * own (a warm idle one, else a new one: lambda/invoke.h); one beyond the
 * account's concurrency_limit or the function's reserved_concurrency is
 * throttled by invoke_function: 429 TooManyRequestsException with AWS's
 * Reason (ConcurrentInvocationLimitExceeded,
 * ReservedFunctionConcurrentInvocationLimitExceeded). When the workers
 * are the account's limit, a request that finds none free is throttled at
 * once (ConcurrentInvocationLimitExceeded); past INVOKE_POOL_MAX, requests
 * wait for a worker (at most one per connection). A client that goes
 * away mid-invoke leaves its invoke to end as it would (the function's
 * timeout bounds it); its environment is then idle again.
 *
 * The topology is read once (invoke_pool_live) and again only when its
 * saved copy is replaced; invokes take no topology-wide lock (lambda/env.h says
 * which locks a cold start takes). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <strings.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "util/dlib.h"
#include "cli/cli.h"
#include "lambda/env_registry.h"
#include "cli/serve_stream.h"
#include "lambda/invoke.h"
#include "lambda/invoke_api.h"
#include "lambda/invoke_pool.h"
#include "lambda/runtime_api.h"
#include "lambda/sandbox.h"
#include "state/credentials.h"
#include "state/state.h"
#include "util/err.h"
#include "util/sigv4.h"

#define PATH_PREFIX INVOKE_API_PREFIX
#define LOG_TAIL 4096
#define SERVE_THREADS 4
#define SERVE_CONN_MAX 4096
#define SERVE_CONN_PER_IP 2048
#define SERVE_HEADER_MAX 16384
#define SERVE_IDLE_S 30
#define SERVE_BUFFER_MAX (2 * RAPI_PAYLOAD_MAX)

static const char *serve_topo;
static char serve_region[32];
static struct admin_key serve_key;
static struct rapi_budget serve_budget = { PTHREAD_MUTEX_INITIALIZER, 0, SERVE_BUFFER_MAX };

/* An invoke handed to a worker: what it needs of the request, copied
 * before the connection is suspended, and the answer queued on resume. */
struct invoke_job {
	struct worker_job job;      /* first */
	struct MHD_Connection *c;
	const struct rapi_upload *u; /* the request's, untouched meanwhile */
	char name[320];
	char *client_context, *qualifier; /* NULL: none */
	bool tail, dry_run, event;
	bool stream;               /* InvokeWithResponseStream (serve_stream.h) */
	struct MHD_Response *resp; /* NULL: out of memory, the connection closes */
	unsigned status;
};

/* One request: its body, why it is refused if it is, its invoke. */
struct serve_req {
	struct rapi_upload *u;
	bool refused;              /* e holds the answer; the body is dropped */
	struct sigv4_error e;
	struct invoke_job *job;
};

static struct MHD_Response *json_response(const char *type, const char *body)
{
	struct MHD_Response *r = sym_MHD_create_response_from_buffer(strlen(body), (void *)body,
								 MHD_RESPMEM_MUST_COPY);

	if (!r)
		return NULL;
	sym_MHD_add_response_header(r, "Content-Type", "application/json");
	if (type)
		sym_MHD_add_response_header(r, "x-amzn-ErrorType", type);
	return r;
}

/* A JSON error body of key/value pairs (NULL-ended), escaped whatever the
 * values hold: messages quote what a client sent (a function name, an
 * Authorization header). malloc'ed, or NULL. */
static char *error_json(const char *const kv[])
{
	cJSON *o = cJSON_CreateObject();
	char *s = NULL;
	bool ok = o != NULL;

	for (int i = 0; ok && kv[i]; i += 2)
		ok = cJSON_AddStringToObject(o, kv[i], kv[i + 1]) != NULL;
	if (ok)
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* Every answer of Lambda's carries a request id: an invoke's own (its
 * START and REPORT lines), else a new one. */
static void request_id_header(struct MHD_Response *r, const char *id)
{
	char fresh[37];

	if (!id || !id[0]) {
		sandbox_uuid_v4(fresh);
		id = fresh;
	}
	sym_MHD_add_response_header(r, "x-amzn-RequestId", id);
}

static struct MHD_Response *error_json_response(const char *type, const char *const kv[])
{
	char *body = error_json(kv);
	struct MHD_Response *r = body ? json_response(type, body) : NULL;

	if (r)
		request_id_header(r, NULL);
	free(body);
	return r;
}

/* The Invoke API's error: {"Type":"User","message":...}, and a 429's Reason
 * first when it has one. */
static struct MHD_Response *api_error_response(const char *type, const char *reason,
					       const char *msg)
{
	const char *const with[] = { "Reason", reason, "Type", "User", "message", msg, NULL };

	return error_json_response(type, reason ? with : with + 2);
}

static struct MHD_Response *error_response(const char *type, const char *msg)
{
	return api_error_response(type, NULL, msg);
}

static enum MHD_Result queue_owned(struct MHD_Connection *c, unsigned status,
				   struct MHD_Response *r)
{
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	ret = sym_MHD_queue_response(c, status, r);
	sym_MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result api_error(struct MHD_Connection *c, unsigned status, const char *type,
				 const char *msg)
{
	return queue_owned(c, status, error_response(type, msg));
}

/* The log's last LOG_TAIL bytes, kept as it is written (a function may
 * print gigabytes; X-Amz-Log-Result wants 4 KB). */
struct log_tail {
	char buf[LOG_TAIL];
	size_t len;                /* bytes written in all */
};

static ssize_t tail_write(void *cookie, const char *p, size_t n)
{
	struct log_tail *t = cookie;
	size_t skip = n > LOG_TAIL ? n - LOG_TAIL : 0;

	for (size_t i = skip; i < n; i++)
		t->buf[(t->len + i - skip) % LOG_TAIL] = p[i];
	t->len += n - skip;
	return (ssize_t)n;
}

/* The base64 text of the tail, oldest byte first (malloc'ed). */
static char *log_tail_b64(const struct log_tail *t)
{
	size_t n = t->len < LOG_TAIL ? t->len : LOG_TAIL, from = t->len - n;
	char flat[LOG_TAIL], *out = malloc(4 * ((n + 2) / 3) + 1);

	for (size_t i = 0; i < n; i++)
		flat[i] = t->buf[(from + i) % LOG_TAIL];
	if (out)
		sym_EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)flat, (int)n);
	return out;
}

static struct MHD_Response *invoke_reply(const struct invoke_job *j,
					  const struct invoke_outcome *r, const char *body,
					  size_t blen, const struct log_tail *log)
{
	struct MHD_Response *resp = sym_MHD_create_response_from_buffer(blen, (void *)body,
								    MHD_RESPMEM_MUST_COPY);

	if (!resp)
		return NULL;
	sym_MHD_add_response_header(resp, "Content-Type", "application/json");
	request_id_header(resp, r->request_id);
	sym_MHD_add_response_header(resp, "X-Amz-Executed-Version", "$LATEST");
	if (strcmp(r->status, "ok"))
		sym_MHD_add_response_header(resp, "X-Amz-Function-Error", "Unhandled");
	if (j->tail) {
		char *b64 = log_tail_b64(log);

		if (b64)
			sym_MHD_add_response_header(resp, "X-Amz-Log-Result", b64);
		free(b64);
	}
	return resp;
}

/* The Invoke API's answer to an invoke that could not run (lambda/invoke_api.h);
 * 429 carries the limit that throttled it in Reason. */
static struct MHD_Response *invoke_refused(int err, unsigned *status)
{
	struct invoke_api_error e;

	invoke_api_refused(err, &e);
	*status = e.status;
	return api_error_response(e.type, e.reason[0] ? e.reason : NULL, e.message);
}

/* The function the request names, or -1 with AWS's error in *resp and
 * *status (lambda/invoke_api.h). */
static int function_of(const struct live *lv, const char *raw, const char *rq,
		       struct MHD_Response **resp, unsigned *status)
{
	struct invoke_api_error e;
	int fn = invoke_api_function(lv, raw, rq, &e);

	if (fn < 0) {
		*status = e.status;
		*resp = error_response(e.type, e.message);
	}
	return fn;
}

/* An invoke answered when the runtime posted its response, before the
 * invoke ended (invoke_request.responded): what the answer is made of. */
struct early {
	struct invoke_job *j;      /* not touched once answered: the
				    * connection may be gone with it */
	FILE *out;
	char **body;
	size_t *blen;
	const struct log_tail *log;
	bool answered;
};

static size_t body_len(const char *body, size_t blen)
{
	return blen && body[blen - 1] == '\n' ? blen - 1 : blen;
}

/* Lambda returns the runtime's response when the runtime posts it,
 * extensions or not. A caller that asked for the log's tail
 * (X-Amz-Log-Type: Tail) wants END and REPORT in it: it waits for them
 * (a moment: the runtime's next `next`), unless extensions still work. */
static void answer_now(void *arg, const struct invoke_outcome *r)
{
	struct early *e = arg;

	if (e->j->tail && !r->ext_working)
		return;
	fflush(e->out);
	e->j->resp = invoke_reply(e->j, r, *e->body ? *e->body : "", body_len(*e->body, *e->blen),
				  e->log);
	e->j->status = MHD_HTTP_OK;
	e->answered = true;
	sym_MHD_resume_connection(e->j->c);
}

/* Run the invoke of function fn with the request's body. NULL with
 * *answered when the answer went out before the invoke ended. */
static struct MHD_Response *run_invoke(const struct invoke_job *j, const struct live *lv, int fn,
				       unsigned *status, bool *answered)
{
	struct invoke_request rq = {
		.payload = j->u->buf, .len = j->u->len, .client_context = j->client_context,
	};
	char *body = NULL;
	size_t blen = 0;
	struct log_tail log = { .len = 0 };
	struct invoke_outcome r;
	struct MHD_Response *resp;
	struct early e = { (struct invoke_job *)j, NULL, &body, &blen, &log, false };
	int err;

	rq.out = e.out = open_memstream(&body, &blen);
	rq.logs = fopencookie(&log, "w", (cookie_io_functions_t){ .write = tail_write });
	rq.responded = answer_now;
	rq.responded_arg = &e;
	err = rq.out && rq.logs ? invoke_function(lv, fn, &rq, &r) : -ENOMEM;
	if (rq.out)
		fclose(rq.out);
	if (rq.logs)
		fclose(rq.logs);
	*status = MHD_HTTP_OK;
	if ((*answered = e.answered)) {
		resp = NULL;
	} else if (err == -ENOMEM && !(rq.out && rq.logs)) {
		*status = 500;
		resp = error_response("ServiceException", "out of memory");
	} else if (err < 0) {
		resp = invoke_refused(err, status);
	} else {
		resp = invoke_reply(j, &r, body ? body : "", body_len(body, blen), &log);
	}
	free(body);
	return resp;
}

/* InvocationType Event: the event queued for the event service (it runs
 * later with Lambda's retries, docs/EVENTS.md); 202 with an empty body. */
static struct MHD_Response *queue_invoke(const struct invoke_job *j, const struct live *lv,
					 int fn, unsigned *status)
{
	struct MHD_Response *resp;
	struct invoke_api_error e;
	char id[40];

	if (invoke_api_queue(lv, fn, j->u->buf, j->u->len, id, &e) < 0) {
		*status = e.status;
		return error_response(e.type, e.message);
	}
	*status = 202;
	resp = json_response(NULL, "");
	if (resp)
		sym_MHD_add_response_header(resp, "x-amzn-RequestId", id);
	return resp;
}

/* The InvokeComplete event of a stream: the error's type (the errorType of
 * its body) and body, the log's tail when asked. */
static void stream_complete(struct serve_stream *st, const struct invoke_outcome *r,
			    const char *ebody, const struct log_tail *log, bool tail)
{
	cJSON *e = ebody ? cJSON_Parse(ebody) : NULL;
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "errorType"));
	bool failed = strcmp(r->status, "ok") != 0;
	char *b64 = tail ? log_tail_b64(log) : NULL;

	serve_stream_complete(st, failed ? (type ? type : "Unhandled") : NULL,
			      failed && ebody ? ebody : NULL, b64);
	free(b64);
	cJSON_Delete(e);
}

/* A stream completed when the runtime ended it, before the invoke ended. */
struct early_stream {
	struct serve_stream *st;
	FILE *errors;
	char **ebody;
	const struct log_tail *log;
	bool tail, completed;
};

static void stream_complete_now(void *arg, const struct invoke_outcome *r)
{
	struct early_stream *e = arg;

	if (e->tail && !r->ext_working)
		return; /* as answer_now() */
	fflush(e->errors);
	stream_complete(e->st, r, *e->ebody, e->log, e->tail);
	e->completed = true;
}

/* InvokeWithResponseStream: the function's bytes as they come. NULL once
 * the stream began (it answers, and j is not touched: the connection may
 * be gone with it); else the refusal to queue. */
static struct MHD_Response *run_invoke_stream(const struct invoke_job *j, const struct live *lv,
					      int fn, unsigned *status)
{
	struct invoke_job *mj = (struct invoke_job *)j; /* its answer slots */
	struct serve_stream *st = serve_stream_open(j->c, &mj->resp, &mj->status);
	struct invoke_request rq = { .len = j->u->len, .exact = true,
				     .stream_start = serve_stream_begin, .stream_arg = st };
	char *payload = malloc(j->u->len + 1), *cc = j->client_context ? strdup(j->client_context) : NULL;
	char *ebody = NULL;
	size_t elen = 0;
	struct log_tail log = { .len = 0 };
	struct invoke_outcome r;
	bool tail = j->tail;
	struct early_stream es = { .completed = false };
	int err = -ENOMEM;

	if (st && payload && (!j->client_context || cc)) {
		memcpy(payload, j->u->buf ? j->u->buf : "", j->u->len);
		payload[j->u->len] = '\0';
		rq.payload = payload;
		rq.client_context = cc;
		rq.out = serve_stream_out(st);
		rq.logs = fopencookie(&log, "w", (cookie_io_functions_t){ .write = tail_write });
		rq.errors = open_memstream(&ebody, &elen);
		es = (struct early_stream){ st, rq.errors, &ebody, &log, tail, false };
		rq.responded = stream_complete_now;
		rq.responded_arg = &es;
		err = rq.logs && rq.errors ? invoke_function(lv, fn, &rq, &r) : -ENOMEM;
		if (rq.logs)
			fclose(rq.logs);
		if (rq.errors)
			fclose(rq.errors);
	}
	if (!es.completed && (err == 0 || (st && serve_stream_begun(st)))) {
		if (err == 0)
			stream_complete(st, &r, ebody, &log, tail);
		else
			serve_stream_complete(st, "ServiceException", err_msg(), NULL);
	}
	struct MHD_Response *resp = st && serve_stream_begun(st) ? NULL :
		err == -ENOMEM ? error_response("ServiceException", "out of memory") :
		invoke_refused(err, status);

	if (st)
		serve_stream_release(st);
	free(payload);
	free(cc);
	free(ebody);
	return resp;
}

/* On a worker: the answer to one invoke request. */
static struct MHD_Response *do_invoke(const struct invoke_job *j, unsigned *status,
				      bool *answered)
{
	struct MHD_Response *resp = NULL;
	const struct live *lv;

	if (j->u->too_large)
		return invoke_refused(-E2BIG, status);
	if (!(lv = invoke_pool_live()))
		return invoke_refused(-EIO, status);
	int fn = function_of(lv, j->name, j->qualifier, &resp, status);

	if (fn < 0) {
		/* resp: AWS's answer */
	} else if (j->dry_run) {
		*status = 204;
		if ((resp = json_response(NULL, "")))
			request_id_header(resp, NULL);
	} else if (j->event) {
		resp = queue_invoke(j, lv, fn, status);
	} else if (j->stream) {
		resp = run_invoke_stream(j, lv, fn, status);
	} else {
		resp = run_invoke(j, lv, fn, status, answered);
	}
	invoke_pool_put(lv);
	return resp;
}

static void invoke_run(struct worker_job *sj)
{
	struct invoke_job *j = (struct invoke_job *)sj;
	bool stream = j->stream;
	unsigned status = 500;
	bool answered = false;
	struct MHD_Response *resp = do_invoke(j, &status, &answered);

	err_clear();
	if (!resp && (stream || answered))
		return; /* answered, and j may be gone with its connection */
	j->resp = resp;
	j->status = status;
	sym_MHD_resume_connection(j->c);
}

/* Hand the invoke of function `name` to a worker; the connection waits,
 * suspended, for its answer. */
static enum MHD_Result invoke_submit(struct MHD_Connection *c, struct serve_req *q,
				     const char *name, bool stream)
{
	const char *type = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Invocation-Type");
	const char *tail = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Log-Type");
	const char *cc = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Client-Context");
	const char *qual = sym_MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "Qualifier");
	struct invoke_job *j;
	struct invoke_api_error e;
	int err;

	if (invoke_api_header_values(stream ? NULL : type, tail, &e) < 0)
		return queue_owned(c, e.status, error_response(e.type, e.message));
	if (!(j = calloc(1, sizeof(*j))) || (cc && !(j->client_context = strdup(cc))) ||
	    (qual && !(j->qualifier = strdup(qual)))) {
		if (j)
			free(j->client_context);
		free(j);
		return MHD_NO;
	}
	j->job.run = invoke_run;
	j->c = c;
	j->u = q->u;
	snprintf(j->name, sizeof(j->name), "%s", name);
	j->tail = tail && !strcmp(tail, "Tail");
	j->dry_run = type && !strcmp(type, "DryRun");
	j->event = !stream && type && !strcmp(type, "Event");
	j->stream = stream;
	q->job = j;
	sym_MHD_suspend_connection(c);
	err = invoke_pool_submit(&j->job);
	if (err == -EAGAIN) {
		j->resp = invoke_refused(-EAGAIN, &j->status);
		sym_MHD_resume_connection(c);
	} else if (err < 0) {
		j->status = 503;
		j->resp = error_response("ServiceException", "vpcsim serve is stopping");
		sym_MHD_resume_connection(c);
	}
	return MHD_YES;
}

/* Resumed: queue the worker's answer. */
static enum MHD_Result invoke_answer(struct MHD_Connection *c, struct invoke_job *j)
{
	enum MHD_Result ret;

	if (!j->resp)
		return MHD_NO;
	ret = sym_MHD_queue_response(c, j->status, j->resp);
	sym_MHD_destroy_response(j->resp);
	j->resp = NULL;
	return ret;
}

/* AWS's answer to a request that fails authentication. */
static enum MHD_Result auth_error(struct MHD_Connection *c, const struct sigv4_error *e)
{
	const char *const kv[] = { "__type", e->type, "message", e->message, NULL };

	return queue_owned(c, (unsigned)e->status, error_json_response(e->type, kv));
}

struct collect {
	struct sigv4_header h[64];
	size_t n;
	char query[2048];
	size_t qlen;
};

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *k,
				      const char *v)
{
	struct collect *col = cls;

	if (col->n < 64)
		col->h[col->n++] = (struct sigv4_header){ k, v ? v : "" };
	return MHD_YES;
}

/* The query as sent (the unescape callback keeps arguments raw). */
static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	struct collect *col = cls;
	int n = snprintf(col->query + col->qlen, sizeof(col->query) - col->qlen, "%s%s%s%s",
			 col->qlen ? "&" : "", k, v ? "=" : "", v ? v : "");

	if (n > 0 && (size_t)n < sizeof(col->query) - col->qlen)
		col->qlen += (size_t)n;
	return MHD_YES;
}

/* Check the request's signature: without the body (body NULL) the checks
 * that need none, else all. 0, or -1 with *e set. */
static int authenticate(struct MHD_Connection *c, const char *method, const char *url,
			const struct rapi_upload *body, struct sigv4_error *e)
{
	static __thread struct collect col;
	const struct sigv4_key key = { serve_key.access_key_id, serve_key.secret, NULL };
	const struct sigv4_scope scope = { serve_region, "lambda", time(NULL) };
	const struct sigv4_key *k;
	struct sigv4_request rq = { method, url, NULL, col.h, 0, "", 0, false };

	col.n = col.qlen = 0;
	col.query[0] = '\0';
	sym_MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &col);
	sym_MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &col);
	rq.n_headers = col.n;
	rq.query = col.query;
	if (!body)
		return sigv4_check_headers(&rq, &scope, &key, 1, &k, e);
	rq.body = body->buf ? body->buf : "";
	rq.body_len = body->len;
	return sigv4_verify(&rq, &scope, &key, 1, &k, e);
}

static bool expects_continue(struct MHD_Connection *c)
{
	const char *e = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");

	return e && !strcasecmp(e, "100-continue");
}

/* The request's headers are in: authenticate what can be, set up the
 * body. A refused request keeps nothing of its body; it is answered now
 * if the client waits for "100 Continue", else once it has sent it (an
 * earlier answer would meet a client still writing). */
static enum MHD_Result request_start(struct MHD_Connection *c, const char *method,
				     const char *url, void **con_cls)
{
	struct serve_req *q = calloc(1, sizeof(*q));

	if (!q || !(q->u = rapi_upload_new(c, &serve_budget, 0))) {
		free(q);
		return MHD_NO;
	}
	*con_cls = q;
	if (authenticate(c, method, url, NULL, &q->e) < 0) {
		q->refused = true;
		q->u->too_large = true; /* drop what comes */
		return expects_continue(c) ? auth_error(c, &q->e) : MHD_YES;
	}
	return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct serve_req *q = *con_cls;
	char name[320];
	const char *end;

	if (!q)
		return request_start(c, method, url, con_cls);
	if (q->job)
		return invoke_answer(c, q->job);
	if (*size) {
		if (rapi_upload_add(q->u, data, *size) < 0)
			return MHD_NO;
		*size = 0;
		return MHD_YES;
	}
	if (q->refused)
		return auth_error(c, &q->e);
	if (q->u->over_budget)
		return api_error(c, 429, "TooManyRequestsException", "Rate Exceeded.");
	if (!q->u->too_large && authenticate(c, method, url, q->u, &q->e) < 0)
		return auth_error(c, &q->e);
	if (!strcmp(method, "POST") && serve_stream_route(url, name, sizeof(name)))
		return invoke_submit(c, q, name, true);
	end = strncmp(url, PATH_PREFIX, strlen(PATH_PREFIX)) ? NULL :
		strchr(url + strlen(PATH_PREFIX), '/');
	if (strcmp(method, "POST") || !end || strcmp(end, "/invocations") ||
	    (size_t)(end - url - strlen(PATH_PREFIX)) >= sizeof(name))
		return api_error(c, 404, "UnknownOperationException", "Unknown operation");
	snprintf(name, sizeof(name), "%.*s", (int)(end - url - strlen(PATH_PREFIX)),
		 url + strlen(PATH_PREFIX));
	return invoke_submit(c, q, name, false);
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode code)
{
	struct serve_req *q = *con_cls;

	if (q) {
		if (q->job) {
			if (q->job->resp)
				sym_MHD_destroy_response(q->job->resp);
			free(q->job->client_context);
			free(q->job->qualifier);
			free(q->job);
		}
		rapi_upload_free(q->u);
		free(q);
	}
	*con_cls = NULL;
}

/* URLs and arguments as sent: SigV4 signs the path as it is on the wire. */
static size_t unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

static int parse_listen(const char *s, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	int port;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	port = atoi(colon + 1);
	if (port <= 0 || port > 65535 || inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -1;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	return 0;
}

/* The key and region requests must be signed for; the topology, its
 * environments and the workers (lambda/invoke_pool.h), with descriptors
 * for SERVE_CONN_MAX connections besides the invokes'. */
static int serve_setup(const char *name)
{
	char dir[STATE_PATH_MAX];
	const struct live *lv;
	struct env_registry_info reg;
	int err;

	if ((err = invoke_pool_start(name, SERVE_CONN_MAX, &reg)) < 0)
		return err;
	if (reg.envs)
		printf("serve: %d environments of %s found (%d busy in another process)\n",
		       reg.envs, name, reg.busy);
	if (!(lv = invoke_pool_live()))
		return -EIO;
	snprintf(serve_region, sizeof(serve_region), "%s", lv->t->region);
	invoke_pool_put(lv);
	state_dir(name, dir);
	return credentials_load(dir, &serve_key);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = { { "listen", required_argument, NULL, 'l' }, { 0 } };
	const char *listen_at = "127.0.0.1:3001";
	struct sockaddr_in sin = { 0 };
	struct MHD_Daemon *d;
	char name[TOPO_NAME_MAX_LEN + 1];
	int c, rc;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c == 't')
			serve_topo = optarg;
		else if (c == 'l')
			listen_at = optarg;
		else
			return fail(EXIT_USAGE, "%s", verb_usage("serve"));
	}
	if (optind < argc)
		serve_topo = argv[optind];
	if ((rc = need_privilege("serve")) != EXIT_OK)
		return rc;
	if (parse_listen(listen_at, &sin) < 0)
		return fail(EXIT_USAGE, "serve: --listen %s: give an IPv4 address and a port, "
			    "e.g. 127.0.0.1:3001", listen_at);
	if (state_pick(serve_topo, name) < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	serve_topo = name;
	if (dlib_load(DLIB_MHD) < 0 || dlib_load(DLIB_CRYPTO) < 0)
		return fail(EXIT_FAILED, "serve: %s", err_msg());
	if (serve_setup(name) < 0)
		return fail(EXIT_FAILED, "serve: %s", err_msg());
	signal(SIGPIPE, SIG_IGN);
	d = sym_MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
				 MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
			     handle, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)SERVE_THREADS,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVE_CONN_MAX,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)SERVE_CONN_PER_IP,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SERVE_IDLE_S,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_HEADER_MAX,
			     MHD_OPTION_UNESCAPE_CALLBACK, unescape_none, NULL,
			     MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_END);
	if (!d) {
		invoke_pool_stop();
		return fail(EXIT_FAILED, "serve: listening on %s (libmicrohttpd): %s", listen_at,
			    strerror(errno));
	}
	printf("serving Lambda's Invoke API for topology %s on http://%s "
	       "(eval \"$(sudo vpcsim credentials -t %s)\"; aws lambda invoke --endpoint-url "
	       "http://%s ...)\n", name, listen_at, name, listen_at);
	fflush(stdout);
	while (state_is_up(name))
		sleep(1);
	invoke_pool_stop(); /* the invokes under way end; no new ones start */
	sym_MHD_stop_daemon(d);
	return EXIT_OK;
}
