/* A distribution's request to its origin; see cf_origin.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "aws/cf_origin.h"
#include "util/dlib.h"
#include "util/err.h"

/* One connection to the origin: TCP, with TLS when ssl is set. */
struct conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
};

/* Hop-by-hop headers and those this client sets itself. */
static bool own_header(const char *name)
{
	static const char *const own[] = { "host", "connection", "keep-alive", "content-length",
					   "transfer-encoding", "te", "upgrade",
					   "proxy-connection", NULL };

	for (const char *const *o = own; *o; o++)
		if (!strcasecmp(name, *o))
			return true;
	return false;
}

static int connect_to(uint32_t ip, int port, char *why)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(ip) };
	struct timeval tv = { .tv_sec = CF_ORIGIN_READ_S };
	struct pollfd p;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), err = 0;
	socklen_t n = sizeof(err);

	if (fd < 0)
		return snprintf(why, 256, "socket: %s", strerror(errno)), -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS)
		err = errno;
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (!err && poll(&p, 1, CF_ORIGIN_CONNECT_S * 1000) <= 0)
		err = ETIMEDOUT;
	if (!err && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &n) < 0)
		err = errno;
	if (err) {
		close(fd);
		return snprintf(why, 256, "connecting to the origin: %s", strerror(err)), -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static bool send_all(struct conn *k, const char *p, size_t n)
{
	while (n) {
		ssize_t w = k->ssl ? sym_SSL_write(k->ssl, p, (int)(n > INT32_MAX ? INT32_MAX : n))
				   : send(k->fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && !k->ssl && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* recv()'s contract over TLS too: bytes, 0 at the end, -1 with errno. A
 * peer that closes without close_notify ends the answer as for HTTP. */
static ssize_t recv_some(struct conn *k, char *p, size_t n)
{
	int r, e;

	if (!k->ssl)
		return recv(k->fd, p, n, 0);
	errno = 0;
	r = sym_SSL_read(k->ssl, p, (int)(n > INT32_MAX ? INT32_MAX : n));
	if (r > 0)
		return r;
	e = sym_SSL_get_error(k->ssl, r);
	if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0))
		return 0;
	if (!errno)
		errno = EPROTO;
	return -1;
}

static int send_request(struct conn *k, const char *host, const struct cf_message *rq)
{
	char *head = NULL;
	size_t hn = 0;
	FILE *m = open_memstream(&head, &hn);
	int ok;

	if (!m)
		return -1;
	fprintf(m, "%s %s%s%s HTTP/1.1\r\nHost: %s\r\n", rq->method, rq->uri ? rq->uri : "/",
		rq->querystring && rq->querystring[0] ? "?" : "",
		rq->querystring ? rq->querystring : "", host);
	for (int i = 0; i < rq->n_h; i++)
		if (!own_header(rq->h[i].name))
			fprintf(m, "%s: %s\r\n", rq->h[i].name, rq->h[i].value);
	if (rq->body_len || strcmp(rq->method, "GET") != 0)
		fprintf(m, "Content-Length: %zu\r\n", rq->body_len);
	fputs("Connection: close\r\n\r\n", m);
	if (fclose(m) != 0)
		return -1;
	ok = send_all(k, head, hn) && (!rq->body_len || send_all(k, rq->body, rq->body_len));
	free(head);
	return ok ? 0 : -1;
}

/* Decode a chunked body (n bytes at p) into out; 1 when complete, 0 when
 * more is needed, -1 when it is not chunked encoding. */
static int dechunk(const char *p, size_t n, char **out, size_t *olen)
{
	size_t i = 0, k = 0;
	char *o = malloc(n + 1);

	if (!o)
		return -1;
	for (;;) {
		char *end;
		unsigned long sz;
		const char *nl = memmem(p + i, n - i, "\r\n", 2);

		if (!nl)
			return free(o), 0;
		sz = strtoul(p + i, &end, 16);
		if (end == p + i)
			return free(o), -1;
		i = (size_t)(nl - p) + 2;
		if (sz == 0)
			break;
		if (sz > n || i + sz + 2 > n)
			return free(o), 0;
		memcpy(o + k, p + i, sz);
		k += sz;
		i += sz + 2;
	}
	o[k] = '\0';
	*out = o;
	*olen = k;
	return 1;
}

/* The status line and headers (the text before the blank line) into rp. */
static int parse_head(char *head, struct cf_message *rp)
{
	char *save = NULL, *line = strtok_r(head, "\r\n", &save), *sp;

	if (!line || strncmp(line, "HTTP/1.", 7) || !(sp = strchr(line, ' ')))
		return -1;
	rp->status = atoi(sp + 1);
	if (rp->status < 100 || rp->status > 599)
		return -1;
	sp = strchr(sp + 1, ' ');
	rp->status_desc = strdup(sp ? sp + 1 : cf_reason(rp->status));
	while ((line = strtok_r(NULL, "\r\n", &save))) {
		char *colon = strchr(line, ':'), *v;

		if (!colon)
			return -1;
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		cf_header_add(rp, line, v);
	}
	return 0;
}

/* Is the answer in buf (n bytes, head ending at hend) whole? */
static int answer_whole(const char *buf, size_t n, size_t hend, const struct cf_message *rp,
			bool head_only, bool eof, struct cf_message *out)
{
	const char *te = cf_header_get(rp, "transfer-encoding");
	const char *cl = cf_header_get(rp, "content-length");
	size_t body = n - hend;

	if (head_only || rp->status == 204 || rp->status == 304 || rp->status < 200)
		return 1;
	if (te && strcasestr(te, "chunked")) {
		int r = dechunk(buf + hend, body, &out->body, &out->body_len);

		return r != 0 ? r : eof ? -1 : 0;
	}
	if (cl) {
		size_t want = strtoull(cl, NULL, 10);

		if (body < want)
			return eof ? -1 : 0;
		body = want;
	} else if (!eof) {
		return 0;
	}
	out->body = malloc(body + 1);
	if (!out->body)
		return -1;
	memcpy(out->body, buf + hend, body);
	out->body[body] = '\0';
	out->body_len = body;
	return 1;
}

/* Take the head from buf once its blank line came: 1 parsed, 0 not yet, -1 bad. */
static int take_head(const char *buf, size_t n, size_t *hend, struct cf_message *rp)
{
	const char *e = memmem(buf, n, "\r\n\r\n", 4);
	char *head;
	int r;

	if (!e)
		return 0;
	*hend = (size_t)(e - buf) + 4;
	head = strndup(buf, (size_t)(e - buf));
	r = head ? parse_head(head, rp) : -1;
	free(head);
	return r < 0 ? -1 : 1;
}

static enum cf_origin_result read_answer(struct conn *k, bool head_only, struct cf_message *rp,
					 char *why)
{
	size_t cap = 65536, n = 0, hend = 0;
	char *buf = malloc(cap);
	int parsed = 0, whole = 0;

	while (buf && whole == 0) {
		ssize_t r;

		if (n == cap) {
			char *g = cap < CF_ORIGIN_MAX ? realloc(buf, cap * 2) : NULL;

			if (!g)
				break;
			buf = g;
			cap *= 2;
		}
		r = recv_some(k, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			snprintf(why, 256, "reading the origin's answer: %s", strerror(errno));
			return errno == EAGAIN ? CF_ORIGIN_TIMEOUT : CF_ORIGIN_BAD;
		}
		n += (size_t)r;
		if (!parsed)
			parsed = take_head(buf, n, &hend, rp);
		if (parsed > 0)
			whole = answer_whole(buf, n, hend, rp, head_only, r == 0, rp);
		if (parsed < 0 || (r == 0 && whole == 0))
			whole = -1;
	}
	free(buf);
	if (whole != 1) {
		snprintf(why, 256, "the origin's answer is not HTTP/1.x, is cut short, or is "
			 "larger than %d bytes", CF_ORIGIN_MAX);
		return CF_ORIGIN_BAD;
	}
	cf_header_set(rp, "transfer-encoding", NULL);
	return CF_ORIGIN_OK;
}

/* TLS over k->fd, verifying the origin's certificate for tls->name with
 * tls->ca_file only (as CloudFront verifies an HTTPS origin). */
static int tls_start(struct conn *k, const struct cf_origin_tls *tls, char *why)
{
	long v;

	if (dlib_load(DLIB_SSL) < 0)
		return snprintf(why, 256, "%s", err_msg()), -1;
	k->ctx = sym_SSL_CTX_new(sym_TLS_client_method());
	if (!k->ctx || sym_SSL_CTX_load_verify_locations(k->ctx, tls->ca_file, NULL) != 1)
		return snprintf(why, 256, "loading the CA %s for the origin: %s", tls->ca_file,
				k->ctx ? "not a readable PEM file" : "out of memory"), -1;
	sym_SSL_CTX_set_verify(k->ctx, SSL_VERIFY_PEER, NULL);
	k->ssl = sym_SSL_new(k->ctx);
	if (!k->ssl || sym_SSL_set_fd(k->ssl, k->fd) != 1 ||
	    sym_SSL_ctrl(k->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
			 (void *)tls->name) != 1 || sym_SSL_set1_host(k->ssl, tls->name) != 1)
		return snprintf(why, 256, "setting up TLS to the origin: out of memory"), -1;
	if (sym_SSL_connect(k->ssl) == 1)
		return 0;
	v = sym_SSL_get_verify_result(k->ssl);
	snprintf(why, 256, "TLS handshake with the origin %s: %s", tls->name,
		 v != X509_V_OK ? sym_X509_verify_cert_error_string(v) :
		 "refused or cut short (not HTTPS?)");
	return -1;
}

static void conn_close(struct conn *k)
{
	if (k->ssl)
		sym_SSL_free(k->ssl);
	if (k->ctx)
		sym_SSL_CTX_free(k->ctx);
	close(k->fd);
}

enum cf_origin_result cf_origin_fetch(uint32_t ip, int port, const char *host,
				      const struct cf_origin_tls *tls,
				      const struct cf_message *rq, struct cf_message *rp,
				      char why[256])
{
	enum cf_origin_result r;
	struct conn k = { .fd = connect_to(ip, port, why) };

	if (k.fd < 0)
		return CF_ORIGIN_CONNECT;
	if (tls && tls_start(&k, tls, why) < 0) {
		conn_close(&k);
		return CF_ORIGIN_CONNECT;
	}
	if (send_request(&k, host, rq) < 0) {
		snprintf(why, 256, "sending the request to the origin: %s", strerror(errno));
		conn_close(&k);
		return errno == EAGAIN ? CF_ORIGIN_TIMEOUT : CF_ORIGIN_CONNECT;
	}
	r = read_answer(&k, !strcmp(rq->method, "HEAD"), rp, why);
	conn_close(&k);
	return r;
}
