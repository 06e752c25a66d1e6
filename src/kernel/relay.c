/* Relaying a child's standard streams; see relay.h. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kernel/relay.h"
#include "util/clock.h"
#include "util/err.h"

/* Reading a terminal from the background would stop us (SIGTTIN). */
static bool stdin_readable(void)
{
	struct stat st;

	if (fstat(0, &st) < 0)
		return false;
	return !isatty(0) || tcgetpgrp(0) == getpgrp();
}

static int devnull(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	return fd < 0 ? errf(errno, "opening /dev/null: %s", strerror(errno)) : fd;
}

int relay_open(struct relay *r, bool stdin_too, int child[3])
{
	int in[2] = { -1, -1 }, out[2], errp[2];

	memset(r, 0, sizeof(*r));
	r->in_src = r->in_w = r->out_r = r->err_r = -1;
	child[0] = child[1] = child[2] = -1;
	if (pipe2(out, O_CLOEXEC) < 0)
		return errf(errno, "pipe for stdout: %s", strerror(errno));
	if (pipe2(errp, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return errf(errno, "pipe for stderr: %s", strerror(errno));
	}
	r->out_r = out[0];
	r->err_r = errp[0];
	child[1] = out[1];
	child[2] = errp[1];
	if (stdin_too && stdin_readable() && pipe2(in, O_CLOEXEC | O_NONBLOCK) == 0) {
		fcntl(in[0], F_SETFL, 0); /* the child reads blocking */
		r->in_src = 0;
		r->in_w = in[1];
		child[0] = in[0];
	} else if ((child[0] = devnull()) < 0) {
		int err = child[0];

		relay_close(r);
		relay_close_child(child);
		return err;
	}
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_IGN }, &r->old_pipe);
	r->pipe_saved = true;
	return 0;
}

void relay_close_child(int child[3])
{
	for (int i = 0; i < 3; i++) {
		if (child[i] >= 0)
			close(child[i]);
		child[i] = -1;
	}
}

int relay_pollfds(const struct relay *r, struct pollfd *p)
{
	int n = 0;

	if (r->out_r >= 0)
		p[n++] = (struct pollfd){ .fd = r->out_r, .events = POLLIN };
	if (r->err_r >= 0)
		p[n++] = (struct pollfd){ .fd = r->err_r, .events = POLLIN };
	if (r->in_w >= 0 && r->len > r->off)
		p[n++] = (struct pollfd){ .fd = r->in_w, .events = POLLOUT };
	else if (r->in_w >= 0 && r->in_src >= 0)
		p[n++] = (struct pollfd){ .fd = r->in_src, .events = POLLIN };
	return n;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Copy one read's worth from *from to `to`; closes *from at EOF, or when
 * `to` is gone (the child then gets EPIPE, as writing there itself). */
static void copy_out(int *from, int to, struct visible_state *vis)
{
	static char shown[4 * 16384 + 1];
	char raw[16384], *buf = raw;
	ssize_t n = read(*from, raw, sizeof(raw)), w;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_fd(from);
		return;
	}
	if (vis && isatty(to)) {
		n = (ssize_t)visible_encode(vis, raw, (size_t)n, shown);
		buf = shown;
	}
	for (ssize_t off = 0; off < n; off += w) {
		w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR) {
			w = 0;
			continue;
		}
		if (w <= 0) {
			close_fd(from);
			return;
		}
	}
}

static void copy_in(struct relay *r, short revents, int fd)
{
	ssize_t n;

	if (fd == r->in_src) {
		n = read(r->in_src, r->buf, sizeof(r->buf));
		if (n < 0 && errno == EINTR)
			return;
		if (n <= 0) { /* our stdin ended: so does the child's */
			r->in_src = -1;
			close_fd(&r->in_w);
			return;
		}
		r->len = (size_t)n;
		r->off = 0;
		return;
	}
	n = write(r->in_w, r->buf + r->off, r->len - r->off);
	if (n > 0)
		r->off += (size_t)n;
	else if (n < 0 && errno != EAGAIN && errno != EINTR)
		close_fd(&r->in_w); /* the child closed its stdin */
	(void)revents;
}

void relay_handle(struct relay *r, const struct pollfd *p, int n)
{
	for (int i = 0; i < n; i++) {
		if (!p[i].revents)
			continue;
		if (p[i].fd == r->out_r)
			copy_out(&r->out_r, 1, r->visible ? &r->vis[0] : NULL);
		else if (p[i].fd == r->err_r)
			copy_out(&r->err_r, 2, r->visible ? &r->vis[1] : NULL);
		else if (r->in_w >= 0)
			copy_in(r, p[i].revents, p[i].fd);
	}
}

void relay_drain(struct relay *r, int ms)
{
	struct pollfd p[RELAY_POLLFDS];
	double end = now_ms() + ms;
	int n;

	close_fd(&r->in_w); /* nobody reads it any more */
	while ((r->out_r >= 0 || r->err_r >= 0) && now_ms() < end) {
		n = relay_pollfds(r, p);
		if (poll(p, (nfds_t)n, (int)(end - now_ms()) + 1) <= 0)
			break;
		relay_handle(r, p, n);
	}
}

void relay_close(struct relay *r)
{
	close_fd(&r->out_r);
	close_fd(&r->err_r);
	close_fd(&r->in_w);
	r->in_src = -1;
	if (r->pipe_saved)
		sigaction(SIGPIPE, &r->old_pipe, NULL);
	r->pipe_saved = false;
}
