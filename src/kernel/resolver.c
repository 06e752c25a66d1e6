/* The resolver process (resolver.h). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/err.h"
#include "util/fork_flush.h"
#include "kernel/engine.h"
#include "kernel/netns.h"
#include "kernel/resolver.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define ARG_LEN 640
#define POLL_MS 5

struct resolver_argv {
	char user[64], group[64], hostsdir[ARG_LEN], cache[32];
	char listen[RESOLVER_ADDRS_MAX][48];
	char *argv[32];
};

/* dnsmasq's command line: DNS only, nothing read from the host's files,
 * no upstream (every name it does not hold is NXDOMAIN), in the
 * foreground (its pid is ours to supervise), logging to stderr. */
static int build_argv(struct resolver_argv *a, const uint32_t *addrs, int n, const char *dir)
{
	struct passwd *pw = getpwnam(RESOLVER_USER);
	struct group *gr = pw ? getgrgid(pw->pw_gid) : NULL;
	int k = 0;

	if (!pw || !gr)
		return errf(ENOENT, "there is no user '%s' (the Debian package dnsmasq-base creates "
			    "it: apt-get install dnsmasq-base, or make deps)", RESOLVER_USER);
	if (access(RESOLVER_PROG, X_OK) < 0)
		return errf(ENOENT, "%s is not installed: install the Debian package dnsmasq-base "
			    "(apt-get install dnsmasq-base, or make deps)", RESOLVER_PROG);
	snprintf(a->user, sizeof(a->user), "--user=%s", RESOLVER_USER);
	snprintf(a->group, sizeof(a->group), "--group=%s", gr->gr_name);
	snprintf(a->hostsdir, sizeof(a->hostsdir), "--hostsdir=%s", dir);
	snprintf(a->cache, sizeof(a->cache), "--cache-size=%d", RESOLVER_CACHE);
	a->argv[k++] = RESOLVER_PROG;
	a->argv[k++] = "--keep-in-foreground";
	a->argv[k++] = "--conf-file=/dev/null";
	a->argv[k++] = "--no-hosts";
	a->argv[k++] = "--no-resolv";
	a->argv[k++] = "--no-poll";
	a->argv[k++] = "--local=/#/";
	a->argv[k++] = "--bind-interfaces";
	a->argv[k++] = "--port=53";
	a->argv[k++] = "--pid-file=";
	a->argv[k++] = "--log-facility=-";
	a->argv[k++] = "--dns-forward-max=150";
	a->argv[k++] = a->user;
	a->argv[k++] = a->group;
	a->argv[k++] = a->hostsdir;
	a->argv[k++] = a->cache;
	for (int i = 0; i < n && i < RESOLVER_ADDRS_MAX; i++) {
		struct in_addr in = { htonl(addrs[i]) };

		snprintf(a->listen[i], sizeof(a->listen[i]), "--listen-address=%s", inet_ntoa(in));
		a->argv[k++] = a->listen[i];
	}
	a->argv[k] = NULL;
	return 0;
}

