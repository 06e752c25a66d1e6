#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fork_flush.h"
#include "kernel/netns.h"
#include "kernel/responder.h"

/* Every epoll entry points at one of these; `kind` comes first so the loop
 * can tell listeners, connections and the signal fd apart. */
enum item_kind { ITEM_TCP_LISTEN, ITEM_UDP, ITEM_CONN, ITEM_SIGNAL };

struct item {
	enum item_kind kind;
	int fd;
};

/* A TCP connection. Echo is done straight from the shared read buffer; only
 * the part the peer's window did not take is kept in `pend` (at most one
 * read's worth), and reading stops until it is flushed: backpressure keeps
 * memory per connection bounded by RESPONDER_IO_BUF. */
struct conn {
	struct item it;
	char *pend;
	size_t off, len;
};

struct loop {
	int ep;
	int nconns;
	unsigned long accepted, refused_full;
	char buf[RESPONDER_IO_BUF];
};

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : "udp";
}

/* Keep listeners off fds 0-2, which the child replaces. */
static int fd_above_stdio(int fd)
{
	int nfd;

	if (fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

/* One listening socket inside `p->netns`; the thread is back in its own
 * namespace when this returns. */
static int listener_open(const struct responder_port *p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_ANY),
				  .sin_port = htons(p->port) };
	int type = p->proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	int one = 1, saved, fd, err;
	const char *op;

	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return errf(EINVAL, "responder: protocol %u is not tcp or udp",
			    p->proto);
	err = netns_enter_name(p->netns, &saved);
	if (err < 0)
		return errf_prefix(err, "responder for %s/%u",
				   proto_name(p->proto), p->port);
	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	netns_leave(saved);
	op = "socket";
	if (fd < 0)
		goto fail;
	op = "setsockopt";
	if (p->proto == IPPROTO_TCP &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	/* UDP replies leave from the address the request was sent to. */
	if (p->proto == IPPROTO_UDP &&
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0)
		goto fail;
	op = "bind";
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	op = "listen";
	if (p->proto == IPPROTO_TCP && listen(fd, SOMAXCONN) < 0)
		goto fail;
	fd = fd_above_stdio(fd);
	if (fd < 0) {
		op = "fcntl";
		goto fail;
	}
	return fd;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	return errf(err, "responder: %s for %s port %u in %s: %s", op,
		    proto_name(p->proto), p->port, p->netns, strerror(err));
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s responder[%d]: ", stamp, (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int ep_add(struct loop *l, struct item *it, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = it };

	return epoll_ctl(l->ep, EPOLL_CTL_ADD, it->fd, &ev);
}

static void ep_mod(struct loop *l, struct item *it, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = it };

	epoll_ctl(l->ep, EPOLL_CTL_MOD, it->fd, &ev);
}

static void conn_close(struct loop *l, struct conn *c)
{
	close(c->it.fd); /* also removes it from the epoll set */
	free(c->pend);
	free(c);
	l->nconns--;
}

static void tcp_accept(struct loop *l, struct item *lst)
{
	/* A bounded batch per wakeup keeps one busy port from starving others. */
	for (int i = 0; i < 64; i++) {
		int fd = accept4(lst->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				logf_("accept: %s", strerror(errno));
			return;
		}
		c = l->nconns < RESPONDER_MAX_CONNS ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			if (l->refused_full++ % 1000 == 0)
				logf_("%d connections open, closing new ones",
				      l->nconns);
			close(fd);
			continue;
		}
		c->it.kind = ITEM_CONN;
		c->it.fd = fd;
		if (ep_add(l, &c->it, EPOLLIN | EPOLLRDHUP) < 0) {
			logf_("epoll_ctl: %s", strerror(errno));
			close(fd);
			free(c);
			continue;
		}
		l->nconns++;
		l->accepted++;
	}
}

