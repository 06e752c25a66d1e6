/* Lambda's Invoke API at lambda.REGION.amazonaws.com (docs/AWS-SERVICES.md):
 * a function calls another with its SDK (boto3 `lambda.invoke`, SDK v3
 * `InvokeCommand`) and its own credentials, as on AWS.
 *
 * The front lives in the zone's namespace; an invoke makes environments
 * (namespaces, links, cgroups, supervisors) as `vpcsim invoke` does, from
 * the root namespaces. So the front forks, before it enters the zone, an
 * invoker that stays there: for each request the front hands it one end of
 * a new socket pair (SCM_RIGHTS over a SOCK_SEQPACKET pair). The invoker
 * is one process that serves as `vpcsim serve` does, with serve's own
 * machinery (lambda/invoke_pool.h, issue 22): the topology read once
 * (again only when its saved copy is replaced), serve's environment
 * registry, a bounded pool of workers. Its main thread reads each request
 * and hands it to a worker, which runs it through the one invoke path
 * (lambda/invoke.h, the Invoke API's rules in lambda/invoke_api.h,
 * counted in usage the same way) and writes the answer back. So invokes
 * run at once, each in an environment of its own, a warm idle one reused
 * (and handed from one invoke to the next, lambda/warm_handoff.h); one
 * past the account's concurrency_limit or the function's
 * reserved_concurrency is 429 TooManyRequestsException with AWS's Reason.
 * Nothing is left in the file system; the invoker dies with the front
 * (PR_SET_PDEATHSIG) and is in its process group, which `down` stops.
 *
 * Invocation types: RequestResponse (200 with the response, or
 * X-Amz-Function-Error: Unhandled and the error; answered when the
 * runtime posts its response, as serve answers, the worker staying until
 * the invoke ends), Event (202 with the request id: queued for the event
 * service, which delivers it with Lambda's async retries, as serve's and
 * `vpcsim invoke`'s; docs/EVENTS.md), DryRun (204). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aws/front.h"
#include "aws/front_internal.h"
#include "lambda/invoke.h"
#include "lambda/invoke_api.h"
#include "lambda/invoke_pool.h"
#include "util/err.h"
#include "util/fs.h"

enum { INV_SYNC, INV_EVENT, INV_DRYRUN };

struct wire_rq {
	char topo[64];
	char name[320];
	char qualifier[160];
	char client_context[4096];
	unsigned char has_qualifier, has_context, type;
	unsigned len;              /* payload bytes that follow */
};

struct wire_rp {
	struct invoke_api_error e; /* e.status 200/202/204, or AWS's error */
	unsigned char function_error;
	char fstatus[32];          /* invoke_outcome's status when it ran */
	char request_id[40];       /* the invoke's RequestId (START, REPORT), an
				    * Event's in the queue; "": the front's */
	unsigned len;              /* body bytes that follow */
};

/* ---- the invoker's side (root namespaces) ---- */

static void answer(int fd, const struct wire_rp *rp, const char *body)
{
	if (fd_write_full(fd, rp, sizeof(*rp)) == 0 && rp->len)
		fd_write_full(fd, body, rp->len);
}

static void answer_error(int fd, const struct invoke_api_error *e)
{
	struct wire_rp rp = { .e = *e, .len = (unsigned)strlen(e->message) };

	answer(fd, &rp, e->message);
}

/* The answer to a sync invoke: sent when the runtime posts its response
 * (invoke_request.responded), as Lambda and serve answer, while the
 * invoke goes on until the runtime's next `next` (END, REPORT, the
 * freeze); or at the end when it could not run. */
struct sync_answer {
	int fd;                    /* -1 once answered */
	FILE *out;
	char **body;
	size_t *blen;
};

