/* The AWS zone's front; see front.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aws/ca.h"
#include "aws/front.h"
#include "aws/front_internal.h"
#include "kernel/proc.h"
#include "lambda/sandbox.h"
#include "model/aws_zone.h"
#include "model/cloudfront.h"
#include "model/endpoint.h"
#include "state/dns_steps.h"
#include "state/state.h"
#include "util/err.h"

void aws_zone_dir(const char *state_dir, char out[4096])
{
	snprintf(out, 4096, "%s/aws", state_dir);
}

/* ---- one request ---- */

struct front_req {
	char *uri;                 /* the request target as sent */
	char *body;
	size_t len, cap, max;
	bool too_large;
	bool started;
	int pinned;                /* an interface endpoint's service, else -1 */
	int cf;                    /* a CloudFront distribution, else -1 */
};

/* cls: the service of the endpoint whose daemon this is, or NULL. */
static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct front_req *r = calloc(1, sizeof(*r));

	if (r) {
		r->uri = strdup(uri ? uri : "/");
		r->pinned = cls ? *(const int *)cls : -1;
	}
	return r;
}

static void req_done(void *cls, struct MHD_Connection *c, void **con_cls,
		     enum MHD_RequestTerminationCode code)
{
	struct front_req *r = *con_cls;

	if (r) {
		free(r->uri);
		free(r->body);
		free(r);
	}
	*con_cls = NULL;
}

/* Keep a chunk of the body, up to r->max; past it nothing more is kept. */
static void body_add(struct front_req *r, const char *data, size_t n)
{
	if (r->too_large || r->len + n > r->max) {
		r->too_large = true;
		return;
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *g;

		while (cap < r->len + n + 1)
			cap *= 2;
		g = realloc(r->body, cap);
		if (!g) {
			r->too_large = true;
			return;
		}
		r->body = g;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
}

static enum aws_protocol protocol_of(int s)
{
	switch (s) {
	case AWS_SECRETSMANAGER:
	case AWS_DYNAMODB:
		return AWS_PROTO_JSON;
	case AWS_STS:
		return AWS_PROTO_QUERY;
	case AWS_LAMBDA:
		return AWS_PROTO_REST_JSON;
	default:
		return AWS_PROTO_REST_XML;
	}
}

static enum MHD_Result too_large(const struct aws_call *k, int s, size_t max)
{
	if (s == AWS_S3)
		return aws_error(k, 400, "EntityTooLarge",
				 "Your proposed upload exceeds the maximum allowed size (%zu bytes here)", max);
	if (s == AWS_LAMBDA)
		return aws_error(k, 413, "RequestEntityTooLargeException",
				 "Request must be smaller than %zu bytes for the InvokeFunction operation", max);
	return aws_error(k, 413, s == AWS_STS ? "RequestEntityTooLarge" : "RequestEntityTooLargeException",
			 "Request body is larger than the %zu bytes this service takes", max);
}

static enum MHD_Result dispatch(struct front *f, struct MHD_Connection *c, struct front_req *r,
				const char *method)
{
	const char *host = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	struct aws_call k = { .c = c, .proto = AWS_PROTO_REST_XML };
	char bucket[AWS_HOST_MAX];
	int s = front_route(f, r->pinned, host, bucket);
	const struct aws_cred *who = NULL;
	enum MHD_Result ret;

	if (r->cf >= 0)
		return aws_cloudfront(f, c, r->cf, method, r->uri, r->body, r->len, r->too_large);
	sandbox_uuid_v4(k.request_id);
	if (s < 0)
		return aws_error(&k, 400, "InvalidHostHeader",
				 "No AWS service of this simulation answers for the host '%s'; use "
				 "SERVICE.%s.amazonaws.com", host ? host : "", f->t->region);
	if (s == AWS_EXECUTE_API) /* public routes: no signature */
		return aws_http_api(f, c, method, r->uri, r->body, r->len, r->too_large);
	k.proto = protocol_of(s);
	if (r->too_large)
		return too_large(&k, s, r->max);
	if (front_authenticate(f, &k, s, method, r->uri, r->body, r->len, &who, &ret) < 0)
		return ret;
	switch (s) {
	case AWS_STS:
		return aws_sts(f, &k, who, r->body, r->len);
	case AWS_SECRETSMANAGER:
		return aws_secrets(f, &k, who, r->body, r->len);
	case AWS_S3:
		return aws_s3(f, &k, who, method, r->uri, bucket, r->body, r->len);
	case AWS_DYNAMODB:
		return aws_dynamodb(f, &k, method, r->uri, r->body, r->len);
	case AWS_LAMBDA:
		return aws_lambda(f, &k, method, r->uri, r->body, r->len);
	default:
		return aws_error(&k, 501, "NotImplemented",
				 "%s is not served by this vpcsim", aws_service_name(s));
	}
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct front_req *r = *con_cls;

	if (!r || !r->uri)
		return MHD_NO;
	if (!r->started) {
		char bucket[AWS_HOST_MAX];
		const char *host = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
		struct front *f = cls;

		r->started = true;
		r->cf = r->pinned < 0 ? cf_route(f->t, host) : -1;
		r->max = r->cf >= 0 ? CF_BODY_MAX
		       : front_route(f, r->pinned, host, bucket) == AWS_S3 ? S3_BODY_MAX
									   : FRONT_JSON_BODY_MAX;
		return MHD_YES;
	}
	if (*size) {
		body_add(r, data, *size);
		*size = 0;
		return MHD_YES;
	}
	return dispatch(cls, c, r, method);
}

/* ---- the process ---- */

static char *slurp(const char *dir, const char *name)
{
	char path[4200], *buf;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size > 1 << 20 ||
	    !(buf = calloc(1, (size_t)st.st_size + 1))) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (read(fd, buf, (size_t)st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	return buf;
}

/* A daemon on `port`, or on the listening socket `fd` (>= 0: an
 * interface endpoint's, serving only *pinned); TLS with a key. */
static struct MHD_Daemon *daemon_start(struct front *f, int port, int fd, const int *pinned,
				       const char *key, const char *cert)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_ERROR_LOG | (key ? MHD_USE_TLS : 0);
	/* Options with two arguments take the function as value, the
	 * closure as ptr_value (MHD_OPTION_ARRAY's rule). */
	struct MHD_OptionItem o[12] = {
		{ MHD_OPTION_CONNECTION_LIMIT, FRONT_CONNECTIONS, NULL },
		{ MHD_OPTION_PER_IP_CONNECTION_LIMIT, FRONT_PER_IP, NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, FRONT_IDLE_S, NULL },
		{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, FRONT_HEADER_BYTES, NULL },
		{ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_seen, (void *)pinned },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)req_done, NULL },
	};
	int n = 6;

	if (key) {
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert };
	}
	if (fd >= 0)
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, fd, NULL };
	o[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	return sym_MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle, f,
				    MHD_OPTION_ARRAY, o, MHD_OPTION_END);
}