/* Returns false when the connection was closed. */
static bool conn_flush(struct loop *l, struct conn *c)
{
	while (c->off < c->len) {
		ssize_t w = send(c->it.fd, c->pend + c->off, c->len - c->off,
				 MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return true;
		if (w < 0) {
			conn_close(l, c);
			return false;
		}
		c->off += (size_t)w;
	}
	free(c->pend);
	c->pend = NULL;
	c->off = c->len = 0;
	ep_mod(l, &c->it, EPOLLIN | EPOLLRDHUP);
	return true;
}

static void conn_readable(struct loop *l, struct conn *c)
{
	for (int i = 0; i < 16; i++) {
		ssize_t r = read(c->it.fd, l->buf, sizeof(l->buf)), w;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) { /* EOF: everything read was echoed already */
			conn_close(l, c);
			return;
		}
		w = send(c->it.fd, l->buf, (size_t)r, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			conn_close(l, c);
			return;
		}
		if (w < 0)
			w = 0;
		if (w < r) {
			c->len = (size_t)(r - w);
			c->off = 0;
			c->pend = malloc(c->len);
			if (!c->pend) {
				conn_close(l, c);
				return;
			}
			memcpy(c->pend, l->buf + w, c->len);
			ep_mod(l, &c->it, EPOLLOUT);
			return;
		}
	}
}

static void conn_event(struct loop *l, struct conn *c, uint32_t events)
{
	if (c->pend) {
		if (events & (EPOLLERR | EPOLLHUP)) {
			conn_close(l, c);
			return;
		}
		if (events & EPOLLOUT)
			conn_flush(l, c);
		return;
	}
	/* EPOLLRDHUP and EPOLLHUP end in read() returning 0 or an error. */
	conn_readable(l, c);
}

