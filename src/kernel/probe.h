/* A real connection attempt from inside a node's namespace: what a client
 * in that node would see. No outside tool, no process spawned. */
#ifndef VPCSIM_PROBE_H
#define VPCSIM_PROBE_H

#include <stdint.h>

#include "model/topology.h" /* enum probe_result */

struct probe_req {
	const char *netns;  /* source node's namespace under /run/netns */
	uint32_t dst;       /* IPv4 address, host order */
	uint8_t proto;      /* 6 tcp, 17 udp, 1 icmp (echo) */
	uint16_t port;      /* ignored for icmp */
	int timeout_ms;     /* > 0 */
};

struct probe_ans {
	enum probe_result result;
	double elapsed_ms;  /* CLOCK_MONOTONIC, from the first packet sent */
	char detail[128];   /* what the kernel said, e.g. "connect: Connection refused" */
	uint16_t sport;     /* TCP/UDP: the source port the kernel picked; 0 if unknown */
};

/* Result mapping (docs/NODES.md):
 *   open     TCP connected; UDP echo received; ICMP echo reply received.
 *   refused  ECONNREFUSED: a TCP RST, or ICMP port / protocol unreachable
 *            for UDP; ICMP destination unreachable for an echo request.
 *   timeout  no answer within timeout_ms, and also every other error
 *            (EINVAL from a local blackhole route, EHOSTUNREACH,
 *            ENETUNREACH, EACCES, EPERM): the packet was dropped without
 *            a refusal, which AWS shows a client as a timeout. `detail`
 *            keeps the errno text so such a drop can be told apart.
 * A UDP service that does not answer looks like a timeout.
 * Returns 0 with *ans filled, or <0 only for local errors (bad request,
 * no such namespace, socket creation failed) with err_msg() set. */
int probe_run(const struct probe_req *rq, struct probe_ans *ans);

#endif
