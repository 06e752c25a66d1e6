#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "kernel/netns.h"
#include "kernel/probe.h"

#ifndef ICMP_FILTER
#define ICMP_FILTER 1 /* linux/icmp.h; that header clashes with glibc's */
#endif

struct clock {
	struct timespec t0;
	int timeout_ms;
};

static double clock_elapsed_ms(const struct clock *c)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - c->t0.tv_sec) * 1e3 +
	       (double)(t.tv_nsec - c->t0.tv_nsec) / 1e6;
}

/* Milliseconds left, rounded up so a wait never ends early. */
static int clock_left_ms(const struct clock *c)
{
	double left = c->timeout_ms - clock_elapsed_ms(c);

	return left <= 0 ? 0 : (int)left + 1;
}

static void answer(struct probe_ans *ans, const struct clock *c,
		   enum probe_result r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void answer(struct probe_ans *ans, const struct clock *c,
		   enum probe_result r, const char *fmt, ...)
{
	va_list ap;

	ans->result = r;
	ans->elapsed_ms = clock_elapsed_ms(c);
	va_start(ap, fmt);
	vsnprintf(ans->detail, sizeof(ans->detail), fmt, ap);
	va_end(ap);
}

/* An error from a socket call: ECONNREFUSED is a refusal (RST, ICMP port
 * or protocol unreachable); anything else means the packet was dropped
 * without one, which AWS clients see as a timeout. */
static void answer_errno(struct probe_ans *ans, const struct clock *c,
			 const char *op, int err)
{
	answer(ans, c, err == ECONNREFUSED ? PROBE_REFUSED : PROBE_TIMEOUT,
	       "%s: %s", op, strerror(err));
}

/* Wait for `events` on fd until the deadline. Returns poll's revents, or 0
 * at the deadline. */
static short wait_fd(int fd, short events, const struct clock *c)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int left, r;

	while ((left = clock_left_ms(c)) > 0) {
		r = poll(&pfd, 1, left);
		if (r > 0)
			return pfd.revents;
		if (r < 0 && errno != EINTR)
			return POLLERR;
	}
	return 0;
}

static void probe_tcp(int fd, const struct sockaddr_in *sa,
		      const struct clock *c, struct probe_ans *ans)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
		answer(ans, c, PROBE_OPEN, "connected");
		return;
	}
	if (errno != EINPROGRESS) {
		answer_errno(ans, c, "connect", errno);
		return;
	}
	if (!wait_fd(fd, POLLOUT, c)) {
		answer(ans, c, PROBE_TIMEOUT, "connect: no answer in %d ms",
		       c->timeout_ms);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err)
		answer_errno(ans, c, "connect", err);
	else
		answer(ans, c, PROBE_OPEN, "connected");
}

static void probe_udp(int fd, const struct sockaddr_in *sa,
		      const struct clock *c, struct probe_ans *ans)
{
	char payload[64], reply[512];
	int n;
	ssize_t r;

	n = snprintf(payload, sizeof(payload), "vpcsim probe %ld.%09ld",
		     (long)c->t0.tv_sec, c->t0.tv_nsec);
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		answer_errno(ans, c, "connect", errno);
		return;
	}
	if (send(fd, payload, (size_t)n, 0) < 0) {
		answer_errno(ans, c, "send", errno);
		return;
	}
	/* The socket is connected: only datagrams from dst:port arrive, and
	 * an ICMP port unreachable surfaces as ECONNREFUSED on recv. */
	for (;;) {
		if (!wait_fd(fd, POLLIN, c)) {
			answer(ans, c, PROBE_TIMEOUT, "recv: no answer in %d ms",
			       c->timeout_ms);
			return;
		}
		r = recv(fd, reply, sizeof(reply), MSG_DONTWAIT);
		if (r >= 0) {
			answer(ans, c, PROBE_OPEN, "reply of %zd bytes%s", r,
			       r == n && !memcmp(reply, payload, (size_t)n) ?
			       " (echo)" : "");
			return;
		}
		if (errno != EAGAIN && errno != EINTR) {
			answer_errno(ans, c, "recv", errno);
			return;
		}
	}
}

static uint16_t inet_csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* Does this ICMP error quote our echo request to dst? */
static bool quotes_our_echo(const uint8_t *inner, size_t len, uint32_t dst,
			    uint16_t id, uint16_t seq)
{
	const struct iphdr *ip = (const struct iphdr *)inner;
	const struct icmphdr *ic;
	size_t ihl;

	if (len < sizeof(*ip))
		return false;
	ihl = (size_t)ip->ihl * 4;
	if (ip->protocol != IPPROTO_ICMP || ip->daddr != dst ||
	    len < ihl + 8)
		return false;
	ic = (const struct icmphdr *)(inner + ihl);
	return ic->type == ICMP_ECHO && ic->un.echo.id == id &&
	       ic->un.echo.sequence == seq;
}

