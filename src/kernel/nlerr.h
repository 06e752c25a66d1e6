/* The kernel's own words on a failed netlink request: the extended ack
 * (NETLINK_EXT_ACK, "Exclusivity flag on, cannot modify" and the like),
 * in every netlink error vpcsim reports, whichever library sent the
 * request (libnl for links, addresses, routes, rules and tc; libmnl and
 * libnftnl for nftables). */
#ifndef VPCSIM_NLERR_H
#define VPCSIM_NLERR_H

#include <linux/netlink.h>

struct nl_sock;

/* The text of the NLMSGERR_ATTR_MSG attribute of an NLMSG_ERROR message,
 * or NULL when the kernel sent none. Points into nlh. */
const char *nlerr_ext_ack(const struct nlmsghdr *nlh);

/* Turn on extended acks (and capped acks) on a libnl socket and keep the
 * kernel's text of the last error it answers, for nlerr_str(). */
void nlerr_enable(struct nl_sock *sk);

/* libnl's text for error `nlerr`, with " (kernel: TEXT)" when the last
 * failed request on this thread had an extended ack. */
const char *nlerr_str(int nlerr);

#endif