static void answer_outcome(struct sync_answer *a, const struct invoke_outcome *o)
{
	size_t blen = *a->blen;
	struct wire_rp rp = { .e.status = 200, .function_error = strcmp(o->status, "ok") != 0 };

	if (blen && (*a->body)[blen - 1] == '\n')
		blen--;
	snprintf(rp.fstatus, sizeof(rp.fstatus), "%s", o->status);
	snprintf(rp.request_id, sizeof(rp.request_id), "%s", o->request_id); /* "": the front's */
	rp.len = (unsigned)blen;
	answer(a->fd, &rp, *a->body);
	close(a->fd);
	a->fd = -1;
}

static void answer_now(void *arg, const struct invoke_outcome *o)
{
	struct sync_answer *a = arg;

	fflush(a->out);
	answer_outcome(a, o);
}

/* Run the invoke of fn, answered on fd (closed here) as soon as the
 * runtime posts its response, or with AWS's error when it cannot run. */
static void run(const struct live *lv, int fn, const struct wire_rq *rq, const char *payload,
		int fd)
{
	struct invoke_request ir = {
		.payload = rq->len ? payload : NULL, .len = rq->len,
		.client_context = rq->has_context ? rq->client_context : NULL,
	};
	struct invoke_outcome o;
	struct invoke_api_error e;
	char *body = NULL;
	size_t blen = 0;
	struct sync_answer a = { fd, NULL, &body, &blen };
	int err;

	ir.out = a.out = open_memstream(&body, &blen);
	ir.logs = fopen("/dev/null", "we");
	ir.responded = answer_now;
	ir.responded_arg = &a;
	err = ir.out && ir.logs ? invoke_function(lv, fn, &ir, &o)
				: errf(ENOMEM, "out of memory");
	if (ir.out)
		fclose(ir.out);
	if (ir.logs)
		fclose(ir.logs);
	if (a.fd >= 0 && err < 0) {
		invoke_api_refused(err, &e);
		if (e.status >= 500) /* vpcsim's failure, not the caller's: say it */
			fprintf(stderr, "aws front: Lambda invoke of %s: %s\n",
				lv->t->functions[fn].name, e.message);
		answer_error(a.fd, &e);
		close(a.fd);
	} else if (a.fd >= 0) {
		answer_outcome(&a, &o); /* a command, or ended before responded() */
	}
	free(body);
}

/* One request, read by the invoker's main thread, run on a worker. */
struct svc_job {
	struct worker_job job;     /* first */
	int fd;                    /* the answer's */
	struct wire_rq rq;
	char *payload;
};

static void job_free(struct svc_job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	free(j->payload);
	free(j);
}

/* On a worker: the request's function looked up in the topology as it
 * is now, and its invoke, queued event or dry run. */
static void job_run(struct worker_job *wj)
{
	struct svc_job *j = (struct svc_job *)wj;
	struct wire_rp rp = { .len = 0 };
	const struct live *lv = invoke_pool_live();
	int fn = -1;

	if (!lv)
		invoke_api_refused(-EIO, &rp.e);
	else
		fn = invoke_api_function(lv, j->rq.name, j->rq.has_qualifier ? j->rq.qualifier : NULL,
					 &rp.e);
	if (fn < 0) {
		answer_error(j->fd, &rp.e);
	} else if (j->rq.type == INV_DRYRUN) {
		rp.e.status = 204;
		answer(j->fd, &rp, NULL);
	} else if (j->rq.type == INV_EVENT) {
		if (invoke_api_queue(lv, fn, j->payload, j->rq.len, rp.request_id, &rp.e) < 0) {
			answer_error(j->fd, &rp.e);
		} else {
			rp.e.status = 202;
			answer(j->fd, &rp, NULL);
		}
	} else {
		run(lv, fn, &j->rq, j->payload, j->fd);
		j->fd = -1; /* run() answered and closed it */
	}
	invoke_pool_put(lv);
	err_clear();
	job_free(j);
}

/* The request on fd (the front writes it whole at once), or NULL. */
static struct svc_job *job_read(int fd)
{
	struct svc_job *j = calloc(1, sizeof(*j));

