/* Attaching an ENI: see eni.h. */
#include <stdio.h>

#include "kernel/eni.h"
#include "kernel/rtnl.h"
#include "kernel/tc.h"

int attach_veth(struct netns *router, struct netns *node, const struct attachment *a,
		const char *alias)
{
	struct veth_spec v = {
		.name = a->ifname, .ifindex = a->ifindex, .alias = alias,
		.peer_ns = node, .peer_name = "eth0", .peer_ifindex = IFINDEX_NODE_ETH0,
		.mtu = a->mtu,
	};
	struct route_spec dflt = {
		.table = 254, .dst = { 0, 0 }, .kind = ROUTE_UNICAST,
		.oif = IFINDEX_NODE_ETH0, .gateway = a->gateway, .onlink = 1,
	};
	struct route_spec host = {
		.table = 254, .dst = { a->ip, 32 }, .kind = ROUTE_UNICAST, .oif = a->ifindex,
	};
	int err;

	err = rt_link_veth_add(router, &v);
	if (!err)
		err = rt_link_set_up(node, IFINDEX_NODE_ETH0);
	/* The node sees its subnet's prefix, but no on-link subnet route:
	 * everything, also within the subnet, goes through the router. */
	if (!err)
		err = rt_addr_add(node, IFINDEX_NODE_ETH0, a->ip, a->prefix, 1);
	if (!err)
		err = rt_route_add(node, &dflt);
	if (!err)
		err = rt_route_add(router, &host);
	return err;
}


/* The ENI's entry first, then the programs: a packet never meets the
 * programs without its ENI's entry (it would be dropped as NO_ENI). The tc
 * objects go over the router's reused socket (kernel/tc.c). */
int eni_dataplane_attach(struct netns *router, struct dataplane *dp, int ifindex,
			 const struct dp_eni *eni)
{
	int err = dp_eni_add(dp, (uint32_t)ifindex, eni);

	if (!err)
		err = tc_clsact_add(router, ifindex);
	if (!err)
		err = tc_bpf_filter_add(router, ifindex, true, dp->prog_fd[DP_PROG_FROM_ENI],
					dp_prog_names[DP_PROG_FROM_ENI], DP_TC_HANDLE,
					DP_TC_PRIORITY);
	if (!err)
		err = tc_bpf_filter_add(router, ifindex, false, dp->prog_fd[DP_PROG_TO_ENI],
					dp_prog_names[DP_PROG_TO_ENI], DP_TC_HANDLE,
					DP_TC_PRIORITY);
	return err;
}

