/* Links, addresses, routes and rules inside a namespace, over the
 * namespace's reused NETLINK_ROUTE socket (libnl-route). Addresses are IPv4
 * in host byte order. Every function returns 0 or a negative errno with a
 * message naming the operation, the object and the namespace. The API is
 * prefixed rt_ (rtnl_ is libnl's own). */
#ifndef VPCSIM_RTNL_H
#define VPCSIM_RTNL_H

#include <stdint.h>

#include "util/cidr.h"
#include "kernel/netns.h"
#include "model/route.h"

/* A veth pair with one end `name` (ifindex `ifindex`, 0 = kernel's choice,
 * alias `alias` or NULL) in `ns` and the other end `peer_name` (ifindex
 * `peer_ifindex`, 0 = kernel's choice) created directly inside `peer_ns`.
 * The first end is up; the peer is down until rt_link_set_up(). */
struct veth_spec {
	const char *name;
	int ifindex;
	const char *alias;
	struct netns *peer_ns;
	const char *peer_name;
	int peer_ifindex;
	int mtu;               /* both ends; 0: the kernel's 1500 */
};
int rt_link_veth_add(struct netns *ns, const struct veth_spec *s);
int rt_link_set_up(struct netns *ns, int ifindex);
/* Wait (polling, at most timeout_ms) until ifindex is operationally up.
 * The kernel attaches a link's real qdisc only then (linkwatch, run from a
 * workqueue after the carrier comes on); until then it drops what is
 * sent, so a connection opened right after a veth is made loses its first
 * packet to a 1 s retransmit. */
int rt_link_wait_ready(struct netns *ns, int ifindex, int timeout_ms);
/* Delete link ifindex (a veth takes its peer along). Absent is success. */
int rt_link_del(struct netns *ns, int ifindex);
/* The ifindex of link `name` in ns with its MAC address, 0 when there is
 * none, or -errno. */
int rt_link_by_name(struct netns *ns, const char *name, uint8_t mac[6]);
/* 1 when ifindex exists in ns, 0 when it does not, or -errno. */
int rt_link_exists(struct netns *ns, int ifindex);

/* Address `ip/prefix` on ifindex. noprefixroute: no connected route for the
 * prefix, so the prefix is shown to users without making it on-link. */
int rt_addr_add(struct netns *ns, int ifindex, uint32_t ip, uint8_t prefix, int noprefixroute);

int rt_route_add(struct netns *ns, const struct route_spec *r);
/* Delete the route to `dst` in `table` through oif (0: whatever its
 * device). Absent is success. */
int rt_route_del(struct netns *ns, uint32_t table, struct cidr dst, int oif);

/* Policy rule `pref`: from `src` (len 0: any) to `dst` (len 0: any) lookup `table`. */
int rt_rule_add(struct netns *ns, uint32_t pref, struct cidr src, struct cidr dst, uint32_t table);

#endif