	if (!j) {
		close(fd);
		return NULL;
	}
	j->fd = fd;
	j->job.run = job_run;
	if (fd_read_full(fd, &j->rq, sizeof(j->rq)) < 0 || j->rq.len > FRONT_JSON_BODY_MAX ||
	    !(j->payload = calloc(1, (size_t)j->rq.len + 1)) ||
	    fd_read_full(fd, j->payload, j->rq.len) < 0) {
		job_free(j);
		return NULL;
	}
	j->rq.topo[sizeof(j->rq.topo) - 1] = j->rq.name[sizeof(j->rq.name) - 1] = '\0';
	j->rq.qualifier[sizeof(j->rq.qualifier) - 1] = '\0';
	j->rq.client_context[sizeof(j->rq.client_context) - 1] = '\0';
	return j;
}

/* In the invoker's main thread: the request on fd to a worker, or its
 * refusal (the account's concurrency reached: 429 with Reason). The
 * topology, registry and pool are started with the first request (at
 * the fork, `up` has not saved the topology yet), again after a failure. */
static void take(int fd)
{
	static bool started;
	struct svc_job *j = job_read(fd);
	struct env_registry_info found;
	struct invoke_api_error e;
	int err = 0;

	if (!j)
		return;
	if (!started && (err = invoke_pool_start(j->rq.topo, 2 * FRONT_CONNECTIONS, &found)) == 0) {
		int workers, limit;

		invoke_pool_bounds(&workers, &limit);
		fprintf(stderr, "aws front: Lambda invoker of %s: %d environments found (%d busy "
			"in another process); at most %d invokes at once (concurrency_limit %d)\n",
			j->rq.topo, found.envs, found.busy, workers, limit);
		started = true;
	}
	if (!err)
		err = invoke_pool_submit(&j->job);
	if (!err)
		return;
	invoke_api_refused(err == -EAGAIN ? err : -EIO, &e);
	answer_error(j->fd, &e);
	err_clear();
	job_free(j);
}

