/* The real engines behind the front: s3rver for S3, dynalite for DynamoDB
 * (npm, pinned in engines/package-lock.json).
 *
 * S3: s3rver,
 * a real S3-compatible server, run by the front in the zone's namespace
 * on 127.0.0.1:S3_ENGINE_PORT as an unprivileged user, data in the state
 * folder's aws/s3 until `down`. The front has verified the request; it
 * forwards it path-style without its signature (s3rver sees an anonymous
 * request it serves) and relays the answer. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <grp.h>
#include <sched.h>
#include <unistd.h>

#include "aws/front_internal.h"
#include "kernel/jail.h"
#include "kernel/proc.h"
#include "util/err.h"
#include "util/paths.h"
#include "util/pct.h"

#define S3_ENGINE_PORT 4568
#define DDB_ENGINE_PORT 4567
#define S3_ENGINE_UID 65534          /* nobody */
#define S3_READY_MS 15000
#define S3_IO_TIMEOUT_S 60
/* Where the engines folder is bound inside an engine's jail. Not the host
 * path: a checkout under /tmp (which the jail makes private) or under a
 * folder nobody may enter would leave node nothing to run. */
#define ENGINES_IN_JAIL "/opt/vpcsim-engines"

/* The engines/ folder (npm ci's node_modules) beside the binary. */
static int engines_dir(char root[PATH_MAX])
{
	if (path_bundled(root, PATH_MAX, "VPCSIM_ENGINES_DIR", "engines",
			 "node_modules/s3rver/bin/s3rver.js") < 0)
		return errf_prefix(ENOENT, "the S3 and DynamoDB engines are not installed (run "
				   "scripts/install-deps.sh, which runs npm ci in engines/)");
	return 0;
}

