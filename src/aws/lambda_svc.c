/* Lambda's Invoke API at lambda.REGION.amazonaws.com (docs/AWS-SERVICES.md):
 * a function calls another with its SDK (boto3 `lambda.invoke`, SDK v3
 * `InvokeCommand`) and its own credentials, as on AWS.
 *
 * The front lives in the zone's namespace; an invoke makes environments
 * (namespaces, links, cgroups, supervisors) as `vpcsim invoke` does, from
 * the root namespaces. So the front forks, before it enters the zone, an
 * invoker that stays there: for each request the front hands it one end of
 * a new socket pair (SCM_RIGHTS over a SOCK_SEQPACKET pair), the invoker
 * forks a child that reads the request, runs it through the one invoke
 * path (lambda/invoke.h, the Invoke API's rules in lambda/invoke_api.h,
 * counted in usage the same way) and writes the answer back. Nothing is
 * left in the file system; the invoker dies with the front
 * (PR_SET_PDEATHSIG) and is in its process group, which `down` stops.
 *
 * Invocation types: RequestResponse (200 with the response, or
 * X-Amz-Function-Error: Unhandled and the error; answered when the
 * runtime posts its response, as serve answers, the child staying until
 * the invoke ends), Event (202 at once, the
 * invoke runs after; no retries, no destination), DryRun (204). */
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

#include "aws/front.h"
#include "aws/front_internal.h"
#include "lambda/invoke.h"
#include "lambda/invoke_api.h"
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

/* Run the invoke of fn; a sync one (fd >= 0) answered on fd as soon as
 * the runtime posts its response, or with AWS's error when it cannot run. */
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
	if (fd >= 0) {
		ir.responded = answer_now;
		ir.responded_arg = &a;
	}
	err = ir.out && ir.logs ? invoke_function(lv, fn, &ir, &o)
				: errf(ENOMEM, "out of memory");
	if (ir.out)
		fclose(ir.out);
	if (ir.logs)
		fclose(ir.logs);
	if (a.fd >= 0 && err < 0) {
		invoke_api_refused(err, &e);
		answer_error(a.fd, &e);
	} else if (a.fd >= 0) {
		answer_outcome(&a, &o); /* a command, or ended before responded() */
	}
	free(body);
}

/* One request on fd, in a child of the invoker. */
static void invoke_one(int fd)
{
	struct wire_rq rq;
	struct wire_rp rp = { .len = 0 };
	struct live lv;
	char *payload = NULL;
	int fn;

	if (fd_read_full(fd, &rq, sizeof(rq)) < 0 || rq.len > FRONT_JSON_BODY_MAX ||
	    !(payload = calloc(1, (size_t)rq.len + 1)) || fd_read_full(fd, payload, rq.len) < 0)
		_exit(1);
	rq.topo[sizeof(rq.topo) - 1] = rq.name[sizeof(rq.name) - 1] = '\0';
	rq.qualifier[sizeof(rq.qualifier) - 1] = '\0';
	rq.client_context[sizeof(rq.client_context) - 1] = '\0';
	if (live_open(rq.topo, &lv) < 0) {
		invoke_api_refused(-EIO, &rp.e);
		answer_error(fd, &rp.e);
		_exit(0);
	}
	fn = invoke_api_function(&lv, rq.name, rq.has_qualifier ? rq.qualifier : NULL, &rp.e);
	if (fn < 0 || rq.type == INV_DRYRUN) {
		if (fn >= 0)
			rp.e.status = 204;
		fn < 0 ? answer_error(fd, &rp.e) : answer(fd, &rp, NULL);
	} else if (rq.type == INV_EVENT) {
		rp.e.status = 202;
		answer(fd, &rp, NULL);
		close(fd);
		run(&lv, fn, &rq, payload, -1);
	} else {
		run(&lv, fn, &rq, payload, fd);
	}
	live_close(&lv);
	_exit(0);
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
	struct sigaction ign = { .sa_handler = SIG_IGN, .sa_flags = SA_NOCLDWAIT };
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
	sigaction(SIGCHLD, &ign, NULL); /* the children reap themselves */
	while ((fd = recv_fd(ctl)) != -1) {
		if (fd < 0)
			continue;
		if (fork() == 0) {
			signal(SIGCHLD, SIG_DFL); /* invoke_function waits for its own */
			close(ctl);
			invoke_one(fd);
		}
		close(fd);
	}
	_exit(0);
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
	sym_MHD_add_response_header(r, "x-amzn-RequestId", k->request_id);
	if (rp->e.status == 200)
		sym_MHD_add_response_header(r, "X-Amz-Executed-Version", "$LATEST");
	if (rp->function_error)
		sym_MHD_add_response_header(r, "X-Amz-Function-Error", "Unhandled");
	ret = sym_MHD_queue_response(k->c, rp->e.status, r);
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
	rp.e.type[sizeof(rp.e.type) - 1] = '\0';
	if (rp.e.status >= 400)
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

	if (strcmp(method, "POST") || strncmp(uri, INVOKE_API_PREFIX, strlen(INVOKE_API_PREFIX)) ||
	    !end || strncmp(end, "/invocations", 12) || (end[12] && end[12] != '?')) {
		*ret = aws_error(k, 404, "UnknownOperationException",
				 "Lambda here serves Invoke only: POST %sNAME/invocations",
				 INVOKE_API_PREFIX);
		return -1;
	}
	if (type && strcmp(type, "RequestResponse") && strcmp(type, "Event") &&
	    strcmp(type, "DryRun")) {
		*ret = aws_error(k, 400, "InvalidParameterValueException",
				 "1 validation error detected: Value '%.64s' at 'invocationType' failed "
				 "to satisfy constraint: Member must satisfy enum value set: [Event, "
				 "RequestResponse, DryRun]", type);
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
