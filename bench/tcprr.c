/*
 * tcprr: TCP request/response rates, the two figures iperf3 does not give.
 *
 *   tcprr server PORT            answer forever (until killed)
 *   tcprr rr  HOST PORT SECONDS  one connection, 1-byte request and reply in
 *                                a loop: prints transactions per second
 *   tcprr crr HOST PORT SECONDS  a new connection per transaction (connect,
 *                                request, reply, close): prints connections
 *                                per second; every connection is a new flow
 *                                that the data plane's policy must admit
 *
 * The server forks nothing: one poll() loop over the listening socket and
 * its connections, so it costs the same with any client. Output is one
 * number on stdout, for the bench scripts to collect.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 4096

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "tcprr: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int listen_on(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	if (listen(fd, 1024) < 0)
		die("listen");
	return fd;
}

/* Echo every byte back; a connection ends when its peer closes it. */
static __attribute__((noreturn)) void serve(int port)
{
	static struct pollfd p[MAX_CONNS];
	int n = 1;

	p[0] = (struct pollfd){ .fd = listen_on(port), .events = POLLIN };
	for (;;) {
		if (poll(p, n, -1) < 0 && errno != EINTR)
			die("poll");
		if ((p[0].revents & POLLIN) && n < MAX_CONNS) {
			int c = accept(p[0].fd, NULL, NULL);

			if (c >= 0) {
				nodelay(c);
				p[n++] = (struct pollfd){ .fd = c, .events = POLLIN };
			}
		}
		for (int i = 1; i < n; i++) {
			char buf[64];
			ssize_t r;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(p[i].fd, buf, sizeof(buf));
			if (r > 0 && write(p[i].fd, buf, r) == r)
				continue;
			close(p[i].fd);
			p[i--] = p[--n];
		}
	}
}

static int connect_to(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) < 0)
		die("connect");
	nodelay(fd);
	return fd;
}

/* One request and its reply; 0 on success. */
static int transact(int fd)
{
	char c = 'x';

	return write(fd, &c, 1) == 1 && read(fd, &c, 1) == 1 ? 0 : -1;
}

static double run(const struct sockaddr_in *a, double seconds, int new_conn)
{
	double t0 = now_s(), t;
	long count = 0;
	int fd = new_conn ? -1 : connect_to(a);

	do {
		if (new_conn)
			fd = connect_to(a);
		if (transact(fd) < 0)
			die("request");
		if (new_conn)
			close(fd);
		count++;
		t = now_s();
	} while (t - t0 < seconds);
	if (!new_conn)
		close(fd);
	return count / (t - t0);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	if (argc == 3 && strcmp(argv[1], "server") == 0)
		serve(atoi(argv[2]));
	if (argc != 5 || (strcmp(argv[1], "rr") && strcmp(argv[1], "crr"))) {
		fprintf(stderr, "usage: tcprr server PORT | tcprr rr|crr HOST PORT SECONDS\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[2], &a.sin_addr) != 1) {
		fprintf(stderr, "tcprr: '%s' is not an IPv4 address\n", argv[2]);
		return 2;
	}
	a.sin_port = htons(atoi(argv[3]));
	printf("%.0f\n", run(&a, atof(argv[4]), strcmp(argv[1], "crr") == 0));
	return 0;
}