/* Tell the parent: "" (serving) or the error's text; then the pipe closes. */
static void report(int fd, const char *msg)
{
	if (fd >= 0 && msg[0] && write(fd, msg, strlen(msg)) < 0)
		_exit(1);
	if (fd >= 0)
		close(fd);
}

static int serve_setup(struct front *f, const char *netns, const char *log)
{
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (devnull < 0 || logfd < 0 || dup2(devnull, 0) < 0 || dup2(logfd, 1) < 0 ||
	    dup2(logfd, 2) < 0)
		return errf(errno, "aws front: opening %s: %s", log, strerror(errno));
	/* Before the zone: invokes make environments from the root namespaces. */
	if ((aws_serves(f->t, AWS_LAMBDA) || aws_serves(f->t, AWS_EXECUTE_API) ||
	     f->t->n_cloudfront) && lambda_invoker_start(f) < 0)
		return -1;
	if (front_vpce_listen(f) < 0 || proc_enter_node(netns) < 0)
		return -1;
	if (dlib_load(DLIB_MHD) < 0 || front_state_init(f) < 0)
		return -1;
	if (aws_serves(f->t, AWS_S3) && s3_engine_start(f) < 0)
		return -1;
	if (aws_serves(f->t, AWS_DYNAMODB) && ddb_engine_start(f) < 0)
		return -1;
	engines_record(f);
	return rds_link_start(f);
}

