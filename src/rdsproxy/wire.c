/* PostgreSQL's messages over a plain or TLS socket (proxy.h). Every fd
 * is non-blocking; waits are poll()s, so a silent peer costs a thread
 * nothing but its stack and a vanished one is seen as closed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "rdsproxy/proxy.h"

#define READ_CHUNK 16384

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for `ev` on e->fd until deadline (-1: none). 0, -1, -2. */
static int wait_fd(struct end *e, short ev, long long deadline)
{
	struct pollfd p = { e->fd, ev, 0 };
	int left = deadline < 0 ? -1 : (int)(deadline - now_ms()), n;

	if (deadline >= 0 && left <= 0)
		return -2;
	do
		n = poll(&p, 1, left);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return -2;
	return n < 0 ? -1 : 0;
}

/* One read() or SSL_read() into the buffer: >0 bytes, 0 would block
 * (*ev what to wait for), -1 closed or error. */
static int fill_once(struct end *e, short *ev)
{
	ssize_t n;

	if (e->off == e->len)
		e->off = e->len = 0;
	if (!e->buf || e->cap - e->len < READ_CHUNK) {
		size_t cap = e->cap ? e->cap * 2 : READ_CHUNK * 2;
		char *g;

		if (e->off > 0) {
			memmove(e->buf, e->buf + e->off, e->len - e->off);
			e->len -= e->off;
			e->off = 0;
		}
		if (e->cap - e->len < READ_CHUNK) {
			if (!(g = realloc(e->buf, cap)))
				return -1;
			e->buf = g;
			e->cap = cap;
		}
	}
	*ev = POLLIN;
	if (!e->ssl) {
		n = read(e->fd, e->buf + e->len, e->cap - e->len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		return n <= 0 ? -1 : (e->len += (size_t)n, (int)n);
	}
	n = SSL_read(e->ssl, e->buf + e->len, (int)(e->cap - e->len));
	if (n > 0)
		return e->len += (size_t)n, (int)n;
	switch (SSL_get_error(e->ssl, (int)n)) {
	case SSL_ERROR_WANT_READ:
		return 0;
	case SSL_ERROR_WANT_WRITE:
		*ev = POLLOUT;
		return 0;
	default:
		return -1;
	}
}

bool end_pending(struct end *e)
{
	return e->len > e->off || (e->ssl && SSL_pending(e->ssl) > 0);
}

int end_read(struct end *e, void *p, size_t n, int timeout_ms)
{
	long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	short ev;
	int r;

	while (e->len - e->off < n) {
		r = fill_once(e, &ev);
		if (r < 0)
			return -1;
		if (r == 0 && (r = wait_fd(e, ev, deadline)) < 0)
			return r;
	}
	memcpy(p, e->buf + e->off, n);
	e->off += n;
	return 0;
}

int end_write(struct end *e, const void *p, size_t n)
{
	const char *c = p;
	short ev = POLLOUT;
	ssize_t w;

	while (n > 0) {
		if (e->ssl) {
			w = SSL_write(e->ssl, c, (int)(n > (1u << 30) ? 1u << 30 : n));
			if (w <= 0) {
				int k = SSL_get_error(e->ssl, (int)w);

				if (k != SSL_ERROR_WANT_READ && k != SSL_ERROR_WANT_WRITE)
					return -1;
				ev = k == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
				w = 0;
			}
		} else {
			w = write(e->fd, c, n);
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				return -1;
			if (w < 0)
				w = 0;
		}
		c += w;
		n -= (size_t)w;
		if (n > 0 && w == 0 && wait_fd(e, ev, -1) < 0)
			return -1;
	}
	return 0;
}

int msg_read(struct end *e, char *type, char **body, uint32_t *len, int timeout_ms)
{
	unsigned char head[5];
	uint32_t n;
	int r = end_read(e, head, 5, timeout_ms);

	if (r < 0)
		return r;
	memcpy(&n, head + 1, 4);
	n = ntohl(n);
	if (n < 4 || n - 4 > MSG_MAX)
		return -3;
	*type = (char)head[0];
	*len = n - 4;
	*body = malloc(*len + 1);
	if (!*body)
		return -1;
	(*body)[*len] = '\0';
	if (*len && end_read(e, *body, *len, -1) < 0) {
		free(*body);
		*body = NULL;
		return -1;
	}
	return 0;
}

int msg_write(struct end *e, char type, const void *body, uint32_t len)
{
	unsigned char head[5];
	uint32_t n = htonl(len + 4);
	char *all;
	int r;

	head[0] = (unsigned char)type;
	memcpy(head + 1, &n, 4);
	if (len > 4096)
		return end_write(e, head, 5) < 0 ? -1 : end_write(e, body, len);
	all = malloc(len + 5);
	if (!all)
		return -1;
	memcpy(all, head, 5);
	memcpy(all + 5, body, len);
	r = end_write(e, all, len + 5);
	free(all);
	return r;
}

int send_error(struct end *e, const char *severity, const char *code, const char *text)
{
	char body[1024];
	int n = 0;

	n += snprintf(body + n, sizeof(body) - (size_t)n, "S%s", severity) + 1;
	n += snprintf(body + n, sizeof(body) - (size_t)n, "V%s", severity) + 1;
	n += snprintf(body + n, sizeof(body) - (size_t)n, "C%s", code) + 1;
	n += snprintf(body + n, sizeof(body) - (size_t)n - 2, "M%s", text) + 1;
	if (n > (int)sizeof(body) - 1)
		n = (int)sizeof(body) - 1;
	body[n++] = '\0';
	return msg_write(e, 'E', body, (uint32_t)n);
}

void end_close(struct end *e)
{
	if (e->ssl) {
		SSL_shutdown(e->ssl);
		SSL_free(e->ssl);
		e->ssl = NULL;
	}
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
	free(e->buf);
	e->buf = NULL;
	e->len = e->off = e->cap = 0;
}