static void udp_echo(struct loop *l, struct item *it)
{
	for (int i = 0; i < 64; i++) {
		struct sockaddr_in peer;
		char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct iovec iov = { l->buf, sizeof(l->buf) };
		struct msghdr m = { .msg_name = &peer, .msg_namelen = sizeof(peer),
				    .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		struct in_pktinfo *pi = NULL;
		struct cmsghdr *cm;
		ssize_t r = recvmsg(it->fd, &m, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN, or a queued ICMP error: nothing to do */
		}
		for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
			if (cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_PKTINFO)
				pi = (struct in_pktinfo *)CMSG_DATA(cm);
		iov.iov_len = (size_t)r;
		m.msg_flags = 0;
		if (pi) {
			/* Reply from the request's destination address. */
			pi->ipi_spec_dst = pi->ipi_addr;
			pi->ipi_ifindex = 0;
			m.msg_controllen = CMSG_SPACE(sizeof(*pi));
		} else {
			m.msg_control = NULL;
			m.msg_controllen = 0;
		}
		/* A full send buffer drops the echo, as UDP may. */
		sendmsg(it->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Close every fd of the child but stdio and the sorted `keep` list. */
static void close_all_but(int *keep, int n)
{
	unsigned int next = 3;

	qsort(keep, (size_t)n, sizeof(*keep), cmp_int);
	for (int i = 0; i < n; i++) {
		if ((unsigned int)keep[i] > next)
			syscall(SYS_close_range, next, (unsigned int)keep[i] - 1, 0);
		next = (unsigned int)keep[i] + 1;
	}
	syscall(SYS_close_range, next, ~0U, 0);
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The child's stdio (stdin /dev/null, stdout and stderr the log) and no
 * other descriptor but the listeners and `status`. 0 or an errno. */
static int child_stdio(int *fds, int n, int logfd, int status)
{
	int devnull, *keep = malloc(((size_t)n + 1) * sizeof(*keep));

	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(logfd, 1) < 0 ||
	    dup2(logfd, 2) < 0 || !keep)
		return errno ? errno : ENOMEM;
	for (int i = 0; i < n; i++)
		keep[i] = fds[i];
	keep[n] = status;
	close_all_but(keep, n + 1);
	free(keep);
	setvbuf(stderr, NULL, _IOLBF, 0);
	raise_nofile();
	return 0;
}

/* SIGTERM and SIGINT as a signalfd, and every listener, in the epoll set
 * of l; items has n + 1 slots (the last for the signalfd). 0 or an errno. */
static int child_events(struct loop *l, struct item *items,
			const struct responder_port *ports, int *fds, int n)
{
	sigset_t mask;
	int sfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || l->ep < 0)
		return errno;
	items[n] = (struct item){ ITEM_SIGNAL, sfd };
	if (ep_add(l, &items[n], EPOLLIN) < 0)
		return errno;
	for (int i = 0; i < n; i++) {
		items[i].kind = ports[i].proto == IPPROTO_TCP ? ITEM_TCP_LISTEN : ITEM_UDP;
		items[i].fd = fds[i];
		if (ep_add(l, &items[i], EPOLLIN) < 0)
			return errno;
	}
	return 0;
}

/* Serve until SIGTERM or SIGINT. */
static __attribute__((noreturn)) void child_serve(struct loop *l)
{
	struct epoll_event evs[256];

	for (;;) {
		int k = epoll_wait(l->ep, evs, 256, -1);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			logf_("epoll_wait: %s", strerror(errno));
			_exit(1);
		}
		for (int i = 0; i < k; i++) {
			struct item *it = evs[i].data.ptr;

			switch (it->kind) {
			case ITEM_SIGNAL:
				logf_("stopping on signal; %lu connections served",
				      l->accepted);
				_exit(0);
			case ITEM_TCP_LISTEN:
				tcp_accept(l, it);
				break;
			case ITEM_UDP:
				udp_echo(l, it);
				break;
			case ITEM_CONN:
				conn_event(l, (struct conn *)it, evs[i].events);
				break;
			}
		}
	}
}

/* The child: report readiness (0) or an errno on `status`, then serve. */
static __attribute__((noreturn)) void
child_main(const struct responder_port *ports, int *fds, int n, int logfd,
	   int status)
{
	struct item *items = calloc((size_t)n + 1, sizeof(*items));
	struct loop *l = calloc(1, sizeof(*l));
	int err;

	setsid();
	prctl(PR_SET_NAME, "vpcsim-respond");
	/* Live inside one of the topology's namespaces (the sockets keep
	 * their own), so a sweep by marks finds this process even when the
	 * journal that names it is gone. */
	if (n > 0)
		netns_enter_name(ports[0].netns, NULL);
	err = !items || !l ? ENOMEM : child_stdio(fds, n, logfd, status);
	if (!err)
		err = child_events(l, items, ports, fds, n);
	if (!err)
		logf_("serving %d ports", n);
	write(status, &err, sizeof(err));
	if (err)
		_exit(1);
	close(status);
	child_serve(l);
}

/* The child's word on `status_fd`: 0 when it serves; else it is killed
 * and reaped and its errno returned. */
static int child_wait_ready(pid_t child, int status_fd)
{
	int child_err = 0;
	ssize_t r;

	do
		r = read(status_fd, &child_err, sizeof(child_err));
	while (r < 0 && errno == EINTR);
	if (r == sizeof(child_err) && child_err == 0)
		return 0;
	if (r != sizeof(child_err))
		child_err = EPIPE;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return errf(child_err, "responder: starting the serving process: %s",
		    strerror(child_err));
}

int responder_start(const struct responder_port *ports, int n,
		    const char *log_path, pid_t *pid)
{
	struct rlimit orig, rl;
	bool restore_rl = false;
	int *fds = NULL, opened = 0, logfd = -1, pipefd[2] = { -1, -1 };
	int ret;
	pid_t child;

	if (n < 0 || (n > 0 && !ports) || !log_path || !pid)
		return errf(EINVAL, "responder: invalid arguments");
	if (getrlimit(RLIMIT_NOFILE, &orig) == 0 &&
	    orig.rlim_cur < (rlim_t)n + 64) {
		rl = orig;
		rl.rlim_cur = (rlim_t)n + 64 > rl.rlim_max ? rl.rlim_max : (rlim_t)n + 64;
		restore_rl = setrlimit(RLIMIT_NOFILE, &rl) == 0;
	}
	fds = calloc((size_t)n + 1, sizeof(*fds));
	if (!fds) {
		ret = errf(ENOMEM, "responder: out of memory");
		goto out;
	}
	logfd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (logfd < 0) {
		ret = errf(errno, "responder: opening log %s: %s", log_path,
			   strerror(errno));
		goto out;
	}
	for (; opened < n; opened++) {
		fds[opened] = listener_open(&ports[opened]);
		if (fds[opened] < 0) {
			ret = fds[opened];
			goto out;
		}
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		ret = errf(errno, "responder: pipe: %s", strerror(errno));
		goto out;
	}
	fork_flush();
	child = fork();
	if (child < 0) {
		ret = errf(errno, "responder: fork: %s", strerror(errno));
		goto out;
	}
	if (child == 0) {
		close(pipefd[0]);
		child_main(ports, fds, n, logfd, pipefd[1]);
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	ret = child_wait_ready(child, pipefd[0]);
	if (ret == 0)
		*pid = child;
out:
	for (int i = 0; i < opened; i++)
		close(fds[i]);
	free(fds);
	if (logfd >= 0)
		close(logfd);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (restore_rl)
		setrlimit(RLIMIT_NOFILE, &orig);
	return ret;
}