/* The forked child; never returns. Errors go up the CLOEXEC pipe. */
static __attribute__((noreturn)) void child(const char *netns, const char *dir,
					    char *const *argv, int logfd, int report)
{
	const char *msg;
	int err, devnull;

	proc_signals_default();
	err = setsid() < 0 ? errf(errno, "setsid: %s", strerror(errno)) : 0;
	if (!err)
		err = netns_enter_name(netns, NULL);
	if (!err)
		err = engine_own_view(dir);
	if (!err && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		err = errf(errno, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	if (!err && chdir("/") < 0)
		err = errf(errno, "chdir /: %s", strerror(errno));
	devnull = err ? -1 : open("/dev/null", O_RDONLY);
	if (!err && (devnull < 0 || dup2(devnull, 0) < 0 || dup2(logfd, 1) < 0 ||
		     dup2(logfd, 2) < 0))
		err = errf(errno, "redirecting stdio: %s", strerror(errno));
	if (!err) {
		syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
		execv(argv[0], argv);
		err = errf(errno, "exec %s: %s", argv[0], strerror(errno));
	}
	msg = err_msg();
	if (write(report, msg, strlen(msg)) < 0)
		_exit(126);
	_exit(127);
}

static int spawn(const char *netns, const char *dir, char *const *argv, const char *log,
		 pid_t *pid)
{
	char msg[1024];
	int fd[2], logfd, len;

	logfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (logfd < 0)
		return errf(errno, "opening log %s: %s", log, strerror(errno));
	if (pipe2(fd, O_CLOEXEC) < 0) {
		close(logfd);
		return errf(errno, "pipe: %s", strerror(errno));
	}
	fork_flush();
	*pid = fork();
	if (*pid == 0) {
		close(fd[0]);
		child(netns, dir, argv, logfd, fd[1]);
	}
	close(fd[1]);
	close(logfd);
	if (*pid < 0) {
		close(fd[0]);
		return errf(errno, "fork: %s", strerror(errno));
	}
	len = proc_read_report(fd[0], msg, sizeof(msg));
	close(fd[0]);
	if (len > 0) {
		waitpid(*pid, NULL, 0);
		return errf(EIO, "starting the resolver in %s: %s", netns, msg);
	}
	return 0;
}

int resolver_spawn(const char *netns, const uint32_t *addrs, int n, const char *dir,
		   const char *log, struct proc_id *out)
{
	struct resolver_argv a;
	int err = build_argv(&a, addrs, n, dir);

	if (err < 0)
		return err;
	err = spawn(netns, dir, a.argv, log, &out->pid);
	if (err < 0)
		return err;
	err = proc_start_time(out->pid, &out->start_time);
	if (err < 0) {
		kill(out->pid, SIGKILL);
		waitpid(out->pid, NULL, 0);
	}
	return err;
}

int resolver_wait(const char *netns, uint32_t addr, const char *log, const struct proc_id *p,
		  int timeout_ms)
{
	double t0 = now_ms();
	char last[512];
	int err;

	for (;;) {
		uint32_t ip;

		err = resolver_query(netns, addr, "vpcsim-ready.invalid", 200, &ip);
		if (err >= 0)
			return 0;
		if (!proc_alive(p) || now_ms() - t0 > timeout_ms)
			break;
		if (err == -ECONNREFUSED)
			sleep_ms(1); /* not bound yet: ask again soon */
	}
	log_last_line(log, last, sizeof(last));
	return errf(ETIMEDOUT, "the resolver (dnsmasq) in %s did not answer: %s", netns, last);
}

int resolver_start(const char *netns, const uint32_t *addrs, int n, const char *dir,
		   const char *log, int timeout_ms, struct proc_id *out)
{
	int err = resolver_spawn(netns, addrs, n, dir, log, out);

	if (err < 0)
		return err;
	err = resolver_wait(netns, addrs[0], log, out, timeout_ms);
	if (err < 0)
		proc_stop(out, 1000);
	return err;
}

/* A query: header (id, RD, one question), the name as labels, type A,
 * class IN. Returns its length or -1 when the name does not fit. */
static int query_build(unsigned char *q, size_t size, uint16_t id, const char *name)
{
	size_t k = 12, n = strlen(name);

	if (n + 18 > size)
		return -1;
	memset(q, 0, 12);
	q[0] = id >> 8;
	q[1] = id & 255;
	q[2] = 0x01;    /* RD */
	q[5] = 1;       /* QDCOUNT */
	for (const char *s = name; *s;) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		if (l == 0 || l > 63)
			return -1;
		q[k++] = (unsigned char)l;
		memcpy(q + k, s, l);
		k += l;
		s += l + (dot ? 1 : 0);
	}
	q[k++] = 0;
	q[k++] = 0, q[k++] = 1; /* A */
	q[k++] = 0, q[k++] = 1; /* IN */
	return (int)k;
}

/* The first A record of an answer whose question is ours (k: its end). */
static uint32_t first_a(const unsigned char *r, ssize_t len, size_t k)
{
	int an = r[6] << 8 | r[7];

	for (int i = 0; i < an && (ssize_t)k + 12 <= len; i++) {
		uint16_t type, rdlen;

		while ((ssize_t)k < len && r[k] && (r[k] & 0xc0) != 0xc0)
			k += r[k] + 1u;          /* labels */
		k += (ssize_t)k < len && r[k] ? 2 : 1; /* a pointer, or the root */
		if ((ssize_t)k + 10 > len)
			break;
		type = (uint16_t)(r[k] << 8 | r[k + 1]);
		rdlen = (uint16_t)(r[k + 8] << 8 | r[k + 9]);
		k += 10;
		if (type == 1 && rdlen == 4 && (ssize_t)k + 4 <= len)
			return (uint32_t)r[k] << 24 | (uint32_t)r[k + 1] << 16 |
			       (uint32_t)r[k + 2] << 8 | r[k + 3];
		k += rdlen;
	}
	return 0;
}

int resolver_query(const char *netns, uint32_t server, const char *name, int timeout_ms,
		   uint32_t *addr)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(53),
				  .sin_addr.s_addr = htonl(server) };
	unsigned char q[300], r[1500];
	uint16_t id = (uint16_t)(getpid() ^ (int)now_ms());
	int saved, fd, qlen = query_build(q, sizeof(q), id, name), err;
	struct pollfd p;
	double t0 = now_ms();

	*addr = 0;
	err_clear();
	if (qlen < 0)
		return errf(EINVAL, "DNS query: the name '%s' is not valid", name);
	err = netns_enter_name(netns, &saved);
	if (err < 0)
		return err;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	err = fd < 0 ? -errno : 0;
	netns_leave(saved);
	if (fd < 0)
		return errf(-err, "DNS query socket in %s: %s", netns, strerror(-err));
	/* Connected: an ICMP port unreachable comes back as ECONNREFUSED. */
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0 ||
	    send(fd, q, (size_t)qlen, 0) < 0) {
		err = errno;
		close(fd);
		return errf(err, "DNS query to the resolver in %s: %s", netns, strerror(err));
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (now_ms() - t0 < timeout_ms) {
		ssize_t n;

		if (poll(&p, 1, POLL_MS) <= 0)
			continue;
		n = recv(fd, r, sizeof(r), 0);
		if (n < 0 && errno == ECONNREFUSED) { /* nothing bound there (yet) */
			close(fd);
			return -ECONNREFUSED;
		}
		if (n < 12 || r[0] != q[0] || r[1] != q[1] || !(r[2] & 0x80))
			continue;
		close(fd);
		if ((r[3] & 15) == 0)
			*addr = first_a(r, n, (size_t)qlen);
		return r[3] & 15;
	}
	close(fd);
	return -ETIMEDOUT;
}
