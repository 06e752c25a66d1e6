/* Links, addresses, routes and rules over libnl-route, on the namespace's
 * reused socket. */
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include "util/err.h"
#include "kernel/nlerr.h"
#include "kernel/rtnl.h"

static struct nl_addr *nl_ip4(uint32_t ip, uint8_t prefix)
{
	uint32_t be = htonl(ip);
	struct nl_addr *a = nl_addr_build(AF_INET, &be, sizeof(be));

	if (a)
		nl_addr_set_prefixlen(a, prefix);
	return a;
}

/* libnl reports kernel errors as its own codes; map back to errno for
 * callers while keeping libnl's text in the message. */
static int nl_err(int nlerr)
{
	switch (-nlerr) {
	case NLE_EXIST: return EEXIST;
	case NLE_OBJ_NOTFOUND: return ENOENT;
	case NLE_NOMEM: return ENOMEM;
	case NLE_PERM: return EPERM;
	case NLE_BUSY: return EBUSY;
	case NLE_RANGE: return ERANGE;
	case NLE_NODEV: return ENODEV;
	default: return EINVAL;
	}
}

int rt_link_veth_add(struct netns *ns, const struct veth_spec *s)
{
	struct nl_sock *sk = netns_rt(ns);
	struct rtnl_link *link, *peer;
	int err;

	if (!sk)
		return -EIO;
	link = rtnl_link_veth_alloc();
	if (!link)
		return errf(ENOMEM, "allocating veth %s", s->name);
	rtnl_link_set_name(link, s->name);
	if (s->ifindex)
		rtnl_link_set_ifindex(link, s->ifindex);
	rtnl_link_set_flags(link, IFF_UP);
	if (s->mtu)
		rtnl_link_set_mtu(link, (unsigned int)s->mtu);
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(peer, s->peer_name);
	if (s->mtu)
		rtnl_link_set_mtu(peer, (unsigned int)s->mtu);
	if (s->peer_ifindex)
		rtnl_link_set_ifindex(peer, s->peer_ifindex);
	rtnl_link_set_ns_fd(peer, s->peer_ns->fd);
	/* No IFF_UP for the peer here: the kernel configures the peer before
	 * it links the pair, and opening an unpaired veth fails (ENOTCONN). */
	rtnl_link_put(peer);

	err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	if (err < 0) {
		err = errf(nl_err(err), "creating veth %s in %s with peer %s in %s: %s",
			   s->name, ns->name, s->peer_name, s->peer_ns->name, nlerr_str(err));
		goto out;
	}
	if (s->alias) {
		/* The kernel applies IFLA_IFALIAS only on change, not create. */
		struct rtnl_link *change = rtnl_link_alloc();

		rtnl_link_set_ifalias(change, s->alias);
		err = rtnl_link_change(sk, link, change, 0);
		rtnl_link_put(change);
		if (err < 0)
			err = errf(nl_err(err), "setting alias %s on %s in %s: %s", s->alias,
				   s->name, ns->name, nlerr_str(err));
	}
out:
	rtnl_link_put(link);
	return err;
}

int rt_link_set_up(struct netns *ns, int ifindex)
{
	struct nl_sock *sk = netns_rt(ns);
	struct rtnl_link *link, *change;
	int err;

	if (!sk)
		return -EIO;
	link = rtnl_link_alloc();
	change = rtnl_link_alloc();
	rtnl_link_set_ifindex(link, ifindex);
	rtnl_link_set_flags(change, IFF_UP);
	err = rtnl_link_change(sk, link, change, 0);
	if (err < 0)
		err = errf(nl_err(err), "setting ifindex %d up in %s: %s", ifindex, ns->name,
			   nlerr_str(err));
	rtnl_link_put(change);
	rtnl_link_put(link);
	return err;
}

int rt_link_exists(struct netns *ns, int ifindex)
{
	struct nl_sock *sk = netns_rt(ns);
	struct rtnl_link *link = NULL;
	int err;

	if (!sk)
		return -EIO;
	err = rtnl_link_get_kernel(sk, ifindex, NULL, &link);
	rtnl_link_put(link);
	if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND)
		return 0;
	if (err < 0)
		return errf(nl_err(err), "reading ifindex %d in %s: %s", ifindex, ns->name,
			    nlerr_str(err));
	return 1;
}

