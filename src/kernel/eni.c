/* Attaching and detaching an ENI: see eni.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "kernel/eni.h"
#include "kernel/proc.h"
#include "kernel/rtnl.h"
#include "kernel/tc.h"
#include "util/err.h"
#include "util/paths.h"

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


int eni_detach(const char *router, const char *node, uint32_t ip, int ifindex)
{
	static const char *const etc_files[] = { "hosts", "resolv.conf" };
	char path[PATH_MAX];
	struct netns *ns;
	int first = 0, err;

	if (router[0] && netns_exists(router) && netns_open(router, &ns) == 0) {
		first = rt_route_del(ns, 254, (struct cidr){ ip, 32 }, ifindex);
		netns_close(ns);
	}
	proc_kill_netns(node);
	if ((err = netns_delete(node)) < 0)
		first = first ? first : err;
	for (size_t i = 0; i < sizeof(etc_files) / sizeof(etc_files[0]); i++) {
		path_etc_netns(path, sizeof(path), node, etc_files[i]);
		unlink(path);
	}
	path_etc_netns(path, sizeof(path), node, NULL);
	rmdir(path);
	return first;
}


int attach_container(struct netns *router, struct netns *ctr, const struct attachment *a,
		     const char *alias, const char *ifname, struct container_end *end)
{
	struct veth_spec v = {
		.name = a->ifname, .ifindex = a->ifindex, .alias = alias,
		.peer_ns = ctr, .peer_name = ifname, .mtu = a->mtu,
	};
	struct route_spec host = {
		.table = 254, .dst = { a->ip, 32 }, .kind = ROUTE_UNICAST, .oif = a->ifindex,
	};
	struct route_spec dflt = {
		.table = 254, .dst = { 0, 0 }, .kind = ROUTE_UNICAST, .gateway = a->gateway,
		.onlink = 1,
	};
	int err;

	err = rt_link_veth_add(router, &v);
	if (!err)
		err = end->ifindex = rt_link_by_name(ctr, ifname, end->mac);
	if (err == 0)
		err = errf(ENODEV, "the veth end %s did not appear in %s", ifname, ctr->name);
	if (err > 0)
		err = rt_link_set_up(ctr, end->ifindex);
	if (!err)
		err = rt_addr_add(ctr, end->ifindex, a->ip, a->prefix, 1);
	dflt.oif = end->ifindex;
	if (!err)
		err = rt_route_add(ctr, &dflt);
	if (!err)
		err = rt_route_add(router, &host);
	if (!err)
		err = rt_link_wait_ready(router, a->ifindex, 1000);
	return err;
}

int container_detach(const char *router, const char *ctr, uint32_t ip, int ifindex)
{
	struct netns *ns;
	int first = 0, err;

	if (router[0] && netns_exists(router) && netns_open(router, &ns) == 0) {
		first = rt_route_del(ns, 254, (struct cidr){ ip, 32 }, ifindex);
		err = rt_link_del(ns, ifindex);
		first = first ? first : err;
		netns_close(ns);
	}
	/* The name only: the container's namespace and processes are its
	 * runtime's. */
	err = netns_delete(ctr);
	return first ? first : err;
}
