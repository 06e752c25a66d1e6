/* Log streams of environments; see sup_log.h. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lambda/sup_log.h"
#include "util/clock.h"
#include "util/err.h"

static void write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

/* A new stream file at l->path starting with "#<mark> STREAM". */
static int file_start(struct sup_log *l, const char *mark)
{
	char head[256];

	l->file_fd = open(l->path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (l->file_fd < 0)
		return errf(errno, "opening log stream %s: %s", l->path, strerror(errno));
	snprintf(head, sizeof(head), "#%s %s\n", mark, l->stream);
	write_all(l->file_fd, head, strlen(head));
	l->file_bytes = strlen(head);
	return 0;
}

int sup_log_open(struct sup_log *l, const char *path, const char *stream)
{
	memset(l, 0, sizeof(*l));
	l->client_fd = l->out_fd = -1;
	snprintf(l->path, sizeof(l->path), "%s", path);
	snprintf(l->stream, sizeof(l->stream), "%s", stream);
	return file_start(l, "stream");
}

/* The file is full: it becomes FILE.1 and a new one continues it. */
static void file_rotate(struct sup_log *l)
{
	char older[PATH_MAX + 8];

	snprintf(older, sizeof(older), "%s.1", l->path);
	close(l->file_fd);
	if (rename(l->path, older) < 0)
		unlink(l->path);
	if (file_start(l, "continued") < 0)
		l->file_fd = -1;
}

static void file_append(struct sup_log *l, const char *p, size_t n)
{
	if (l->file_bytes + n > SUP_STREAM_HALF)
		file_rotate(l);
	if (l->file_fd < 0)
		return;
	write_all(l->file_fd, p, n);
	l->file_bytes += n;
}

static void held_drop(struct sup_log *l)
{
	free(l->held);
	l->held = NULL;
	l->held_len = l->held_cap = 0;
	l->held_since = 0;
}

/* Hold head and data; false when out of memory (then sent at once). */
static bool held_add(struct sup_log *l, const char *head, size_t hlen, const char *data,
		     size_t len)
{
	size_t need = l->held_len + hlen + len;

	if (need > l->held_cap) {
		size_t cap = need < 4096 ? 4096 : need + need / 2;
		char *grown = realloc(l->held, cap);

		if (!grown)
			return false;
		l->held = grown;
		l->held_cap = cap;
	}
	memcpy(l->held + l->held_len, head, hlen);
	memcpy(l->held + l->held_len + hlen, data, len);
	l->held_len = need;
	if (!l->held_since)
		l->held_since = now_ms();
	return true;
}

/* ---- the connection: written without waiting, the rest queued ------- */

static size_t queued(const struct sup_log *l)
{
	return l->out_len - l->out_off + l->held_len;
}

static void out_close(struct sup_log *l)
{
	if (l->out_fd >= 0)
		close(l->out_fd);
	l->out_fd = -1;
	free(l->out);
	l->out = NULL;
	l->out_off = l->out_len = l->out_cap = 0;
	l->out_gone = false;
}

/* The peer went (EPIPE, ECONNRESET): what waits is dropped; the
 * connection is closed now if its invoke is over, else at its end (so
 * that its number is not reused while the supervisor still names it). */
static void out_lost(struct sup_log *l)
{
	free(l->out);
	l->out = NULL;
	l->out_off = l->out_len = l->out_cap = 0;
	l->out_gone = true;
	if (l->client_fd < 0)
		out_close(l);
}

/* v's bytes after the first `skip` appended to the queue. */
static void out_queue(struct sup_log *l, const struct iovec *v, int n, size_t skip)
{
	for (int i = 0; i < n; i++) {
		size_t take = v[i].iov_len > skip ? v[i].iov_len - skip : 0;
		char *grown;

		if (take && l->out_len + take > l->out_cap) {
			size_t cap = l->out_len + take + (l->out_len + take) / 2;

			if (l->out_off) { /* what was written goes first */
				memmove(l->out, l->out + l->out_off, l->out_len - l->out_off);
				l->out_len -= l->out_off;
				l->out_off = 0;
			}
			if (!(grown = realloc(l->out, cap))) {
				out_lost(l); /* a connection missing bytes is worse than none */
				return;
			}
			l->out = grown;
			l->out_cap = cap;
		}
		if (take)
			memcpy(l->out + l->out_len, (const char *)v[i].iov_base + (v[i].iov_len - take),
			       take);
		l->out_len += take;
		skip -= v[i].iov_len - take;
	}
}

/* The queue written while the socket takes it. */
static void out_flush(struct sup_log *l)
{
	while (l->out_fd >= 0 && !l->out_gone && l->out_off < l->out_len) {
		ssize_t w = send(l->out_fd, l->out + l->out_off, l->out_len - l->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (w <= 0) {
			out_lost(l);
			return;
		}
		l->out_off += (size_t)w;
	}
	l->out_off = l->out_len = 0;
	if (l->out_cap > SUP_HOLD_MAX) { /* an idle supervisor keeps no big buffer */
		free(l->out);
		l->out = NULL;
		l->out_cap = 0;
	}
	if (l->client_fd < 0 && l->out_fd >= 0) /* a finished invoke's: drained */
		out_close(l);
}

/* v in one write when nothing waits before it; what the socket does not
 * take is queued. */
static void out_send(struct sup_log *l, struct iovec *v, int n)
{
	struct msghdr msg = { .msg_iov = v, .msg_iovlen = (size_t)n };
	ssize_t w = 0;

	if (l->out_fd < 0 || l->out_gone)
		return;
	if (l->out_off == l->out_len) {
		while ((w = sendmsg(l->out_fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT)) < 0 &&
		       errno == EINTR)
			;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			out_lost(l);
			return;
		}
	}
	out_queue(l, v, n, w > 0 ? (size_t)w : 0);
}

int sup_log_out_fd(const struct sup_log *l)
{
	return l->out_fd >= 0 && !l->out_gone && l->out_off < l->out_len ? l->out_fd : -1;
}

void sup_log_out_ready(struct sup_log *l)
{
	out_flush(l);
}

bool sup_log_out_full(const struct sup_log *l)
{
	return queued(l) >= SUP_OUT_STREAM;
}

void sup_log_out_drain(struct sup_log *l, int ms)
{
	double until = now_ms() + ms;

	while (sup_log_out_fd(l) >= 0 && now_ms() < until &&
	       poll(&(struct pollfd){ .fd = l->out_fd, .events = POLLOUT }, 1,
		    (int)(until - now_ms()) + 1) > 0)
		out_flush(l);
}

/* What is held, then head and data, in one write. */
static void send_with_held(struct sup_log *l, const char *head, size_t hlen, const char *data,
			   size_t len)
{
	struct iovec v[3] = { { l->held, l->held_len }, { (void *)head, hlen },
			      { (void *)data, len } };

	out_send(l, v, 3);
	l->held_len = 0;
	l->held_since = 0;
}

void sup_log_frame(struct sup_log *l, char type, const char *data, size_t len)
{
	char head[32];
	size_t hlen;

	if (l->client_fd < 0)
		return;
	hlen = (size_t)snprintf(head, sizeof(head), "%c%zu\n", type, len);
	if ((type == 'L' || type == 'B') && held_add(l, head, hlen, data, len)) {
		if (type == 'L' && l->held_len > SUP_HOLD_MAX)
			sup_log_send_held(l);
		return;
	}
	send_with_held(l, head, hlen, data, len);
}

void sup_log_send_held(struct sup_log *l)
{
	if (l->client_fd >= 0 && l->held_len)
		send_with_held(l, "", 0, "", 0);
}

int sup_log_hold_ms(const struct sup_log *l)
{
	double due;

	if (l->client_fd < 0 || !l->held_len)
		return -1;
	due = l->held_since + SUP_HOLD_MS - now_ms();
	return due <= 0 ? 0 : (int)due + 1;
}

void sup_log_client(struct sup_log *l, int fd)
{
	if (fd < 0)
		sup_log_send_held(l); /* the client's last frames */
	held_drop(l);
	l->client_fd = fd;
	if (fd < 0) {
		if (l->out_fd >= 0 && (l->out_gone || l->out_off == l->out_len))
			out_close(l); /* else drained by the loop */
		return;
	}
	out_close(l); /* a finished invoke's connection still draining */
	l->out_fd = fd;
	l->lines_left_out = 0;
	if (l->clients++ == 0 && l->early_len)
		sup_log_frame(l, 'L', l->early, l->early_len);
	free(l->early);
	l->early = NULL;
	l->early_len = 0;
}

static void early_add(struct sup_log *l, const char *line, size_t len)
{
	char *grown;

	if (l->clients || l->early_len + len + 1 > SUP_EARLY_MAX)
		return;
	grown = realloc(l->early, l->early_len + len + 1);
	if (!grown)
		return;
	l->early = grown;
	memcpy(l->early + l->early_len, line, len);
	l->early[l->early_len + len] = '\n';
	l->early_len += len + 1;
}

/* How much of the function's output the client did not get, before the
 * next line it gets. */
static void left_out_note(struct sup_log *l)
{
	char note[200];
	int n = snprintf(note, sizeof(note), "vpcsim: %zu bytes of the function's lines were not "
			 "sent to this client, which read too slowly (the log stream has them)\n",
			 l->lines_left_out);

	l->lines_left_out = 0;
	sup_log_frame(l, 'L', note, (size_t)n);
}

/* A line to the stream file and the client; `own` a line of the
 * function's (or an extension's) output, left out for a client that does
 * not keep up (SUP_OUT_LOGS). */
static void emit(struct sup_log *l, const char *line, size_t len, bool own)
{
	char stamp[48], *buf;
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + n, sizeof(stamp) - n, ".%03ldZ ", ts.tv_nsec / 1000000L);
	buf = malloc(strlen(stamp) + len + 2);
	if (buf) {
		memcpy(buf, stamp, strlen(stamp));
		memcpy(buf + strlen(stamp), line, len);
		buf[strlen(stamp) + len] = '\n';
		file_append(l, buf, strlen(stamp) + len + 1);
		free(buf);
	}
	if (l->client_fd >= 0 && own && queued(l) >= SUP_OUT_LOGS) {
		l->lines_left_out += len + 1;
	} else if (l->client_fd >= 0) {
		if (l->lines_left_out)
			left_out_note(l);
		buf = malloc(len + 1);
		if (buf) {
			memcpy(buf, line, len);
			buf[len] = '\n';
			sup_log_frame(l, 'L', buf, len + 1);
			free(buf);
		}
	} else {
		early_add(l, line, len);
	}
}

