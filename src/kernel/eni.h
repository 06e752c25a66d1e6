/* Attaching an ENI and detaching it: the veth between a router and a node
 * with its addresses and routes, and the ENI's data plane (its entry in the
 * VPC's ENI table, the tc programs on the router end). `up` attaches the
 * layout's ENIs through these (state/apply.c), env.c the ENIs of
 * execution environments, and detaches them. Every function returns 0 or
 * -errno with a message naming the object. */
#ifndef VPCSIM_ENI_H
#define VPCSIM_ENI_H

#include "kernel/bpf_loader.h"
#include "kernel/netns.h"
#include "model/layout.h"

/* attach_veth: the veth of attachment `a` (router end a->ifname with
 * a->ifindex and `alias` in `router`, eth0 in `node`), the node's address
 * (noprefixroute) and default route via a->gateway on-link, and the
 * router's /32 to the node. */
int attach_veth(struct netns *router, struct netns *node, const struct attachment *a,
		const char *alias);
/* An ENI's entry in its VPC's ENI table, then the programs on its router
 * end (in `router`): a packet never meets the programs without its entry. */
int eni_dataplane_attach(struct netns *router, struct dataplane *dp, int ifindex,
			 const struct dp_eni *eni);

/* Detach a node's ENI, attach_veth()'s reverse: the router's /32 to the
 * node `ip` through ifindex (at once, for the address may be handed out
 * again; router "" or absent: none), the processes in the node's namespace,
 * the namespace (its veth goes with it, from a kernel workqueue: deleting
 * it here would wait for RCU grace periods) and its /etc/netns files
 * (hosts, resolv.conf).
 * Absent parts are success; returns the first error. The ENI's entry in its
 * VPC's tables is the data plane's (state/vpc_dataplane.h) to remove. */
int eni_detach(const char *router, const char *node, uint32_t ip, int ifindex);

/* A container's namespace `ctr` (bound under a name of ours) attached as
 * attachment `a`: the veth with its end `ifname` in the container (the
 * kernel numbers it), its address (noprefixroute) and default route via
 * a->gateway on-link there, the router's /32 to it. The container end's
 * ifindex and MAC go to *end. The ENI's data plane is
 * eni_dataplane_attach()'s, as for any ENI. */
struct container_end {
	int ifindex;
	uint8_t mac[6];
};
int attach_container(struct netns *router, struct netns *ctr, const struct attachment *a,
		     const char *alias, const char *ifname, struct container_end *end);
/* attach_container()'s reverse: the router's /32 and the veth (its end in
 * the container goes with it), then our name of the namespace; never the
 * container's processes nor its namespace. Absent parts are success. */
int container_detach(const char *router, const char *ctr, uint32_t ip, int ifindex);

#endif
