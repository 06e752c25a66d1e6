/* Log streams of environments; see sup_log.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lambda/sup_log.h"
#include "util/sendv.h"
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
	l->client_fd = -1;
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

void sup_log_frame(struct sup_log *l, char type, const char *data, size_t len)
{
	char head[32];

	if (l->client_fd < 0)
		return;
	snprintf(head, sizeof(head), "%c%zu\n", type, len);
	sendv_all(l->client_fd, (struct iovec[]){ { head, strlen(head) }, { (void *)data, len } }, 2);
}

void sup_log_client(struct sup_log *l, int fd)
{
	l->client_fd = fd;
	if (fd < 0)
		return;
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

static void emit(struct sup_log *l, const char *line, size_t len)
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
	if (l->client_fd >= 0) {
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
	emit(l, line, strlen(line));
}

/* A line of the function's code (or of an extension) ends: out it goes,
 * with a note when cut, and to the Telemetry API as a record of `kind`. */
static void part_end(struct sup_log *l, struct sup_part *p, unsigned kind)
{
	char *line = malloc(p->len + 64);
	size_t n = p->len;

	if (line) {
		memcpy(line, p->buf, p->len);
		if (p->dropped)
			n += (size_t)snprintf(line + p->len, 64, " [truncated: %zu bytes]",
					      p->dropped);
		emit(l, line, n);
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
			else if (p->len == sizeof(p->buf))
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
