/* A probe between named nodes of a topology that is up, as `vpcsim probe`
 * makes it, and the data plane's own account of a timeout: the drop
 * events of that flow (which ENI, which direction, which reason). Shared
 * by `probe` and `check`. */
#ifndef VPCSIM_PROBE_NAMED_H
#define VPCSIM_PROBE_NAMED_H

#include <stdbool.h>

#include "kernel/probe.h"
#include "state/state.h"

struct probe_outcome {
	struct probe_ans ans;
	uint32_t dst;                /* the address probed */
	/* When the result is a timeout and the data plane dropped a packet
	 * of the flow: the first such drop. */
	bool dropped;
	char eni_id[24];             /* "eni-…" */
	char eni_of[64];             /* the node it belongs to */
	const char *dir;             /* "ingress" (entering the ENI) or "egress" */
	const char *reason;          /* SG_EGRESS, NACL_INBOUND, ... */
	const char *explain;
	char why[640];               /* one line: what the data plane (or reach) says */
};

/* Resolve FROM and TO as `probe` does (split horizon; a function: an idle
 * environment, made if none; TO a function: its address) and run the
 * probe. Returns 0, EXIT_USAGE-style -EINVAL for unknown names, or <0
 * with err_msg(). */
int probe_named(struct live *lv, const char *from, const char *to, uint8_t proto,
		uint16_t port, int timeout_ms, struct probe_outcome *out);

#endif