int rt_link_del(struct netns *ns, int ifindex)
{
	struct nl_sock *sk = netns_rt(ns);
	struct rtnl_link *link;
	int err;

	if (!sk)
		return -EIO;
	link = rtnl_link_alloc();
	if (!link)
		return errf(ENOMEM, "deleting ifindex %d in %s", ifindex, ns->name);
	rtnl_link_set_ifindex(link, ifindex);
	err = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND)
		return 0;
	if (err < 0)
		return errf(nl_err(err), "deleting ifindex %d in %s: %s", ifindex, ns->name,
			    nlerr_str(err));
	return 0;
}

int rt_link_by_name(struct netns *ns, const char *name, uint8_t mac[6])
{
	struct nl_sock *sk = netns_rt(ns);
	struct rtnl_link *link = NULL;
	struct nl_addr *a;
	int err, ifindex;

	if (!sk)
		return -EIO;
	err = rtnl_link_get_kernel(sk, 0, name, &link);
	if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND)
		return 0;
	if (err < 0)
		return errf(nl_err(err), "reading link %s in %s: %s", name, ns->name,
			    nlerr_str(err));
	ifindex = rtnl_link_get_ifindex(link);
	a = rtnl_link_get_addr(link);
	memset(mac, 0, 6);
	if (a && nl_addr_get_len(a) == 6)
		memcpy(mac, nl_addr_get_binary_addr(a), 6);
	rtnl_link_put(link);
	return ifindex;
}

int rt_link_wait_ready(struct netns *ns, int ifindex, int timeout_ms)
{
	struct nl_sock *sk = netns_rt(ns);
	struct timespec pause = { 0, 100 * 1000 }; /* 0.1 ms */

	if (!sk)
		return -EIO;
	for (int waited_us = 0;; waited_us += 100) {
		struct rtnl_link *link = NULL;
		int err = rtnl_link_get_kernel(sk, ifindex, NULL, &link);
		uint8_t state;

		if (err < 0)
			return errf(nl_err(err), "reading ifindex %d in %s: %s", ifindex,
				    ns->name, nlerr_str(err));
		state = rtnl_link_get_operstate(link);
		rtnl_link_put(link);
		if (state == 6) /* IF_OPER_UP; linux/if.h clashes with net/if.h */
			return 0;
		if (waited_us >= timeout_ms * 1000)
			return errf(ETIMEDOUT, "ifindex %d in %s is not up after %d ms "
				    "(operstate %u)", ifindex, ns->name, timeout_ms, state);
		nanosleep(&pause, NULL);
	}
}

int rt_addr_add(struct netns *ns, int ifindex, uint32_t ip, uint8_t prefix, int noprefixroute)
{
	struct nl_sock *sk = netns_rt(ns);
	struct rtnl_addr *a;
	struct nl_addr *local;
	char buf[IP4_STRLEN];
	int err;

	if (!sk)
		return -EIO;
	a = rtnl_addr_alloc();
	local = nl_ip4(ip, prefix);
	if (!a || !local) {
		err = errf(ENOMEM, "allocating address %s", ip4_str(ip, buf));
		goto out;
	}
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, AF_INET);
	rtnl_addr_set_local(a, local);
	if (noprefixroute)
		rtnl_addr_set_flags(a, IFA_F_NOPREFIXROUTE);
	err = rtnl_addr_add(sk, a, 0);
	if (err < 0)
		err = errf(nl_err(err), "adding address %s/%u to ifindex %d in %s: %s",
			   ip4_str(ip, buf), prefix, ifindex, ns->name, nlerr_str(err));
out:
	nl_addr_put(local);
	rtnl_addr_put(a);
	return err;
}