void sup_log_line(struct sup_log *l, const char *line)
{
	emit(l, line, strlen(line), false);
}

/* A line of the function's code (or of an extension) ends: out it goes,
 * with a note when cut, and to the Telemetry API as a record of `kind`. */
static void part_end(struct sup_log *l, struct sup_part *p, unsigned kind)
{
	char *line = malloc(p->len + 64);
	size_t n = p->len;

	if (line) {
		if (p->len)
			memcpy(line, p->buf, p->len);
		if (p->dropped)
			n += (size_t)snprintf(line + p->len, 64, " [truncated: %zu bytes]",
					      p->dropped);
		emit(l, line, n, true);
		if (l->tel)
			tel_add_line(l->tel, kind, line, n);
		free(line);
	}
	p->len = 0;
	p->dropped = 0;
}

void sup_log_flush(struct sup_log *l)
{
	if (l->rt.len || l->rt.dropped)
		part_end(l, &l->rt, TEL_FUNCTION);
	if (l->ext && (l->ext->len || l->ext->dropped))
		part_end(l, l->ext, TEL_EXTENSION);
}

/* Room for one more byte of p's line; false when the line is past
 * SUP_LINE_KEEP (or memory ran out): that byte is dropped. */
static bool part_room(struct sup_part *p)
{
	size_t cap;
	char *b;

	if (p->len < p->cap)
		return true;
	if (p->cap >= SUP_LINE_KEEP)
		return false;
	cap = p->cap ? 2 * p->cap : 4096;
	if (cap > SUP_LINE_KEEP)
		cap = SUP_LINE_KEEP;
	if (!(b = realloc(p->buf, cap)))
		return false;
	p->buf = b;
	p->cap = cap;
	return true;
}

static void pump(struct sup_log *l, struct sup_part *p, unsigned kind, int fd)
{
	char buf[8192];
	ssize_t r;

	if (fd < 0 || !p)
		return;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] == '\n')
				part_end(l, p, kind);
			else if (!part_room(p))
				p->dropped++;
			else
				p->buf[p->len++] = buf[i];
		}
	}
}

void sup_log_pump(struct sup_log *l, int fd)
{
	pump(l, &l->rt, TEL_FUNCTION, fd);
}

void sup_log_pump_ext(struct sup_log *l, int fd)
{
	if (!l->ext)
		l->ext = calloc(1, sizeof(*l->ext));
	pump(l, l->ext, TEL_EXTENSION, fd);
}
