/* tc objects over a namespace's reused route socket: the clsact qdisc and
 * direct-action bpf filters. libbpf's bpf_tc_* calls do the same but open a
 * netlink socket per call in the calling thread's namespace; `up` attaches
 * two programs to every ENI, so it uses these instead. */
#ifndef VPCSIM_TC_H
#define VPCSIM_TC_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/netns.h"

int tc_clsact_add(struct netns *ns, int ifindex);
/* A bpf filter in direct-action mode at clsact ingress (or egress) of
 * ifindex, handle and priority as given; fails if one is there. */
int tc_bpf_filter_add(struct netns *ns, int ifindex, bool ingress, int prog_fd,
		      const char *name, uint32_t handle, uint16_t prio);

#endif