/* The child: serve until SIGTERM. Never returns. */
static void front_main(struct front *f, const char *netns, const char *log, int ready)
{
	struct MHD_Daemon *tls = NULL, *plain = NULL;
	char *key = NULL, *cert = NULL;
	sigset_t set;
	int sig = 0;

	setsid();
	state_lock_forget(); /* up's, closed below; the Lambda invoker locks its own */
	prctl(PR_SET_NAME, "vpcsim-aws", 0, 0, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD); /* an engine that dies is restarted (engine_watch.c) */
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	syscall(SYS_close_range, 3, (unsigned)ready - 1, 0);
	syscall(SYS_close_range, (unsigned)ready + 1, ~0U, 0);
	if (serve_setup(f, netns, log) < 0) {
		report(ready, err_msg());
		_exit(1);
	}
	key = slurp(f->dir, AWS_SERVER_KEY);
	cert = slurp(f->dir, AWS_SERVER_CERT);
	if (key && cert) {
		tls = daemon_start(f, 443, -1, NULL, key, cert);
		plain = daemon_start(f, 80, -1, NULL, NULL, NULL);
	}
	/* Interface endpoints: HTTPS only, as AWS's (port 443). */
	for (int i = 0; tls && plain && i < f->n_vpce; i++)
		if (!daemon_start(f, 0, f->vpce[i].fd, &f->vpce[i].service, key, cert))
			tls = NULL;
	if (!tls || !plain) {
		report(ready, "aws front: libmicrohttpd could not serve ports 443 and 80, or "
		       "an interface endpoint's 443 (the key or certificate is unreadable, or a port is taken)");
		_exit(1);
	}
	fprintf(stderr, "aws front: serving %s on 443 (https) and 80 (http)\n", f->t->name);
	report(ready, "");
	while (sigwait(&set, &sig) != 0 || sig == SIGCHLD)
		if (sig == SIGCHLD)
			engines_reap(f);
	sym_MHD_stop_daemon(tls);
	sym_MHD_stop_daemon(plain);
	_exit(0);
}

static int front_spawn(const struct layout *L, const char *dir, const char *log,
		       struct journal *J)
{
	static struct front f; /* the child's, for its life */
	char msg[1024] = "";
	int p[2], status;
	unsigned long long start;
	ssize_t n;
	pid_t pid;

	f.L = L;
	f.t = L->t;
	f.lambda_ctl = -1;
	snprintf(f.dir, sizeof(f.dir), "%s", dir);
	if (pipe2(p, O_CLOEXEC) < 0)
		return errf(errno, "aws front: pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return errf(errno, "aws front: fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(p[0]);
		front_main(&f, L->nodes[L->aws_node].netns, log, p[1]);
	}
	close(p[1]);
	n = read(p[0], msg, sizeof(msg) - 1);
	close(p[0]);
	if (n != 0) {
		msg[n > 0 ? n : 0] = '\0';
		waitpid(pid, &status, 0);
		return errf(EIO, "%s", n > 0 ? msg : "aws front: died while starting (see its log)");
	}
	if (proc_start_time(pid, &start) < 0)
		start = 0;
	return journal_add_proc(J, pid, start, "aws-front");
}

/* One view's records: the services' (interface endpoints' private DNS
 * included, model/endpoint.h) and the CloudFront distributions'. */
static char *zone_view_text(const struct layout *L, int v)
{
	char *svc = vpce_view_records(L, v), *cf = cf_records(L->t), *text = NULL;

	if (svc && cf && asprintf(&text, "%s%s", svc, cf) < 0)
		text = NULL;
	free(svc);
	free(cf);
	return text;
}

/* The service names in every VPC resolver's view (docs/DNS.md, source
 * "aws"): the SDKs find the zone through DNS, as on AWS. */
static int zone_records(const struct layout *L, const char *state_dir, struct journal *J)
{
	char *text = NULL, dir[DNS_PATH_MAX], path[DNS_PATH_MAX + 16];
	int err = 0;

	for (int v = 0; !err && v < dns_n_views(L); v++) {
		if (!dns_view_serves(L, v))
			continue;
		/* per view: interface endpoints' private DNS (model/endpoint.h) */
		free(text);
		text = zone_view_text(L, v);
		err = text ? dns_view_file_write(L, v, state_dir, AWS_DNS_SOURCE, text)
			   : errf(ENOMEM, "the AWS zone's DNS records");
		dns_view_dir(L, v, state_dir, dir);
		snprintf(path, sizeof(path), "%s/%s", dir, AWS_DNS_SOURCE);
		if (!err)
			err = journal_add(J, J_FILE, path);
	}
	free(text);
	return err;
}

int aws_zone_up(const struct layout *L, const char *state_dir, struct journal *J)
{
	char dir[4096], log[4200];
	int err;

	if (L->aws_node < 0)
		return 0;
	aws_zone_dir(state_dir, dir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return errf(errno, "creating %s: %s", dir, strerror(errno));
	err = aws_ca_make(L->t, dir);
	if (!err)
		err = aws_creds_make(L->t, dir);
	snprintf(log, sizeof(log), "%s/logs/aws.log", state_dir);
	if (!err)
		err = front_spawn(L, dir, log, J);
	if (!err)
		err = zone_records(L, state_dir, J);
	return err;
}
