/* The built-in responder: answers the `listen` ports of every node of a
 * topology from ONE process, so `up` spawns no process per node or socket.
 *
 * The listening sockets are created in the caller, each inside its node's
 * namespace (a socket keeps the namespace it was made in), then a forked
 * child serves them all from one epoll loop:
 *   TCP: accept, echo every byte back until the peer's EOF, then close.
 *   UDP: echo each datagram to its sender, from the address it was sent to.
 * Ports not listed are closed: the kernel answers RST or ICMP port
 * unreachable by itself. */
#ifndef VPCSIM_RESPONDER_H
#define VPCSIM_RESPONDER_H

#include <stdint.h>
#include <sys/types.h>

struct responder_port {
	const char *netns;   /* namespace name under /run/netns */
	uint8_t proto;       /* 6 (tcp) or 17 (udp) */
	uint16_t port;       /* bound on INADDR_ANY in that namespace */
};

/* Bounds of the serving loop (memory stays bounded whatever clients do). */
#define RESPONDER_MAX_CONNS 16384   /* beyond: accepted and closed at once */
#define RESPONDER_IO_BUF 65536      /* one shared read buffer */

/* Create every listening socket (errors such as a port in use or a missing
 * namespace are returned here, with err_msg() naming the node and port, and
 * nothing is left open or running), then fork a child that serves them
 * (no exec). The child: setsid, stdin /dev/null, stdout/stderr appended to
 * log_path, every other fd closed, exits 0 on SIGTERM or SIGINT.
 * Returns 0 and the child's pid once the child reports it is serving; the
 * caller records it with proc_start_time() and ends it with proc_stop().
 * May raise the caller's RLIMIT_NOFILE soft limit for the duration of the
 * call when n is large; it is restored before returning. */
int responder_start(const struct responder_port *ports, int n,
		    const char *log_path, pid_t *pid);

#endif