static void probe_icmp(int fd, const struct sockaddr_in *sa,
		       const struct clock *c, struct probe_ans *ans)
{
	static atomic_uint counter;
	uint8_t pkt[64] = { 0 }, buf[1500];
	struct icmphdr *req = (struct icmphdr *)pkt;
	uint32_t filter = ~((1U << ICMP_ECHOREPLY) | (1U << ICMP_DEST_UNREACH));
	char from[INET_ADDRSTRLEN];

	/* A raw socket sees every ICMP packet of the namespace: the id and
	 * sequence tell our reply from other probes' replies. */
	req->type = ICMP_ECHO;
	req->un.echo.id = htons((uint16_t)getpid());
	req->un.echo.sequence = htons((uint16_t)(atomic_fetch_add(&counter, 1) ^
						 (unsigned)c->t0.tv_nsec));
	snprintf((char *)pkt + sizeof(*req), sizeof(pkt) - sizeof(*req),
		 "vpcsim probe");
	req->checksum = inet_csum(pkt, sizeof(pkt));
	setsockopt(fd, SOL_RAW, ICMP_FILTER, &filter, sizeof(filter));

	if (sendto(fd, pkt, sizeof(pkt), 0, (const struct sockaddr *)sa,
		   sizeof(*sa)) < 0) {
		answer_errno(ans, c, "sendto", errno);
		return;
	}
	for (;;) {
		struct sockaddr_in src;
		socklen_t slen = sizeof(src);
		const struct iphdr *ip = (const struct iphdr *)buf;
		const struct icmphdr *ic;
		size_t ihl;
		ssize_t r;

		if (!wait_fd(fd, POLLIN, c)) {
			answer(ans, c, PROBE_TIMEOUT, "no echo reply in %d ms",
			       c->timeout_ms);
			return;
		}
		r = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&src, &slen);
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			answer_errno(ans, c, "recvfrom", errno);
			return;
		}
		if ((size_t)r < sizeof(*ip))
			continue;
		ihl = (size_t)ip->ihl * 4;
		if ((size_t)r < ihl + sizeof(*ic))
			continue;
		ic = (const struct icmphdr *)(buf + ihl);
		inet_ntop(AF_INET, &src.sin_addr, from, sizeof(from));
		if (ic->type == ICMP_ECHOREPLY && ip->saddr == sa->sin_addr.s_addr &&
		    ic->un.echo.id == req->un.echo.id &&
		    ic->un.echo.sequence == req->un.echo.sequence) {
			answer(ans, c, PROBE_OPEN, "echo reply from %s", from);
			return;
		}
		if (ic->type == ICMP_DEST_UNREACH &&
		    quotes_our_echo(buf + ihl + 8, (size_t)r - ihl - 8,
				    sa->sin_addr.s_addr, req->un.echo.id,
				    req->un.echo.sequence)) {
			answer(ans, c, PROBE_REFUSED,
			       "destination unreachable (code %u) from %s",
			       ic->code, from);
			return;
		}
	}
}

/* The source port connect() bound, for matching the probe's packets in
 * the data plane's records. */
static void local_port(int fd, struct probe_ans *ans)
{
	struct sockaddr_in me;
	socklen_t len = sizeof(me);

	if (getsockname(fd, (struct sockaddr *)&me, &len) == 0 && me.sin_family == AF_INET)
		ans->sport = ntohs(me.sin_port);
}

int probe_run(const struct probe_req *rq, struct probe_ans *ans)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct clock c;
	int type, proto, saved, fd, err;

	if (!rq || !ans || rq->timeout_ms <= 0)
		return errf(EINVAL, "probe: invalid request (timeout must be > 0)");
	switch (rq->proto) {
	case IPPROTO_TCP:
		type = SOCK_STREAM;
		proto = 0;
		break;
	case IPPROTO_UDP:
		type = SOCK_DGRAM;
		proto = 0;
		break;
	case IPPROTO_ICMP:
		type = SOCK_RAW;
		proto = IPPROTO_ICMP;
		break;
	default:
		return errf(EINVAL, "probe: protocol %u is not tcp, udp or icmp",
			    rq->proto);
	}
	memset(ans, 0, sizeof(*ans));
	err = netns_enter_name(rq->netns, &saved);
	if (err < 0)
		return errf_prefix(err, "probe");
	/* The socket belongs to the namespace it was made in; everything
	 * after this line runs back in the caller's namespace. */
	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	err = errno;
	netns_leave(saved);
	if (fd < 0)
		return errf(err, "probe: socket in %s: %s", rq->netns, strerror(err));

	sa.sin_addr.s_addr = htonl(rq->dst);
	sa.sin_port = htons(rq->port);
	c.timeout_ms = rq->timeout_ms;
	clock_gettime(CLOCK_MONOTONIC, &c.t0);
	if (rq->proto == IPPROTO_TCP)
		probe_tcp(fd, &sa, &c, ans);
	else if (rq->proto == IPPROTO_UDP)
		probe_udp(fd, &sa, &c, ans);
	else
		probe_icmp(fd, &sa, &c, ans);
	local_port(fd, ans);
	close(fd);
	return 0;
}