/* A descriptor passed over ctl, or -1 when the front is gone. */
static int recv_fd(int ctl)
{
	char byte, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(ctl, &m, MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -2;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

static void invoker_main(int ctl)
{
	sigset_t none;
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* Nothing of the front's but stdio and ctl: its readiness pipe must
	 * close when the front's does. */
	if (ctl > 3)
		syscall(SYS_close_range, 3U, (unsigned)ctl - 1, 0);
	syscall(SYS_close_range, (unsigned)ctl + 1, ~0U, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL); /* invoke_function waits for its own */
	while ((fd = recv_fd(ctl)) != -1)
		if (fd >= 0)
			take(fd);
	_exit(0); /* the front is gone: the invokes under way go with us */
}

int lambda_invoker_start(struct front *f)
{
	int sp[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return errf(errno, "aws front: socketpair for the Lambda invoker: %s",
			    strerror(errno));
	pid = fork();
	if (pid < 0)
		return errf(errno, "aws front: fork of the Lambda invoker: %s", strerror(errno));
	if (pid == 0) {
		close(sp[0]);
		invoker_main(sp[1]);
	}
	close(sp[1]);
	f->lambda_ctl = sp[0];
	return 0;
}

/* ---- the front's side ---- */

/* Hand rq and its payload to the invoker; the answer's descriptor, or -1. */
static int submit(struct front *f, const struct wire_rq *rq, const char *payload)
{
	char byte = 0, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	int sp[2];

	if (f->lambda_ctl < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return -1;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &sp[1], sizeof(int));
	if (sendmsg(f->lambda_ctl, &m, MSG_NOSIGNAL) != 1 || fd_write_full(sp[0], rq, sizeof(*rq)) < 0 ||
	    fd_write_full(sp[0], payload, rq->len) < 0) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	close(sp[1]);
	return sp[0];
}

static enum MHD_Result reply_invoke(const struct aws_call *k, const struct wire_rp *rp,
				    const char *body)
{
	struct MHD_Response *r = sym_MHD_create_response_from_buffer(rp->len, (void *)body,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	sym_MHD_add_response_header(r, "Content-Type", "application/json");
	sym_MHD_add_response_header(r, "x-amzn-RequestId",
				    rp->request_id[0] ? rp->request_id : k->request_id);
	if (rp->e.status == 200)
		sym_MHD_add_response_header(r, "X-Amz-Executed-Version", "$LATEST");
	if (rp->function_error)
		sym_MHD_add_response_header(r, "X-Amz-Function-Error", "Unhandled");
	ret = sym_MHD_queue_response(k->c, rp->e.status, r);
	sym_MHD_destroy_response(r);
	return ret;
}

/* A throttle as Lambda answers it: 429 TooManyRequestsException with the
 * limit that throttled in Reason (boto3 shows it as the error's Reason). */
static enum MHD_Result reply_throttled(const struct aws_call *k, const struct invoke_api_error *e)
{
	cJSON *o = cJSON_CreateObject();
	char *text;
	struct MHD_Response *r;
	enum MHD_Result ret;

	cJSON_AddStringToObject(o, "Reason", e->reason);
	cJSON_AddStringToObject(o, "Type", "User");
	cJSON_AddStringToObject(o, "message", e->message);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	r = text ? sym_MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY)
		 : NULL;
	free(text);
	if (!r)
		return MHD_NO;
	sym_MHD_add_response_header(r, "Content-Type", "application/json");
	sym_MHD_add_response_header(r, "x-amzn-RequestId", k->request_id);
	sym_MHD_add_response_header(r, "x-amzn-ErrorType", e->type);
	ret = sym_MHD_queue_response(k->c, e->status, r);
	sym_MHD_destroy_response(r);
	return ret;
}

/* Read the invoker's answer on fd and queue it. */
static enum MHD_Result relay_answer(const struct aws_call *k, int fd)
{
	struct wire_rp rp;
	char *body = NULL;
	enum MHD_Result ret;

	if (fd_read_full(fd, &rp, sizeof(rp)) < 0 || rp.len > 2 * FRONT_JSON_BODY_MAX ||
	    !(body = calloc(1, (size_t)rp.len + 1)) || fd_read_full(fd, body, rp.len) < 0) {
		free(body);
		return aws_error(k, 500, "ServiceException",
				 "the invoke ended without an answer (see the topology's logs/aws.log)");
	}
	rp.e.type[sizeof(rp.e.type) - 1] = rp.e.reason[sizeof(rp.e.reason) - 1] = '\0';
	rp.e.message[sizeof(rp.e.message) - 1] = rp.request_id[sizeof(rp.request_id) - 1] = '\0';
	if (rp.e.status >= 400 && rp.e.reason[0])
		ret = reply_throttled(k, &rp.e);
	else if (rp.e.status >= 400)
		ret = aws_error(k, rp.e.status, rp.e.type, "%s", body);
	else
		ret = reply_invoke(k, &rp, body);
	free(body);
	return ret;
}

/* The request's parts: FunctionName from the path, the headers, the
 * Qualifier. -1 with AWS's error queued in *ret. */
static int parse_invoke(struct front *f, const struct aws_call *k, const char *method,
			const char *uri, struct wire_rq *rq, enum MHD_Result *ret)
{
	const char *h, *name = uri + strlen(INVOKE_API_PREFIX), *end = strchr(name, '/');
	const char *type = sym_MHD_lookup_connection_value(k->c, MHD_HEADER_KIND,
							   "X-Amz-Invocation-Type");
	struct invoke_api_error e;

	if (strcmp(method, "POST") || strncmp(uri, INVOKE_API_PREFIX, strlen(INVOKE_API_PREFIX)) ||
	    !end || strncmp(end, "/invocations", 12) || (end[12] && end[12] != '?')) {
		*ret = aws_error(k, 404, "UnknownOperationException",
				 "Lambda here serves Invoke only: POST %sNAME/invocations",
				 INVOKE_API_PREFIX);
		return -1;
	}
	if (invoke_api_header_values(type, sym_MHD_lookup_connection_value(k->c, MHD_HEADER_KIND,
									  "X-Amz-Log-Type"), &e) < 0) {
		*ret = aws_error(k, e.status, e.type, "%s", e.message);
		return -1;
	}
	snprintf(rq->topo, sizeof(rq->topo), "%s", f->t->name);
	snprintf(rq->name, sizeof(rq->name), "%.*s", (int)(end - name), name);
	rq->type = !type || !strcmp(type, "RequestResponse") ? INV_SYNC
		 : !strcmp(type, "Event") ? INV_EVENT : INV_DRYRUN;
	h = sym_MHD_lookup_connection_value(k->c, MHD_GET_ARGUMENT_KIND, "Qualifier");
	rq->has_qualifier = h != NULL;
	snprintf(rq->qualifier, sizeof(rq->qualifier), "%s", h ? h : "");
	h = sym_MHD_lookup_connection_value(k->c, MHD_HEADER_KIND, "X-Amz-Client-Context");
	rq->has_context = h != NULL;
	snprintf(rq->client_context, sizeof(rq->client_context), "%s", h ? h : "");
	return 0;
}

enum MHD_Result aws_lambda(struct front *f, const struct aws_call *k, const char *method,
			   const char *uri, const char *body, size_t len)
{
	struct wire_rq *rq = calloc(1, sizeof(*rq));
	enum MHD_Result ret;
	int fd;

	if (!rq)
		return MHD_NO;
	if (parse_invoke(f, k, method, uri, rq, &ret) < 0) {
		free(rq);
		return ret;
	}
	rq->len = (unsigned)len;
	fd = submit(f, rq, body ? body : "");
	free(rq);
	if (fd < 0)
		return aws_error(k, 500, "ServiceException",
				 "the Lambda invoker of this topology is not running");
	ret = relay_answer(k, fd);
	close(fd);
	return ret;
}

int lambda_invoke_wait(struct front *f, const char *name, const char *payload, size_t len,
		       int timeout_ms, struct lambda_answer *a)
{
	struct wire_rq *rq = calloc(1, sizeof(*rq));
	struct wire_rp rp;
	struct pollfd pfd;
	int fd, err = -EIO;

	memset(a, 0, sizeof(*a));
	if (!rq)
		return -ENOMEM;
	snprintf(rq->topo, sizeof(rq->topo), "%s", f->t->name);
	snprintf(rq->name, sizeof(rq->name), "%s", name);
	rq->type = INV_SYNC;
	rq->len = (unsigned)len;
	fd = submit(f, rq, payload);
	free(rq);
	if (fd < 0)
		return -EIO;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, timeout_ms) == 0) {
		close(fd); /* the invoke goes on in the invoker, as Lambda's would */
		return -ETIMEDOUT;
	}
	if (fd_read_full(fd, &rp, sizeof(rp)) == 0 && rp.len <= 2 * FRONT_JSON_BODY_MAX &&
	    (a->body = calloc(1, (size_t)rp.len + 1)) && fd_read_full(fd, a->body, rp.len) == 0) {
		rp.e.type[sizeof(rp.e.type) - 1] = '\0';
		a->e = rp.e;
		a->function_error = rp.function_error;
		rp.fstatus[sizeof(rp.fstatus) - 1] = '\0';
		snprintf(a->status, sizeof(a->status), "%s", rp.fstatus);
		a->len = rp.len;
		err = 0;
	}
	close(fd);
	if (err < 0) {
		free(a->body);
		a->body = NULL;
	}
	return err;
}