int rt_route_add(struct netns *ns, const struct route_spec *r)
{
	struct nl_sock *sk = netns_rt(ns);
	struct rtnl_route *rt;
	struct nl_addr *dst, *gw = NULL;
	char dbuf[CIDR_STRLEN], gbuf[IP4_STRLEN];
	int err;

	if (!sk)
		return -EIO;
	rt = rtnl_route_alloc();
	dst = nl_ip4(r->dst.addr, r->dst.len);
	if (!rt || !dst) {
		err = errf(ENOMEM, "allocating route %s", cidr_str(r->dst, dbuf));
		goto out;
	}
	rtnl_route_set_family(rt, AF_INET);
	rtnl_route_set_table(rt, r->table);
	rtnl_route_set_dst(rt, dst);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	if (r->kind == ROUTE_BLACKHOLE) {
		rtnl_route_set_type(rt, RTN_BLACKHOLE);
	} else {
		struct rtnl_nexthop *nh = rtnl_route_nh_alloc();

		rtnl_route_set_type(rt, RTN_UNICAST);
		rtnl_route_nh_set_ifindex(nh, r->oif);
		if (r->gateway) {
			gw = nl_ip4(r->gateway, 32);
			rtnl_route_nh_set_gateway(nh, gw);
			rtnl_route_set_scope(rt, RT_SCOPE_UNIVERSE);
		} else {
			rtnl_route_set_scope(rt, RT_SCOPE_LINK);
		}
		if (r->onlink)
			rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
		rtnl_route_add_nexthop(rt, nh);
	}
	err = rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_EXCL);
	if (err < 0)
		err = errf(nl_err(err), "adding route %s%s%s table %u in %s: %s",
			   cidr_str(r->dst, dbuf), r->gateway ? " via " : "",
			   r->gateway ? ip4_str(r->gateway, gbuf) : "", r->table, ns->name,
			   nlerr_str(err));
out:
	nl_addr_put(gw);
	nl_addr_put(dst);
	rtnl_route_put(rt);
	return err;
}

int rt_route_del(struct netns *ns, uint32_t table, struct cidr dst, int oif)
{
	struct nl_sock *sk = netns_rt(ns);
	struct rtnl_route *rt;
	struct nl_addr *d;
	char dbuf[CIDR_STRLEN];
	int err;

	if (!sk)
		return -EIO;
	rt = rtnl_route_alloc();
	d = nl_ip4(dst.addr, dst.len);
	if (!rt || !d) {
		err = errf(ENOMEM, "allocating route %s", cidr_str(dst, dbuf));
		goto out;
	}
	rtnl_route_set_family(rt, AF_INET);
	rtnl_route_set_table(rt, table);
	rtnl_route_set_dst(rt, d);
	if (oif) {
		struct rtnl_nexthop *nh = rtnl_route_nh_alloc();

		rtnl_route_nh_set_ifindex(nh, oif);
		rtnl_route_add_nexthop(rt, nh);
	}
	err = rtnl_route_delete(sk, rt, 0);
	if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
		err = 0;
	if (err < 0)
		err = errf(nl_err(err), "deleting route %s table %u in %s: %s",
			   cidr_str(dst, dbuf), table, ns->name, nlerr_str(err));
out:
	nl_addr_put(d);
	rtnl_route_put(rt);
	return err;
}

int rt_rule_add(struct netns *ns, uint32_t pref, struct cidr src, struct cidr dst, uint32_t table)
{
	struct nl_sock *sk = netns_rt(ns);
	struct rtnl_rule *rule;
	struct nl_addr *s = NULL, *d = NULL;
	char sbuf[CIDR_STRLEN], dbuf[CIDR_STRLEN];
	int err;

	if (!sk)
		return -EIO;
	rule = rtnl_rule_alloc();
	if (!rule)
		return errf(ENOMEM, "allocating rule %u", pref);
	rtnl_rule_set_family(rule, AF_INET);
	rtnl_rule_set_prio(rule, pref);
	rtnl_rule_set_action(rule, FR_ACT_TO_TBL);
	rtnl_rule_set_table(rule, table);
	if (src.len) {
		s = nl_ip4(src.addr, src.len);
		rtnl_rule_set_src(rule, s);
	}
	if (dst.len) {
		d = nl_ip4(dst.addr, dst.len);
		rtnl_rule_set_dst(rule, d);
	}
	err = rtnl_rule_add(sk, rule, NLM_F_CREATE | NLM_F_EXCL);
	if (err < 0)
		err = errf(nl_err(err), "adding rule %u from %s to %s lookup %u in %s: %s", pref,
			   cidr_str(src, sbuf), cidr_str(dst, dbuf), table, ns->name,
			   nlerr_str(err));
	nl_addr_put(s);
	nl_addr_put(d);
	rtnl_rule_put(rule);
	return err;
}
