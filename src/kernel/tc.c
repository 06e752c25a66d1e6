/* clsact and bpf filters over libnl messages on the namespace's socket. */
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "util/err.h"
#include "kernel/nlerr.h"
#include "kernel/tc.h"

static int tc_request(struct netns *ns, int type, int flags, const struct tcmsg *tcm,
		      struct nl_msg **out)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (!msg || nlmsg_append(msg, (void *)tcm, sizeof(*tcm), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return errf(ENOMEM, "tc request in %s", ns->name);
	}
	*out = msg;
	return 0;
}

static int tc_send(struct netns *ns, struct nl_msg *msg)
{
	struct nl_sock *sk = netns_rt(ns);
	int err;

	if (!sk) {
		nlmsg_free(msg);
		return -EIO;
	}
	err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		return err;
	return nl_wait_for_ack(sk);
}

int tc_clsact_add(struct netns *ns, int ifindex)
{
	struct tcmsg tcm = {
		.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
		.tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0), .tcm_parent = TC_H_CLSACT,
	};
	struct nl_msg *msg;
	int err = tc_request(ns, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, &tcm, &msg);

	if (err < 0)
		return err;
	if (nla_put_string(msg, TCA_KIND, "clsact") < 0) {
		nlmsg_free(msg);
		return errf(ENOMEM, "tc request in %s", ns->name);
	}
	err = tc_send(ns, msg);
	if (err < 0 && err != -NLE_EXIST)
		return errf(EIO, "adding the clsact qdisc to ifindex %d in %s: %s", ifindex,
			    ns->name, nlerr_str(err));
	return 0;
}

int tc_bpf_filter_add(struct netns *ns, int ifindex, bool ingress, int prog_fd,
		      const char *name, uint32_t handle, uint16_t prio)
{
	struct tcmsg tcm = {
		.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex, .tcm_handle = handle,
		.tcm_parent = TC_H_MAKE(TC_H_CLSACT,
					ingress ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS),
		.tcm_info = TC_H_MAKE((uint32_t)prio << 16, htons(ETH_P_ALL)),
	};
	struct nl_msg *msg;
	struct nlattr *opts;
	int err = tc_request(ns, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, &tcm, &msg);

	if (err < 0)
		return err;
	if (nla_put_string(msg, TCA_KIND, "bpf") < 0 ||
	    !(opts = nla_nest_start(msg, TCA_OPTIONS)) ||
	    nla_put_u32(msg, TCA_BPF_FD, (uint32_t)prog_fd) < 0 ||
	    nla_put_string(msg, TCA_BPF_NAME, name) < 0 ||
	    nla_put_u32(msg, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT) < 0) {
		nlmsg_free(msg);
		return errf(ENOMEM, "tc filter request in %s", ns->name);
	}
	nla_nest_end(msg, opts);
	err = tc_send(ns, msg);
	if (err < 0)
		return errf(EIO, "attaching %s at tc %s of ifindex %d in %s: %s", name,
			    ingress ? "ingress" : "egress", ifindex, ns->name, nlerr_str(err));
	return 0;
}
