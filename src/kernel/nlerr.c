/* Extended acks of netlink errors: see nlerr.h. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "kernel/nlerr.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The attributes follow the error header and, unless the socket caps
 * acks, the whole echoed request. */
const char *nlerr_ext_ack(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t len = nlh->nlmsg_len - NLMSG_HDRLEN, off = sizeof(*e);
	const struct nlattr *a;

	if (nlh->nlmsg_type != NLMSG_ERROR || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    len < sizeof(*e))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	while (off + NLA_HDRLEN <= len) {
		a = (const struct nlattr *)((const char *)e + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > len)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG &&
		    a->nla_len > NLA_HDRLEN &&
		    ((const char *)a)[a->nla_len - 1] == '\0')
			return (const char *)a + NLA_HDRLEN;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

static __thread char last_ack[256];

/* libnl calls this for every error answer; NL_STOP keeps libnl's own
 * handling (the request fails with the kernel's errno). */
static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	const char *text = nlerr_ext_ack(nlh);

	snprintf(last_ack, sizeof(last_ack), "%s", text ? text : "");
	return NL_STOP;
}

/* Every request starts without an old text. */
static int on_send(struct nl_msg *msg, void *arg)
{
	last_ack[0] = '\0';
	return NL_OK;
}

void nlerr_enable(struct nl_sock *sk)
{
	int one = 1, fd = nl_socket_get_fd(sk);

	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_error, NULL);
	nl_socket_modify_cb(sk, NL_CB_MSG_OUT, NL_CB_CUSTOM, on_send, NULL);
}

const char *nlerr_str(int nlerr)
{
	static __thread char buf[384];

	if (!last_ack[0])
		return nl_geterror(nlerr);
	snprintf(buf, sizeof(buf), "%s (kernel: %s)", nl_geterror(nlerr), last_ack);
	return buf;
}