static int engine_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { S3_IO_TIMEOUT_S, 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool send_all(int fd, const char *p, size_t n);
#define send_all_fd send_all

/* The engine's process: jailed as the database engines are (kernel/jail.h:
 * the host read-only, its data folder the only writable one), as nobody. */
static __attribute__((noreturn)) void engine_child(char **argv, const char *data,
						   const char *root, const char *name, pid_t parent)
{
	struct jail_bind binds[2] = {
		{ .src = data, .dst = data, .writable = true },
		{ .src = root, .dst = ENGINES_IN_JAIL },
	};
	struct jail j = { .tmp_mb = 16, .shm_mb = 16, .binds = binds, .n_binds = 2 };
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (unshare(CLONE_NEWNS) < 0 || jail_enter(&j) < 0 ||
	    jail_drop_privileges(S3_ENGINE_UID, S3_ENGINE_UID, NULL, 0) < 0) {
		fprintf(stderr, "aws front: %s engine: %s\n", name, err_msg());
		_exit(126);
	}
	/* Dies with the front (a front that died leaves no engine behind);
	 * after the uid change, which clears the setting. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(125);
	execvp("node", argv);
	fprintf(stderr, "aws front: %s engine: exec node: %s\n", name, strerror(errno));
	_exit(127);
}

/* How a child that ended did: "exited with status N" or "killed by SIGX". */
void engine_how(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
}

/* Wait until the engine `pid` accepts on port: 0; or -errno when it ended
 * (reaped) or did not answer in time (killed and reaped). */
static int engine_ready(pid_t pid, const char *name, int port)
{
	char how[96];
	int fd, status;

	for (int ms = 0; ms < S3_READY_MS; ms += 50) {
		if ((fd = engine_connect(port)) >= 0) {
			close(fd);
			return 0;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			engine_how(status, how, sizeof(how));
			return errf(ECHILD, "aws front: the %s engine %s before it answered on "
				    "127.0.0.1:%d (its output is in the topology's logs/aws.log)",
				    name, how, port);
		}
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return errf(ETIMEDOUT, "aws front: the %s engine did not answer within %d ms", name,
		    S3_READY_MS);
}

/* Fork argv (node and an engine's script) jailed with data writable;
 * wait until it accepts on port. Records it in *run. */
static int engine_spawn(char **argv, const char *data, const char *root, const char *name,
			int port, struct engine_run *run)
{
	pid_t pid, self = getpid();

	if ((mkdir(data, 0700) < 0 && errno != EEXIST) || chown(data, S3_ENGINE_UID, S3_ENGINE_UID) < 0)
		return errf(errno, "aws front: the %s engine's folder %s: %s", name, data,
			    strerror(errno));
	pid = fork();
	if (pid < 0)
		return errf(errno, "aws front: fork: %s", strerror(errno));
	if (pid == 0)
		engine_child(argv, data, root, name, self);
	run->pid = 0;
	if (engine_ready(pid, name, port) < 0)
		return -1;
	run->pid = pid;
	run->since = time(NULL);
	if (proc_start_time(pid, &run->start) < 0)
		run->start = 0;
	return 0;
}

/* Start s3rver with the topology's buckets. */
int s3_engine_start(struct front *f)
{
	char js[PATH_MAX], root[PATH_MAX], data[4200], port[8];
	char *argv[16 + 2 * 64];
	int n = 0;

	if (engines_dir(root) < 0)
		return -1;
	snprintf(js, sizeof(js), "%s/node_modules/s3rver/bin/s3rver.js", ENGINES_IN_JAIL);
	snprintf(data, sizeof(data), "%s/s3", f->dir);
	snprintf(port, sizeof(port), "%d", S3_ENGINE_PORT);
	argv[n++] = "node";
	argv[n++] = js;
	argv[n++] = "--silent";
	argv[n++] = "--no-vhost-buckets";
	argv[n++] = "-a";
	argv[n++] = "127.0.0.1";
	argv[n++] = "-p";
	argv[n++] = port;
	argv[n++] = "-d";
	argv[n++] = data;
	for (int i = 0; i < f->t->aws.n_buckets && i < 64; i++) {
		argv[n++] = "--configure-bucket";
		argv[n++] = f->t->aws.buckets[i].name;
	}
	argv[n] = NULL;
	return engine_spawn(argv, data, root, "S3", S3_ENGINE_PORT, &f->eng[ENGINE_S3]);
}

/* dynalite's CreateTable of each listed table (string hash key, on
 * demand), before the front serves. dynalite checks the form of a
 * request's Authorization header, not its signature. */
static int ddb_create_tables(struct front *f)
{
	for (int i = 0; i < f->t->aws.n_tables; i++) {
		const struct aws_table *tb = &f->t->aws.tables[i];
		char body[1024], req[2048], resp[4096];
		int fd = engine_connect(DDB_ENGINE_PORT), n, len, status = 0;

		len = snprintf(body, sizeof(body), "{\"TableName\":\"%s\",\"AttributeDefinitions\":"
			       "[{\"AttributeName\":\"%s\",\"AttributeType\":\"S\"}],\"KeySchema\":"
			       "[{\"AttributeName\":\"%s\",\"KeyType\":\"HASH\"}],"
			       "\"BillingMode\":\"PAY_PER_REQUEST\"}", tb->name, tb->hash_key, tb->hash_key);
		n = snprintf(req, sizeof(req), "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			     "X-Amz-Target: DynamoDB_20120810.CreateTable\r\n"
			     "Content-Type: application/x-amz-json-1.0\r\nX-Amz-Date: 20200101T000000Z\r\n"
			     "Authorization: AWS4-HMAC-SHA256 Credential=vpcsim/20200101/%s/dynamodb/"
			     "aws4_request, SignedHeaders=host, Signature=00\r\n"
			     "Content-Length: %d\r\nConnection: close\r\n\r\n%s", f->t->region, len, body);
		if (fd < 0 || !send_all_fd(fd, req, (size_t)n) ||
		    (n = (int)recv(fd, resp, sizeof(resp) - 1, MSG_WAITALL)) <= 0) {
			if (fd >= 0)
				close(fd);
			return errf(EIO, "aws front: creating table %s: the DynamoDB engine did not answer",
				    tb->name);
		}
		close(fd);
		resp[n] = '\0';
		/* A restarted engine has its tables already (its data is kept). */
		if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1 ||
		    (status != 200 && !strstr(resp, "ResourceInUseException")))
			return errf(EIO, "aws front: creating table %s: %.200s", tb->name,
				    strstr(resp, "\r\n\r\n") ? strstr(resp, "\r\n\r\n") + 4 : resp);
	}
	return 0;
}

/* Start dynalite (LevelDB in the state folder), then the listed tables. */
int ddb_engine_start(struct front *f)
{
	char js[PATH_MAX], root[PATH_MAX], data[4200], port[8];
	char *argv[16];
	int n = 0, err;

	if (engines_dir(root) < 0)
		return -1;
	snprintf(js, sizeof(js), "%s/node_modules/dynalite/cli.js", ENGINES_IN_JAIL);
	snprintf(data, sizeof(data), "%s/dynamodb", f->dir);
	snprintf(port, sizeof(port), "%d", DDB_ENGINE_PORT);
	argv[n++] = "node";
	argv[n++] = js;
	argv[n++] = "--host";
	argv[n++] = "127.0.0.1";
	argv[n++] = "--port";
	argv[n++] = port;
	argv[n++] = "--path";
	argv[n++] = data;
	argv[n++] = "--createTableMs";
	argv[n++] = "0";
	argv[n] = NULL;
	err = engine_spawn(argv, data, root, "DynamoDB", DDB_ENGINE_PORT, &f->eng[ENGINE_DDB]);
	return err ? err : ddb_create_tables(f);
}

/* ---- the proxy ---- */

struct fwd {
	char *buf;
	size_t len, cap;
	bool overflow;
	bool keep_auth;            /* headers out: keep the signature's */
};

static void fwd_add(struct fwd *w, const char *p, size_t n)
{
	if (w->overflow)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 8192;
		char *g;

		while (cap < w->len + n + 1)
			cap *= 2;
		if (cap > S3_BODY_MAX + (1 << 20) || !(g = realloc(w->buf, cap))) {
			w->overflow = true;
			return;
		}
		w->buf = g;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* Headers the engine must not see: the signature (s3rver would check it
 * against its own keys) and what belongs to the connection. */
static bool header_dropped(const char *k, bool keep_auth)
{
	static const char *const drop[] = {
		"host", "connection", "content-length", "transfer-encoding", "expect",
		"authorization", "x-amz-security-token", "x-amz-date", "x-amz-content-sha256", NULL };

	for (int i = 0; drop[i]; i++) {
		if (keep_auth && i == 5)
			break;
		if (!strcasecmp(k, drop[i]))
			return true;
	}
	return false;
}

/* x-amz-copy-source as s3rver reads it. The SDKs send it URL-encoded
 * (botocore: "keys/a%20b%3Dc%2Bd.txt") and AWS decodes it fully; s3rver
 * runs decodeURI(), which leaves %3D %2B %26 ... (the reserved characters)
 * encoded and finds no such key. So: decoded, then only what decodeURI
 * decodes back and a header cannot carry raw ('%', blanks, controls,
 * bytes >= 0x80) encoded again. */
static void copy_source_out(struct fwd *w, const char *v)
{
	size_t n = strlen(v);
	char hex[4], *dec = malloc(n + 1);

	if (!dec) {
		w->overflow = true;
		return;
	}
	n = pct_decode(v, n, dec);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)dec[i];

		if (c == '%' || c <= ' ' || c >= 0x7f) {
			snprintf(hex, sizeof(hex), "%%%02X", c);
			fwd_add(w, hex, 3);
		} else {
			fwd_add(w, (const char *)&c, 1);
		}
	}
	free(dec);
}

static enum MHD_Result header_out(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	struct fwd *w = cls;

	if (!w->keep_auth && v && !strcasecmp(k, "x-amz-copy-source")) {
		fwd_add(w, "x-amz-copy-source: ", 19);
		copy_source_out(w, v);
		fwd_add(w, "\r\n", 2);
	} else if (!header_dropped(k, w->keep_auth)) {
		fwd_add(w, k, strlen(k));
		fwd_add(w, ": ", 2);
		fwd_add(w, v ? v : "", v ? strlen(v) : 0);
		fwd_add(w, "\r\n", 2);
	}
	return MHD_YES;
}

static bool send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* Decode a chunked body in place; false when malformed. */
static bool dechunk(char *body, size_t len, size_t *out)
{
	size_t r = 0, w = 0;

	while (r < len) {
		char *end;
		unsigned long n = strtoul(body + r, &end, 16);
		char *crlf = strstr(body + r, "\r\n");

		if (!crlf || end == body + r)
			return false;
		r = (size_t)(crlf - body) + 2;
		if (n == 0) {
			*out = w;
			return true;
		}
		if (r + n + 2 > len)
			return false;
		memmove(body + w, body + r, n);
		w += n;
		r += n + 2;
	}
	return false;
}

#define RELAY_HEADERS_MAX 64

/* The engine's answer to the client: status, its headers (but those of
 * the connection, which MHD writes) and body. */
static enum MHD_Result relay(const struct aws_call *k, struct fwd *in, bool head,
			     struct s3_answer *ans)
{
	char *end = strstr(in->buf, "\r\n\r\n"), *p, *body, *name[RELAY_HEADERS_MAX];
	char *value[RELAY_HEADERS_MAX];
	int status = 0, nh = 0;
	bool chunked = false;
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t body_len;

	if (!end || sscanf(in->buf, "HTTP/1.%*d %d", &status) != 1)
		return aws_error(k, 503, "ServiceUnavailable", "The S3 engine sent no valid answer");
	*end = '\0';
	body = end + 4;
	body_len = in->len - (size_t)(body - in->buf);
	for (p = strstr(in->buf, "\r\n"); p && nh < RELAY_HEADERS_MAX; ) {
		char *eol, *colon;

		*p = '\0';
		p += 2;
		eol = strstr(p, "\r\n");
		colon = strchr(p, ':');
		if (colon && (!eol || colon < eol)) {
			*colon = '\0';
			name[nh] = p;
			value[nh++] = colon + 1 + strspn(colon + 1, " ");
		}
		p = eol;
	}
	for (int i = 0; i < nh; i++)
		chunked |= !strcasecmp(name[i], "transfer-encoding") && strstr(value[i], "chunked");
	if (ans) {
		ans->status = status;
		for (int i = 0; i < nh; i++)
			if (!strcasecmp(name[i], "etag"))
				snprintf(ans->etag, sizeof(ans->etag), "%.*s",
					 (int)strcspn(value[i] + (value[i][0] == '"'), "\""),
					 value[i] + (value[i][0] == '"'));
	}
	if (chunked && !head && !dechunk(body, body_len, &body_len))
		return aws_error(k, 503, "ServiceUnavailable", "The S3 engine's answer was cut short");
	r = sym_MHD_create_response_from_buffer(head ? 0 : body_len, body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	for (int i = 0; i < nh; i++)
		if (strcasecmp(name[i], "content-length") && strcasecmp(name[i], "transfer-encoding") &&
		    strcasecmp(name[i], "connection") && strcasecmp(name[i], "date") &&
		    strcasecmp(name[i], "keep-alive"))
			sym_MHD_add_response_header(r, name[i], value[i]);
	sym_MHD_add_response_header(r, "x-amz-request-id", k->request_id);
	ret = sym_MHD_queue_response(k->c, (unsigned)status, r);
	sym_MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result forward(const struct aws_call *k, int port, bool keep_auth,
			       const char *method, const char *uri, const char *bucket,
			       const char *body, size_t len, struct s3_answer *ans)
{
	struct fwd out = { .keep_auth = keep_auth }, in = { 0 };
	char line[64], buf[65536];
	enum MHD_Result ret;
	ssize_t n;
	int fd;

	fwd_add(&out, method, strlen(method));
	fwd_add(&out, " ", 1);
	if (bucket[0]) { /* virtual-hosted: the engine is asked path-style */
		fwd_add(&out, "/", 1);
		fwd_add(&out, bucket, strlen(bucket));
	}
	fwd_add(&out, uri, strlen(uri));
	snprintf(line, sizeof(line), " HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n", port);
	fwd_add(&out, line, strlen(line));
	sym_MHD_get_connection_values(k->c, MHD_HEADER_KIND, header_out, &out);
	snprintf(line, sizeof(line), "Content-Length: %zu\r\nConnection: close\r\n\r\n", len);
	fwd_add(&out, line, strlen(line));
	fd = out.overflow ? -1 : engine_connect(port);
	if (fd < 0) {
		free(out.buf);
		return aws_error(k, 503, "ServiceUnavailable", "The engine does not answer (see the "
				 "topology's logs/aws.log)");
	}
	if (send_all(fd, out.buf, out.len) && (!len || send_all(fd, body, len)))
		while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
			fwd_add(&in, buf, (size_t)n);
	close(fd);
	free(out.buf);
	if (in.overflow || !in.buf)
		ret = aws_error(k, in.overflow ? 500 : 503, "ServiceUnavailable",
				"The S3 engine's answer is missing or over %d bytes", S3_BODY_MAX);
	else
		ret = relay(k, &in, !strcmp(method, "HEAD"), ans);
	free(in.buf);
	return ret;
}

/* s3rver keeps an object as a file at its key's path, so a key with an
 * empty segment ("a//b", or "/a" virtual-hosted) cannot be stored (its
 * router answers a bare 404). AWS stores such keys; say so instead. */
static bool empty_key_segment(const char *uri)
{
	return memmem(uri, strcspn(uri, "?"), "//", 2) != NULL;
}

enum MHD_Result aws_s3(struct front *f, const struct aws_call *k, const struct aws_cred *who,
		       const char *method, const char *uri, const char *bucket, const char *body,
		       size_t len)
{
	struct s3_answer ans = { 0 };
	enum MHD_Result ret;

	if (empty_key_segment(uri))
		return aws_error(k, 501, "NotImplemented", "vpcsim's S3 engine (s3rver) stores an "
				 "object as a file at its key's path and cannot store a key with an "
				 "empty segment ('//'); AWS can. Use a key without '//'.");
	ret = forward(k, S3_ENGINE_PORT, false, method, uri, bucket, body, len, &ans);

	if (ans.status >= 200 && ans.status < 300 && strcmp(method, "GET") && strcmp(method, "HEAD"))
		s3_notify(f, k, who, method, uri, bucket, body, len, &ans);
	return ret;
}

/* HEAD of an object on the engine (path-style, the key as the URI has
 * it): its size and ETag, for the notification of a copy or a completed
 * multipart upload. 0 or -1. */
int s3_engine_head(const char *path, long long *size, char etag[128])
{
	char req[4600], resp[8192], *p;
	int fd = engine_connect(S3_ENGINE_PORT), n;

	*size = -1;
	etag[0] = '\0';
	n = snprintf(req, sizeof(req), "HEAD %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		     "Connection: close\r\n\r\n", path, S3_ENGINE_PORT);
	if (fd < 0 || n >= (int)sizeof(req) || !send_all(fd, req, (size_t)n) ||
	    (n = (int)recv(fd, resp, sizeof(resp) - 1, MSG_WAITALL)) <= 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	resp[n] = '\0';
	for (p = resp; (p = strstr(p, "\r\n")); p += 2) {
		if (!strncasecmp(p + 2, "content-length:", 15))
			*size = atoll(p + 17);
		else if (!strncasecmp(p + 2, "etag:", 5))
			sscanf(p + 7 + strspn(p + 7, " \""), "%127[^\"\r]", etag);
	}
	return *size >= 0 ? 0 : -1;
}

/* DynamoDB keeps the signature's headers: dynalite wants their form. */
enum MHD_Result aws_dynamodb(struct front *f, const struct aws_call *k, const char *method,
			     const char *uri, const char *body, size_t len)
{
	return forward(k, DDB_ENGINE_PORT, true, method, uri, "", body, len, NULL);
}
